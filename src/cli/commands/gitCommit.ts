/**
 * The commit of a checkout, for the reports that name the code that made them (`moe-lab reproduce`,
 * `scripts/renderReport.ts`).
 */
import { execFileSync } from 'node:child_process';

/** `root`'s short HEAD commit, marked when tracked files have uncommitted changes; undefined outside a git checkout. */
export function gitCommit(root: string): string | undefined {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return dirty ? `${commit} (with uncommitted changes)` : commit;
  } catch {
    return undefined;
  }
}
