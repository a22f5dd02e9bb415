// One PNG or JPEG file: its size from the header alone (so a folder can be checked at open without
// decoding it), and its pixels as channels-first floats in [0, 1]. Alpha is dropped, not blended.
import { closeSync, openSync, readFileSync, readSync } from 'node:fs';
import { decode as decodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';
import { FileFormatError } from '../io/fileFormatError.js';

export interface ImageHeader {
  width: number;
  height: number;
  /** Gray PNG (colour types 0, 4) or one-component JPEG; palette PNGs count as colour. */
  grayscale: boolean;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

export function readImageHeader(file: string): ImageHeader {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    throw new FileFormatError(file, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    const at = (position: number, length: number): Buffer => {
      const b = Buffer.alloc(length);
      if (readSync(fd, b, 0, length, position) !== length) throw new FileFormatError(file, 'image header is truncated');
      return b;
    };
    const magic = at(0, 8);
    if (magic.equals(PNG_SIGNATURE)) {
      const ihdr = at(8, 18); // length, "IHDR", width, height, bit depth, colour type
      if (ihdr.toString('latin1', 4, 8) !== 'IHDR') throw new FileFormatError(file, 'PNG does not start with an IHDR chunk');
      return { width: ihdr.readUInt32BE(8), height: ihdr.readUInt32BE(12), grayscale: ihdr[17] === 0 || ihdr[17] === 4 };
    }
    if (magic[0] === 0xff && magic[1] === 0xd8) return jpegFrameHeader(file, at);
    throw new FileFormatError(file, 'is not a PNG or JPEG image');
  } finally {
    closeSync(fd);
  }
}

/** Walks JPEG segments up to the start-of-frame marker, which holds size and component count. */
function jpegFrameHeader(file: string, at: (position: number, length: number) => Buffer): ImageHeader {
  let pos = 2;
  for (;;) {
    const marker = at(pos, 2);
    if (marker[0] !== 0xff) throw new FileFormatError(file, `corrupt JPEG: no segment marker at byte ${pos}`);
    const m = marker[1];
    if (m === 0xff) { pos += 1; continue; } // fill byte
    if (m === 0x01 || (m >= 0xd0 && m <= 0xd7)) { pos += 2; continue; } // markers without a length
    if (m === 0xda || m === 0xd9) throw new FileFormatError(file, 'corrupt JPEG: image data before any frame header');
    const length = at(pos + 2, 2).readUInt16BE(0);
    const isFrame = m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;
    if (isFrame) {
      const frame = at(pos + 4, 6); // precision, height, width, components
      return { height: frame.readUInt16BE(1), width: frame.readUInt16BE(3), grayscale: frame[5] === 1 };
    }
    pos += 2 + length;
  }
}

export interface DecodedImage {
  width: number;
  height: number;
  /** channels×height×width, in [0, 1]. */
  pixels: Float32Array;
}

/**
 * Decodes to 1 or 3 channels. Colour to gray uses ITU-R 601 luma; a gray pixel (r = g = b)
 * keeps its exact value, so gray images read back bit for bit.
 */
export function decodeImage(file: string, channels: 1 | 3): DecodedImage {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch (e) {
    throw new FileFormatError(file, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let rgba: { width: number; height: number; data: Uint8Array };
  try {
    rgba = bytes.subarray(0, 8).equals(PNG_SIGNATURE) ? PNG.sync.read(bytes) : decodeJpeg(bytes, { useTArray: true, formatAsRGBA: true });
  } catch (e) {
    throw new FileFormatError(file, `cannot decode: ${(e as Error).message}`);
  }
  const { width, height, data } = rgba;
  const plane = width * height;
  const pixels = new Float32Array(channels * plane);
  for (let p = 0; p < plane; p++) {
    const r = data[4 * p], g = data[4 * p + 1], b = data[4 * p + 2];
    if (channels === 3) {
      pixels[p] = r / 255;
      pixels[plane + p] = g / 255;
      pixels[2 * plane + p] = b / 255;
    } else {
      pixels[p] = r === g && g === b ? r / 255 : (0.299 * r + 0.587 * g + 0.114 * b) / 255;
    }
  }
  return { width, height, pixels };
}
