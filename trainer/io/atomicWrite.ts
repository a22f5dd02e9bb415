import { closeSync, constants, fsyncSync, openSync, renameSync, rmSync, writeFileSync } from 'node:fs';

/**
 * Writes to a temporary name beside the target, syncs, then renames over it: a reader sees the
 * old file or the new one, never half of one, and a failed write (disk full) leaves the old one.
 * The temporary file is made anew (O_EXCL, O_NOFOLLOW): a link left at its name is replaced, never
 * written through; the rename replaces a link at `file` itself, not what it points to.
 */
export function writeFileAtomic(file: string, data: Uint8Array | string): void {
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    rmSync(tmp, { force: true });
    const fd = openSync(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o666);
    try {
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
