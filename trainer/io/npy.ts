// NumPy .npy (format versions 1–3): magic, version, a Python-dict header, then C-order data.
import { FileFormatError, readDataFile } from './fileFormatError.js';
import { writeFileAtomic } from './atomicWrite.js';

export interface NpyArray {
  shape: number[];
  data: Float32Array;
}

const magic = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]); // \x93NUMPY

type Reader = (v: DataView, i: number) => number;
const readers: Record<string, [number, Reader]> = {
  '<f4': [4, (v, i) => v.getFloat32(i * 4, true)],
  '<f8': [8, (v, i) => v.getFloat64(i * 8, true)],
  '<i8': [8, (v, i) => Number(v.getBigInt64(i * 8, true))],
  '<i4': [4, (v, i) => v.getInt32(i * 4, true)],
  '|u1': [1, (v, i) => v.getUint8(i)],
  '|i1': [1, (v, i) => v.getInt8(i)],
};

export function parseNpy(buf: Buffer, file: string): NpyArray {
  const fail = (msg: string): never => {
    throw new FileFormatError(file, `not a valid .npy file: ${msg}`);
  };
  if (buf.length < 10 || !buf.subarray(0, 6).equals(magic)) fail('missing the \\x93NUMPY magic');
  const major = buf[6];
  const headerLenBytes = major === 1 ? 2 : 4;
  if (major < 1 || major > 3) fail(`unknown format version ${major}`);
  const headerLen = headerLenBytes === 2 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = 8 + headerLenBytes + headerLen;
  if (start > buf.length) fail('header runs past the end of the file');
  const header = buf.subarray(8 + headerLenBytes, start).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape':\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) fail(`unreadable header ${header.trim()}`);
  if (fortran === 'True') fail('Fortran-order arrays are not supported; save with np.ascontiguousarray');
  const reader = readers[descr as string];
  if (!reader) fail(`dtype ${descr} is not supported (use float32: ${Object.keys(readers).join(', ')})`);
  const shape = (shapeText as string).split(',').map((t) => t.trim()).filter((t) => t.length > 0).map(Number);
  if (!shape.every((n) => Number.isInteger(n) && n >= 0)) fail(`bad shape (${shapeText})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const [size, read] = reader as [number, Reader];
  if (buf.length - start < count * size) fail(`${buf.length - start} data bytes, shape [${shape.join(', ')}] needs ${count * size}`);
  const view = new DataView(buf.buffer, buf.byteOffset + start, count * size);
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) data[i] = read(view, i);
  return { shape, data };
}

export function readNpy(file: string): NpyArray {
  return parseNpy(readDataFile(file), file);
}

/** float32, C order, format version 1.0 with the header padded to 64 bytes as NumPy does. */
export function encodeNpy(arr: NpyArray): Buffer {
  const shape = arr.shape.length === 1 ? `(${arr.shape[0]},)` : `(${arr.shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shape}, }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const pre = Buffer.alloc(10);
  magic.copy(pre, 0);
  pre[6] = 1;
  pre[7] = 0;
  pre.writeUInt16LE(header.length, 8);
  return Buffer.concat([pre, Buffer.from(header, 'latin1'), Buffer.from(arr.data.buffer, arr.data.byteOffset, arr.data.byteLength)]);
}

export function writeNpy(file: string, arr: NpyArray): void {
  writeFileAtomic(file, encodeNpy(arr));
}
