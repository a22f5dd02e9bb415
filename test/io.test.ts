// safetensors and .npy: round trips, files written by NumPy/PyTorch tools, and broken files.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodeNpy, parseNpy, readNpy, writeNpy } from '../trainer/io/npy.js';
import { encodeSafetensors, parseSafetensors, readSafetensors, writeSafetensors } from '../trainer/io/safetensors.js';
import { referenceCases } from './support/reference.js';

const tmp = mkdtempSync(join(tmpdir(), 'crate-io-'));

test('reads the reference weights with their official names, shapes and metadata', () => {
  const c = referenceCases().find((r) => r.name.startsWith('crate-alpha'))!;
  const f = readSafetensors(c.weights);
  assert.deepEqual(f.tensors.get('conv1.weight')!.shape, [32, 1, 7, 7]);
  assert.deepEqual(f.tensors.get('transformer.layers.1.1.fn.D1')!.shape, [32, 128]);
  assert.equal(f.metadata.arch, 'crate-alpha');
  // The raw bytes of the first tensor, read independently of the parser.
  const buf = readFileSync(c.weights);
  const headerLen = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + headerLen).toString()) as Record<string, { data_offsets: [number, number] }>;
  const start = 8 + headerLen + header['conv1.bias'].data_offsets[0];
  assert.equal(f.tensors.get('conv1.bias')!.data[3], buf.readFloatLE(start + 12));
});

test('safetensors round trip keeps names, order, shapes, values and metadata', () => {
  const tensors = new Map([
    ['b', { shape: [2, 3], data: Float32Array.from([1, -2, 3.5, 4, 5, 6e-8]) }],
    ['a', { shape: [1], data: Float32Array.from([Math.PI]) }],
  ]);
  const file = join(tmp, 'w.safetensors');
  writeSafetensors(file, tensors, { arch: 'crate', heads: '2' });
  const back = readSafetensors(file);
  assert.deepEqual([...back.tensors.keys()], ['b', 'a']);
  assert.deepEqual(back.tensors.get('b'), tensors.get('b'));
  assert.equal(back.tensors.get('a')!.data[0], Math.fround(Math.PI));
  assert.deepEqual(back.metadata, { arch: 'crate', heads: '2' });
  assert.equal(Number(readFileSync(file).readBigUInt64LE(0)) % 8, 0, 'header padded to 8 bytes');
});

test('broken safetensors files are rejected with the file name and the fault', () => {
  const good = encodeSafetensors(new Map([['x', { shape: [4], data: new Float32Array(4) }]]));
  const cases: Array<[Buffer, RegExp]> = [
    [Buffer.alloc(3), /shorter than its 8-byte header length/],
    [good.subarray(0, good.length - 4), /outside the 12 data bytes|data_offsets/],
    [Buffer.concat([Buffer.from([200, 0, 0, 0, 0, 0, 0, 0]), Buffer.alloc(10)]), /header length 200 exceeds/],
    [(() => { const b = Buffer.from(good); b.write('{', 8); b.write('!', 9); return b; })(), /header is not JSON/],
    // A header length one byte short: the JSON still parses (its padding is cut), the data would shift.
    [(() => { const b = Buffer.from(good); b.writeBigUInt64LE(b.readBigUInt64LE(0) - 1n, 0); return b; })(), /the tensors cover 16 of the 17 data bytes after the header/],
    // Data bytes no tensor owns, and a gap between tensors.
    [Buffer.concat([good, Buffer.alloc(4)]), /the tensors cover 16 of the 20 data bytes/],
    [Buffer.from(good.toString('latin1').replace('[0,16]', '[4,20]'), 'latin1'), /outside the 16 data bytes|starts at data byte 4, not at 0/],
  ];
  for (const [buf, message] of cases) {
    assert.throws(() => parseSafetensors(buf, 'bad.safetensors'), (e: Error) => message.test(e.message) && e.message.startsWith('bad.safetensors: '));
  }
  const wrongDtype = Buffer.from(good.toString('latin1').replace('"F32"', '"F99"'), 'latin1');
  assert.throws(() => parseSafetensors(wrongDtype, 'f.safetensors'), /unsupported dtype F99/);
  assert.throws(() => readSafetensors(join(tmp, 'missing.safetensors')), /missing\.safetensors: cannot read: ENOENT/);
});

test('reads NumPy-written .npy files and round-trips its own', () => {
  const c = referenceCases()[0];
  const x = readNpy(c.input);
  assert.deepEqual(x.shape, [4, 1, 28, 28]);
  const raw = readFileSync(c.input);
  const dataStart = raw.length - 4 * 28 * 28 * 4;
  assert.equal(x.data[100], raw.readFloatLE(dataStart + 400));
  const file = join(tmp, 'a.npy');
  writeNpy(file, { shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) });
  assert.deepEqual(readNpy(file), { shape: [2, 2], data: Float32Array.from([1, 2, 3, 4]) });
  assert.equal((encodeNpy({ shape: [3], data: new Float32Array(3) }).length - 12) % 64, 0, 'NumPy pads the header to 64 bytes');
});

test('.npy of other dtypes converts to float32; broken ones are rejected', () => {
  const header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length, 0]);
  const data = Buffer.alloc(16);
  data.writeDoubleLE(0.25, 0);
  data.writeDoubleLE(-3, 8);
  assert.deepEqual(parseNpy(Buffer.concat([pre, Buffer.from(header), data]), 'f8.npy').data, Float32Array.from([0.25, -3]));
  assert.throws(() => parseNpy(Buffer.from('hello world'), 'x.npy'), /x\.npy: not a valid \.npy file: missing the/);
  assert.throws(() => parseNpy(Buffer.concat([pre, Buffer.from(header), data.subarray(0, 8)]), 'short.npy'), /8 data bytes, shape \[2\] needs 16/);
  const fortran = header.replace('False', 'True');
  assert.throws(() => parseNpy(Buffer.concat([pre, Buffer.from(fortran), data]), 'f.npy'), /Fortran-order/);
  const c8 = header.replace('<f8', '<c8');
  assert.throws(() => parseNpy(Buffer.concat([pre, Buffer.from(c8), data]), 'c.npy'), /dtype <c8 is not supported/);
  writeFileSync(join(tmp, 'empty.npy'), '');
  assert.throws(() => readNpy(join(tmp, 'empty.npy')), /empty\.npy: not a valid/);
});
