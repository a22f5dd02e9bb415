// safetensors (https://github.com/huggingface/safetensors): an 8-byte little-endian header
// length, a JSON header {name: {dtype, shape, data_offsets}, __metadata__: {string: string}},
// then the raw little-endian tensor bytes. The format is small enough that a reader which
// checks every field beats a dependency.
import { FileFormatError, readDataFile } from './fileFormatError.js';
import { writeFileAtomic } from './atomicWrite.js';

export interface NamedTensor {
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  tensors: Map<string, NamedTensor>;
  metadata: Record<string, string>;
}

const bytesPerElement: Record<string, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * 2 ** -14 * (frac / 1024);
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + frac / 1024);
}

/** Any stored dtype, converted to float32 (the models compute in float32). */
function toFloat32(dtype: string, bytes: Buffer, count: number): Float32Array {
  const out = new Float32Array(count);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) {
    switch (dtype) {
      case 'F64': out[i] = view.getFloat64(i * 8, true); break;
      case 'F32': out[i] = view.getFloat32(i * 4, true); break;
      case 'F16': out[i] = halfToFloat(view.getUint16(i * 2, true)); break;
      case 'BF16': out[i] = new Float32Array(new Uint32Array([view.getUint16(i * 2, true) << 16]).buffer)[0]; break;
      case 'I64': out[i] = Number(view.getBigInt64(i * 8, true)); break;
      case 'I32': out[i] = view.getInt32(i * 4, true); break;
      case 'I16': out[i] = view.getInt16(i * 2, true); break;
      case 'I8': out[i] = view.getInt8(i); break;
      default: out[i] = view.getUint8(i); break; // U8, BOOL
    }
  }
  return out;
}

export function parseSafetensors(buf: Buffer, file: string): SafetensorsFile {
  const fail = (msg: string): never => {
    throw new FileFormatError(file, `not a valid safetensors file: ${msg}`);
  };
  if (buf.length < 8) fail('shorter than its 8-byte header length');
  const headerLen = Number(buf.readBigUInt64LE(0));
  if (headerLen > buf.length - 8) fail(`header length ${headerLen} exceeds the file size ${buf.length}`);
  let header: Record<string, unknown> = {};
  try {
    header = JSON.parse(buf.subarray(8, 8 + headerLen).toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    fail(`header is not JSON (${(e as Error).message})`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) fail('header is not a JSON object');
  const dataStart = 8 + headerLen;
  const dataLen = buf.length - dataStart;
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, NamedTensor>();
  const spans: Array<[begin: number, end: number, name: string]> = [];
  for (const [name, entry] of Object.entries(header)) {
    if (name === '__metadata__') {
      for (const [k, v] of Object.entries((entry ?? {}) as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__.${k} is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const { dtype, shape, data_offsets: offsets } = (entry ?? {}) as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (typeof dtype !== 'string' || !(dtype in bytesPerElement)) fail(`tensor ${name}: unsupported dtype ${String(dtype)}`);
    if (!Array.isArray(shape) || !shape.every((n) => Number.isInteger(n) && n >= 0)) fail(`tensor ${name}: bad shape`);
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((n) => Number.isInteger(n) && n >= 0)) fail(`tensor ${name}: bad data_offsets`);
    const [begin, end] = offsets as [number, number];
    const count = (shape as number[]).reduce((a, b) => a * b, 1);
    if (end < begin || end > dataLen) fail(`tensor ${name}: data_offsets [${begin}, ${end}] outside the ${dataLen} data bytes`);
    if (end - begin !== count * bytesPerElement[dtype as string]) fail(`tensor ${name}: ${end - begin} bytes for shape [${(shape as number[]).join(', ')}] of ${dtype}`);
    spans.push([begin, end, name]);
    tensors.set(name, { shape: shape as number[], data: toFloat32(dtype as string, buf.subarray(dataStart + begin, dataStart + end), count) });
  }
  // The tensors tile the data exactly, as the format requires: a header length off by a byte
  // (whose JSON may still parse, its padding cut) would otherwise shift every value.
  let covered = 0;
  for (const [begin, end, name] of spans.sort((x, y) => x[0] - y[0])) {
    if (begin !== covered) fail(`tensor ${name} starts at data byte ${begin}, not at ${covered} where the tensor before it ends`);
    covered = end;
  }
  if (covered !== dataLen) fail(`the tensors cover ${covered} of the ${dataLen} data bytes after the header`);
  return { tensors, metadata };
}

export function readSafetensors(file: string): SafetensorsFile {
  return parseSafetensors(readDataFile(file), file);
}

/** float32 tensors, in the given order, header padded to 8 bytes as the reference writer does. */
export function encodeSafetensors(tensors: Map<string, NamedTensor>, metadata: Record<string, string> = {}): Buffer {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  let offset = 0;
  for (const [name, t] of tensors) {
    const bytes = t.data.length * 4;
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((json.length + 8) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf8');
  const out = Buffer.alloc(8 + headerBytes.length + offset);
  out.writeBigUInt64LE(BigInt(headerBytes.length), 0);
  headerBytes.copy(out, 8);
  let pos = 8 + headerBytes.length;
  for (const t of tensors.values()) {
    Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength).copy(out, pos);
    pos += t.data.byteLength;
  }
  return out;
}

export function writeSafetensors(file: string, tensors: Map<string, NamedTensor>, metadata: Record<string, string> = {}): void {
  writeFileAtomic(file, encodeSafetensors(tensors, metadata));
}
