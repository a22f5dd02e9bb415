// Opening only what is what it claims to be: a regular file. A FIFO blocks whoever opens it (the
// language server checking `model.initFrom`, the trainer), a device such as /dev/zero never
// ends, and a link inside a run directory may lead anywhere; each is refused with a reason.
import { type Stats, closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/** Why `path` cannot be read as a regular file; the message is a phrase ("is a FIFO, …"). */
export class NotARegularFile extends Error {
  override name = 'NotARegularFile';
}

/** What a non-regular file is, as a phrase ("a FIFO"). */
export function kindOf(s: Stats): string {
  if (s.isFIFO()) return 'a FIFO';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isDirectory()) return 'a folder';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

export interface RegularFileOptions {
  /** Refuse a symbolic link instead of following it (for files inside a run directory). */
  noFollow?: boolean;
  /** Refuse files larger than this. */
  maxBytes?: number;
  /** The open flags besides O_NONBLOCK and O_NOFOLLOW (default O_RDONLY); a file created is mode 0o666 less the umask. */
  access?: number;
}

/** An open descriptor of `path` and its size; the caller closes it. Throws NotARegularFile or the fs error. */
export function openRegularFile(path: string, options: RegularFileOptions = {}): { fd: number; size: number } {
  let fd: number;
  try {
    // Non-blocking, so that opening a FIFO returns at once (and is then refused).
    fd = openSync(path, (options.access ?? constants.O_RDONLY) | constants.O_NONBLOCK | (options.noFollow ? constants.O_NOFOLLOW : 0), 0o666);
  } catch (e) {
    if (options.noFollow && (e as NodeJS.ErrnoException).code === 'ELOOP') throw new NotARegularFile('is a symbolic link, which is not followed here');
    throw e;
  }
  const s = fstatSync(fd);
  if (!s.isFile()) {
    closeSync(fd);
    throw new NotARegularFile(`is ${kindOf(s)}, not a regular file`);
  }
  if (options.maxBytes !== undefined && s.size > options.maxBytes) {
    closeSync(fd);
    throw new NotARegularFile(`is ${s.size} bytes, more than the ${options.maxBytes} allowed`);
  }
  return { fd, size: s.size };
}

/** The whole of regular file `path`. */
export function readRegularFile(path: string, options: RegularFileOptions = {}): Buffer {
  const { fd, size } = openRegularFile(path, options);
  try {
    const buf = Buffer.alloc(size);
    let at = 0;
    while (at < size) {
      const n = readSync(fd, buf, at, size - at, at);
      if (n === 0) break;
      at += n;
    }
    return at === size ? buf : buf.subarray(0, at);
  } finally {
    closeSync(fd);
  }
}
