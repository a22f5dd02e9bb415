// File-system faults while writing a run, in words: a one-line error should say "no space left
// on the device", not just "ENOSPC", and should name the real fault (see makeDirectories).
import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

const faults: Record<string, string> = {
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'a folder is where a file should be',
  EIO: 'input/output error',
};

/** "no space left on the device (ENOSPC)", or the error's own message when its code is not one of ours. */
export function fsFault(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  if (code && faults[code]) return `${faults[code]} (${code})`;
  return (e as Error)?.message ?? String(e);
}

/**
 * `mkdir -p` that reports the real fault: Node 20's recursive mkdirSync says ENOENT when the
 * parent is on a read-only file system, so each missing folder is made on its own. Another
 * trainer making the same folder at the same moment is not a fault.
 */
export function makeDirectories(dir: string): void {
  if (isDirectory(dir)) return;
  const parent = dirname(dir);
  if (parent !== dir) makeDirectories(parent);
  try {
    mkdirSync(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    if (!isDirectory(dir)) throw new Error(`${dir} is a file, not a folder`);
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
