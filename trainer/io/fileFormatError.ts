import { NotARegularFile, readRegularFile } from './regularFile.js';

/** A data, weights or config file that cannot be used; the message names the file and the fault. */
export class FileFormatError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
  }
}

/** A whole data file (a regular file, never a FIFO or device), or a FileFormatError naming it and why it cannot be read. */
export function readDataFile(file: string): Buffer {
  try {
    return readRegularFile(file);
  } catch (e) {
    if (e instanceof NotARegularFile) throw new FileFormatError(file, `cannot read: it ${e.message}`);
    throw new FileFormatError(file, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}
