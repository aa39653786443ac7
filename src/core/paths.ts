/**
 * Whether a path lies inside a folder, as the file system sees it: symbolic links are followed (a link inside the
 * workspace that points outside is outside) and the comparison is by path segments (`..top.csv` at the root is a file
 * of the root, not its parent). Paths that do not exist yet (a results folder about to be created) are judged by the
 * real path of their deepest existing ancestor, with the missing tail appended.
 */
import { realpathSync } from 'node:fs';
import * as path from 'node:path';

/**
 * True when `target` is `root` itself or lies below it, after resolving symbolic links of both. With
 * `strictly`, `root` itself does not count.
 */
export function isInside(root: string, target: string, { strictly = false }: { strictly?: boolean } = {}): boolean {
  const rootSegments = segments(realPathOf(root));
  const targetSegments = segments(realPathOf(target));
  if (targetSegments.length < rootSegments.length || (strictly && targetSegments.length === rootSegments.length)) return false;
  return rootSegments.every((segment, index) => segment === targetSegments[index]);
}

/** The real path of `file`: of its deepest existing ancestor when the file itself does not exist yet. */
export function realPathOf(file: string): string {
  const absolute = path.resolve(file);
  const missing: string[] = [];
  let existing = absolute;
  for (;;) {
    try {
      return path.join(realpathSync.native(existing), ...missing.reverse());
    } catch {
      const parent = path.dirname(existing);
      // The file system root always exists; an unreadable path (EACCES) is judged as written.
      if (parent === existing) return absolute;
      missing.push(path.basename(existing));
      existing = parent;
    }
  }
}

function segments(absolute: string): string[] {
  return absolute.split(path.sep).filter((segment) => segment !== '');
}
