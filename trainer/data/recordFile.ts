// Fixed-size records read by offset (IDX images and labels, CIFAR batches): a data set of any
// size costs one open file, never its bytes in memory.
import { closeSync, openSync, readSync } from 'node:fs';
import { FileFormatError } from '../io/fileFormatError.js';
import { checkIndex } from './exampleIndex.js';

export class RecordFile {
  private fd: number | null;

  /** `file` must already be known to hold headerBytes + count × recordBytes bytes. */
  constructor(
    readonly file: string,
    readonly headerBytes: number,
    readonly recordBytes: number,
    readonly count: number,
  ) {
    this.fd = openSync(file, 'r');
  }

  /** Copies record i into `into` (at least recordBytes long). */
  read(i: number, into: Uint8Array): void {
    checkIndex(i, this.count);
    this.readAt(this.headerBytes + i * this.recordBytes, into, this.recordBytes);
  }

  /** Visits every record in order, reading about a megabyte at a time (for validation). */
  scan(visit: (record: Uint8Array, i: number) => void): void {
    const perChunk = Math.max(1, Math.floor((1 << 20) / this.recordBytes));
    const chunk = new Uint8Array(perChunk * this.recordBytes);
    for (let first = 0; first < this.count; first += perChunk) {
      const n = Math.min(perChunk, this.count - first);
      this.readAt(this.headerBytes + first * this.recordBytes, chunk, n * this.recordBytes);
      for (let k = 0; k < n; k++) visit(chunk.subarray(k * this.recordBytes, (k + 1) * this.recordBytes), first + k);
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private readAt(position: number, into: Uint8Array, length: number): void {
    if (this.fd === null) throw new Error(`${this.file} was closed`);
    const got = readSync(this.fd, into, 0, length, position);
    // The size was checked at open; a short read means the file changed underneath us.
    if (got !== length) throw new FileFormatError(this.file, `ends early: read ${got} of ${length} bytes at offset ${position} (was it modified?)`);
  }
}
