// How the trainer opens the files of its run directory: never through a symbolic link (one could
// lead to any file the user may write: a resume would truncate and append to it), and only
// regular files (a FIFO would block the open). Every open says O_NOFOLLOW, so a link made after
// the check is refused too; a resume checks all of them first, so it refuses before writing anything.
import { closeSync, constants, ftruncateSync, fstatSync, lstatSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { runFiles } from './format.js';
import { kindOf, NotARegularFile, openRegularFile } from '../io/regularFile.js';

/** A file of the run directory that is a link or not a regular file; the message names it. */
export class RunFileError extends Error {
  override name = 'RunFileError';
}

/** The files a trainer writes in its run directory (checkpoints/ is checked where checkpoints are written). */
const writtenFiles = [runFiles.info, runFiles.config, runFiles.events, runFiles.attention, runFiles.scalars, runFiles.probe, runFiles.probeLabels] as const;

/** The size of run file `path` (0 when missing); throws RunFileError when it is a link or not a regular file. */
export function runFileSize(path: string): number {
  let s;
  try {
    s = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw e;
  }
  if (s.isSymbolicLink()) throw new RunFileError(`${path} is a symbolic link; a run's files must be regular files inside the run directory, and nothing is written through a link`);
  if (!s.isFile()) throw new RunFileError(`${path}: is ${kindOf(s)}; a run keeps a regular file there`);
  return s.size;
}

/** Throws RunFileError when one of the files the trainer writes in `runDir` is a link or not a regular file. */
export function checkRunFiles(runDir: string): void {
  for (const f of writtenFiles) runFileSize(join(runDir, f));
}

const modes = {
  read: constants.O_RDONLY,
  append: constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT,
  write: constants.O_WRONLY,
} as const;

/** An open descriptor of a run file that is not a link and is a regular file (RunFileError otherwise). */
export function openRunFile(path: string, mode: keyof typeof modes): number {
  try {
    return openRegularFile(path, { noFollow: true, access: modes[mode] }).fd;
  } catch (e) {
    if (e instanceof NotARegularFile) throw new RunFileError(`${path}: ${e.message}`);
    throw e;
  }
}

/** Appends `data` (a crash leaves at most a torn end, which readers skip). */
export function appendToRunFile(path: string, data: Uint8Array): void {
  const fd = openRunFile(path, 'append');
  try {
    for (let at = 0; at < data.length; ) at += writeSync(fd, data, at);
  } finally {
    closeSync(fd);
  }
}

/** Cuts a run file back to `bytes` when it is longer; a missing file is left missing. */
export function truncateRunFile(path: string, bytes: number): void {
  let fd: number;
  try {
    fd = openRunFile(path, 'write');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw e;
  }
  try {
    if (fstatSync(fd).size > bytes) ftruncateSync(fd, bytes);
  } finally {
    closeSync(fd);
  }
}
