// The IDX format of (Fashion-)MNIST: magic 00 00 <type> <rank>, then <rank> big-endian uint32
// dimensions, then the values row-major. Only unsigned bytes (type 08) occur in these sets.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { FileFormatError } from '../io/fileFormatError.js';
import type { Batch, Dataset } from './dataset.js';
import { RecordFile } from './recordFile.js';

const UNSIGNED_BYTE = 0x08;

export interface IdxHeader {
  dims: number[];
  headerBytes: number;
}

/**
 * Reads and checks the header of `file`. `shownAs` names the file in errors: the user's .gz,
 * not the cache copy we actually read.
 */
export function readIdxHeader(file: string, rank: number, shownAs = file): IdxHeader {
  const fd = openSync(file, 'r');
  try {
    const fileBytes = fstatSync(fd).size;
    const head = Buffer.alloc(4 + 4 * rank);
    const got = readSync(fd, head, 0, head.length, 0);
    if (got < 4) throw new FileFormatError(shownAs, `too short for an IDX file (${fileBytes} bytes)`);
    if (head[0] !== 0 || head[1] !== 0) {
      throw new FileFormatError(shownAs, `not an IDX file: magic is 0x${head.readUInt32BE(0).toString(16).padStart(8, '0')}, expected 0x0000${UNSIGNED_BYTE.toString(16).padStart(2, '0')}${rank.toString(16).padStart(2, '0')}`);
    }
    if (head[2] !== UNSIGNED_BYTE) throw new FileFormatError(shownAs, `IDX element type 0x${head[2].toString(16)} is not supported (only unsigned bytes, 0x08)`);
    if (head[3] !== rank) throw new FileFormatError(shownAs, `IDX file has ${head[3]} dimensions, expected ${rank}`);
    if (got < head.length) throw new FileFormatError(shownAs, `IDX header is truncated (${fileBytes} bytes)`);
    const dims = Array.from({ length: rank }, (_, k) => head.readUInt32BE(4 + 4 * k));
    const expected = head.length + dims.reduce((a, b) => a * b, 1);
    if (expected !== fileBytes) {
      throw new FileFormatError(shownAs, `IDX header says ${dims.join('×')} (${expected} bytes with the header) but the file has ${fileBytes} bytes`);
    }
    return { dims, headerBytes: head.length };
  } finally {
    closeSync(fd);
  }
}

export interface IdxPair {
  name: string;
  /** The files to read (raw IDX), and how to name them in errors. */
  images: { file: string; shownAs: string };
  labels: { file: string; shownAs: string };
  classNames: string[];
}

/** A dataset of N×H×W byte images with a label file beside it, read by offset per batch. */
export function openIdxPair(pair: IdxPair): Dataset {
  const [count, height, width] = readIdxHeader(pair.images.file, 3, pair.images.shownAs).dims;
  const labelHeader = readIdxHeader(pair.labels.file, 1, pair.labels.shownAs);
  if (labelHeader.dims[0] !== count) {
    throw new FileFormatError(pair.labels.shownAs, `holds ${labelHeader.dims[0]} labels but ${pair.images.shownAs} holds ${count} images`);
  }
  const pixels = height * width;
  const images = new RecordFile(pair.images.file, 4 + 4 * 3, pixels, count);
  const labels = new RecordFile(pair.labels.file, labelHeader.headerBytes, 1, count);
  const classes = pair.classNames.length;
  try {
    labels.scan((label, i) => {
      if (label[0] >= classes) throw new FileFormatError(pair.labels.shownAs, `label ${label[0]} of example ${i} is outside 0..${classes - 1}`);
    });
  } catch (e) {
    images.close();
    labels.close();
    throw e;
  }

  const pixelBuffer = new Uint8Array(pixels);
  const labelBuffer = new Uint8Array(1);
  return {
    name: pair.name,
    size: count,
    channels: 1,
    height,
    width,
    classes,
    classNames: pair.classNames,
    separateTestSplit: true,
    read(indices: ArrayLike<number>): Batch {
      const out: Batch = { images: new Float32Array(indices.length * pixels), labels: new Int32Array(indices.length) };
      for (let k = 0; k < indices.length; k++) {
        images.read(indices[k], pixelBuffer);
        const base = k * pixels;
        for (let j = 0; j < pixels; j++) out.images[base + j] = pixelBuffer[j] / 255;
        labels.read(indices[k], labelBuffer);
        out.labels[k] = labelBuffer[0];
      }
      return out;
    },
    close() {
      images.close();
      labels.close();
    },
  };
}
