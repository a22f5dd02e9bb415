// Files a command writes (infer --output, metrics --attention-out): the path is checked before
// any work, so a typo costs a moment rather than minutes of compute, and a write that still
// fails (a full disk) is one clear line naming the flag, never an internal error.
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { kindOf } from '../io/regularFile.js';
import { UsageError } from './usageError.js';

function errorCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? (e as Error).message;
}

/** `path` resolved, once it is known that a file can be written there. */
export function checkOutputPath(flag: string, path: string): string {
  const file = resolve(path);
  const folder = dirname(file);
  let folderStat;
  try {
    folderStat = statSync(folder);
  } catch (e) {
    throw new UsageError(`--${flag} ${path}: the folder ${folder} does not exist${errorCode(e) === 'ENOENT' ? '' : ` (${errorCode(e)})`}`);
  }
  if (!folderStat.isDirectory()) throw new UsageError(`--${flag} ${path}: ${folder} is not a folder`);
  let fileStat;
  try {
    fileStat = statSync(file);
  } catch {
    // absent: it will be created
  }
  if (fileStat?.isDirectory()) throw new UsageError(`--${flag} ${path} is a folder; name a file to write`);
  // The file is written beside and renamed over: a FIFO or a device there would be replaced.
  if (fileStat && !fileStat.isFile()) throw new UsageError(`--${flag} ${path} is ${kindOf(fileStat)}; name a regular file to write`);
  try {
    accessSync(folder, constants.W_OK);
  } catch (e) {
    throw new UsageError(`--${flag} ${path}: cannot write in ${folder} (${errorCode(e)})`);
  }
  return file;
}

/** Runs `write`, turning a failure into one line naming the flag and the file. */
export function writeOutput(flag: string, file: string, write: () => void): void {
  try {
    write();
  } catch (e) {
    throw new UsageError(`--${flag} ${file}: cannot write it (${errorCode(e)})`);
  }
}
