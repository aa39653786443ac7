/** The results folder is checked (and created) before a run starts, so that a bad one is a user error at once. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { UserInputError } from '../../core/errors';

const REASONS: Record<string, string> = {
  ENOENT: 'the file system refuses a new folder there',
  ENOTDIR: 'part of the path is a file, not a folder',
  EEXIST: 'a file of that name exists',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOSPC: 'no space left on the device',
};

/**
 * Creates `folder` one level at a time, from its nearest existing ancestor down. Node's recursive mkdir is not
 * used: under /proc it loops forever at full CPU instead of failing. `source` names where the folder came from
 * (`--out`, `/resultsDir`) in the message.
 */
export async function prepareFolder(folder: string, source: string, what = 'results folder'): Promise<void> {
  const missing: string[] = [];
  for (let current = folder; ; current = path.dirname(current)) {
    const code = await folderState(current);
    if (code === undefined) break;
    if (code !== 'ENOENT' || path.dirname(current) === current) throw cannotCreate(folder, source, code, what);
    missing.unshift(current);
  }
  for (const level of missing) {
    try {
      await fs.mkdir(level);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? 'unknown';
      if (code !== 'EEXIST' || (await folderState(level)) !== undefined) throw cannotCreate(folder, source, code, what);
    }
  }
}

/** undefined for an existing folder, else why it is not one (an errno code; EEXIST for a file). */
async function folderState(candidate: string): Promise<string | undefined> {
  try {
    return (await fs.stat(candidate)).isDirectory() ? undefined : 'EEXIST';
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? 'unknown';
  }
}

function cannotCreate(folder: string, source: string, code: string, what: string): UserInputError {
  return new UserInputError(`${source}: cannot create the ${what} ${folder}: ${REASONS[code] ?? code}`, { file: folder });
}
