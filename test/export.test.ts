// crate-lab export (issue 16, item 6): a real tiny training run exported, and every file read back
// here by code written independently of the writers: a bitwise CRC-32C checked against the RFC 3720
// vectors, a TFRecord and protocol-buffer decoder, a .npy header parser, and the expected points
// worked out from events.jsonl by the documented rules (docs/run-directory.md, docs/export.md).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli as runCliInProcess } from '../trainer/cli/dispatch.js';
import { crc32c, maskedCrc32c } from '../trainer/export/crc32c.js';
import { repoRoot } from './support/reference.js';
import { runCli } from './support/cli.js';
import { exited, onlyRun, runInfo, spawnCli } from './support/runs.js';

const tmp = mkdtempSync(join(tmpdir(), 'crate-export-'));
let runDir: string;
let outDir: string;

async function exportCli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCliInProcess(['export', ...argv], { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } });
  return { code, stdout, stderr };
}

before(async () => {
  const built = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build.mjs')], { encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  const config = join(tmp, 'tiny.crate.yaml');
  writeFileSync(
    config,
    `name: tiny
seed: 5
backend: wasm
threads: 1
model: { arch: crate, depth: 2, width: 16, heads: 2 }
data: { kind: synthetic-subspaces, trainSize: 128, testSize: 64 }
optim: { batchSize: 32, maxSteps: 12, warmup: 2 }
eval: { every: 6 }
introspect: { every: 4, probeImages: 2 }
checkpoint: { every: 12 }
`,
  );
  const done = await exited(spawnCli(['train', config, '--runs-dir', join(tmp, 'runs')]));
  assert.equal(done.code, 0, done.stderr);
  runDir = onlyRun(join(tmp, 'runs'))!;
  assert.equal(runInfo(runDir).status, 'completed');
  outDir = join(tmp, 'out');
  // The real binary, as a user runs it.
  const r = runCli(['export', runDir, outDir, '--tensorboard', '--json']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
});

after(() => rmSync(tmp, { recursive: true, force: true }));

type Json = Record<string, unknown>;
const runEvents = (): Json[] =>
  readFileSync(join(runDir, 'events.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Json);

/** The scalar points of one event by the documented rules (docs/run-directory.md, Scalar keys). */
function expectedScalars(e: Json): [string, number][] {
  const out: [string, number][] = [];
  const put = (key: string, v: unknown) => typeof v === 'number' && out.push([key, v]);
  if (e.type === 'scalars') for (const k of ['loss', 'lr', 'imagesPerSecond', 'accuracy', 'srrLoss']) put(k, e[k]);
  if (e.type === 'eval') {
    put(`${e.split}.loss`, e.loss);
    put(`${e.split}.accuracy`, e.accuracy);
    const train = e.train as Json | undefined;
    if (train) {
      put('train.loss', train.loss);
      put('train.accuracy', train.accuracy);
      put('gap.loss', (e.loss as number) - (train.loss as number));
      put('gap.accuracy', (train.accuracy as number) - (e.accuracy as number));
    }
  }
  return out;
}

function expectedLayerValues(e: Json): [layer: number, metric: string, value: number][] {
  if (e.type !== 'layers') return [];
  return (e.layers as Json[]).flatMap((r) => ['R', 'Rc', 'codeZeroFraction', 'density', 'srr'].map((m) => [r.layer as number, m, r[m] as number] as [number, string, number]));
}

// ------------------------------------------------------------------------------------------------
// CRC-32C
// ------------------------------------------------------------------------------------------------

/** Bit by bit, straight from the definition (reflected polynomial 0x82F63B78): no table, unlike the writer's. */
function bitwiseCrc32c(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function masked(crc: number): number {
  const rotated = ((crc >>> 15) | (crc << 17)) >>> 0;
  return (rotated + 0xa282ead8) % 2 ** 32;
}

const crcVectors: [string, Uint8Array, number][] = [
  ['32 bytes of zeros (RFC 3720 B.4)', new Uint8Array(32), 0x8a9136aa],
  ['32 bytes of 0xFF (RFC 3720 B.4)', new Uint8Array(32).fill(0xff), 0x62a8ab43],
  ['0..31 ascending (RFC 3720 B.4)', Uint8Array.from({ length: 32 }, (_, i) => i), 0x46dd794e],
  ['31..0 descending (RFC 3720 B.4)', Uint8Array.from({ length: 32 }, (_, i) => 31 - i), 0x113fdb5c],
  ['"123456789" (the check value)', Buffer.from('123456789', 'ascii'), 0xe3069283],
];

test('CRC-32C: the writer\'s and the test\'s bitwise one give the known vectors; masking is TensorFlow\'s rotate-and-add', () => {
  for (const [name, bytes, crc] of crcVectors) {
    assert.equal(crc32c(bytes), crc, `the writer's CRC-32C of ${name}`);
    assert.equal(bitwiseCrc32c(bytes), crc, `the test's CRC-32C of ${name}`);
    assert.equal(maskedCrc32c(bytes), masked(crc), `the masked CRC-32C of ${name}`);
  }
  // The mask worked by hand for one value: 0xE3069283 rotated right by 15 is 0x2507C60D; + 0xA282EAD8 = 0xC78AB0E5.
  assert.equal(masked(0xe3069283), 0xc78ab0e5);
  assert.equal(maskedCrc32c(Buffer.from('123456789', 'ascii')), 0xc78ab0e5);
});

// ------------------------------------------------------------------------------------------------
// An independent TFRecord + protocol-buffer decoder
// ------------------------------------------------------------------------------------------------

/** The records of a TFRecord file, each CRC checked. */
function tfRecords(file: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let at = 0;
  while (at < file.length) {
    assert.ok(at + 12 <= file.length, `a record header is cut off at byte ${at}`);
    const length = Number(file.readBigUInt64LE(at));
    assert.equal(file.readUInt32LE(at + 8), masked(bitwiseCrc32c(file.subarray(at, at + 8))), `the length CRC of the record at byte ${at}`);
    const data = file.subarray(at + 12, at + 12 + length);
    assert.equal(data.length, length, `the record at byte ${at} is cut off`);
    assert.equal(file.readUInt32LE(at + 12 + length), masked(bitwiseCrc32c(data)), `the data CRC of the record at byte ${at}`);
    out.push(data);
    at += 12 + length + 4;
  }
  return out;
}

type Field = { wire: 0; value: bigint } | { wire: 1 | 2 | 5; value: Buffer };

/** A message's fields by number, whatever they are (varint, 64-bit, length-delimited, 32-bit). */
function protoFields(buf: Buffer): Map<number, Field[]> {
  const fields = new Map<number, Field[]>();
  let at = 0;
  const varint = (): bigint => {
    let v = 0n;
    for (let shift = 0n; ; shift += 7n) {
      assert.ok(at < buf.length, 'a varint runs past the end of its message');
      const b = buf[at++];
      v |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return v;
    }
  };
  while (at < buf.length) {
    const key = Number(varint());
    const number = key >> 3;
    const wire = key & 7;
    let field: Field;
    if (wire === 0) field = { wire, value: varint() };
    else if (wire === 1 || wire === 5) {
      const n = wire === 1 ? 8 : 4;
      field = { wire, value: buf.subarray(at, at + n) };
      at += n;
    } else if (wire === 2) {
      const n = Number(varint());
      field = { wire, value: buf.subarray(at, at + n) };
      at += n;
    } else throw new Error(`wire type ${wire} of field ${number} is not one the event files use`);
    assert.ok(at <= buf.length, `field ${number} runs past the end of its message`);
    fields.set(number, [...(fields.get(number) ?? []), field]);
  }
  return fields;
}

function one(fields: Map<number, Field[]>, n: number): Field | undefined {
  const f = fields.get(n);
  assert.ok(!f || f.length === 1, `field ${n} appears ${f?.length} times`);
  return f?.[0];
}

interface DecodedEvent {
  wallTime: number;
  step: number;
  fileVersion?: string;
  values: [string, number][];
}

/** event.proto: wall_time = 1 (double), step = 2 (int64), file_version = 3, summary = 5; summary.proto: value = 1 { tag = 1, simple_value = 2 (float) }. */
function decodeEvent(data: Buffer): DecodedEvent {
  const f = protoFields(data);
  const wall = one(f, 1);
  assert.ok(wall && wall.wire === 1, 'wall_time is a double');
  const step = one(f, 2);
  const version = one(f, 3);
  const values: [string, number][] = [];
  const summary = one(f, 5);
  if (summary) {
    assert.equal(summary.wire, 2);
    for (const v of protoFields(summary.value as Buffer).get(1) ?? []) {
      const vf = protoFields(v.value as Buffer);
      const tag = one(vf, 1);
      const simple = one(vf, 2);
      assert.ok(tag && tag.wire === 2 && simple && simple.wire === 5, 'a Value has a tag and a simple_value');
      values.push([(tag.value as Buffer).toString('utf8'), (simple.value as Buffer).readFloatLE(0)]);
    }
  }
  return {
    wallTime: (wall.value as Buffer).readDoubleLE(0),
    step: step ? Number(BigInt.asIntN(64, step.value as bigint)) : 0,
    fileVersion: version ? (version.value as Buffer).toString('utf8') : undefined,
    values,
  };
}

test('the TensorBoard event file, read back by the independent decoder: both CRCs of every record, file_version first, every scalar and per-layer value as float32 at its step and time', () => {
  const tbDir = join(outDir, 'tensorboard');
  const names = readdirSync(tbDir);
  assert.equal(names.length, 1);
  assert.match(names[0], /^events\.out\.tfevents\.\d+\.[A-Za-z0-9._-]+$/);
  const events = tfRecords(readFileSync(join(tbDir, names[0]))).map(decodeEvent);
  assert.equal(events[0].fileVersion, 'brain.Event:2');
  assert.deepEqual(events[0].values, []);
  const got: string[] = [];
  for (const e of events.slice(1)) {
    assert.equal(e.fileVersion, undefined);
    for (const [tag, value] of e.values) got.push(`${e.step} ${e.wallTime} ${tag} ${value}`);
  }
  const expected: string[] = [];
  for (const e of runEvents()) {
    const wall = Date.parse(e.t as string) / 1000;
    for (const [key, value] of expectedScalars(e)) expected.push(`${e.step} ${wall} ${key} ${Math.fround(value)}`);
    for (const [layer, metric, value] of expectedLayerValues(e)) expected.push(`${e.step} ${wall} layers/${metric}/layer_${String(layer).padStart(2, '0')} ${Math.fround(value)}`);
  }
  assert.ok(expected.some((l) => l.includes(' layers/srr/layer_01 ')) && expected.some((l) => l.includes(' gap.loss ')), 'the run has per-layer metrics of both layers and evaluations');
  assert.deepEqual(got.sort(), expected.sort());
});

// ------------------------------------------------------------------------------------------------
// CSV
// ------------------------------------------------------------------------------------------------

function csvRows(file: string): string[][] {
  return readFileSync(file, 'utf8').trimEnd().split('\n').map((l) => l.split(','));
}

test('scalars.csv and layers.csv: long format, every point of events.jsonl, values exactly as logged', () => {
  const scalars = csvRows(join(outDir, 'scalars.csv'));
  assert.deepEqual(scalars[0], ['step', 'key', 'value']);
  const layers = csvRows(join(outDir, 'layers.csv'));
  assert.deepEqual(layers[0], ['step', 'layer', 'metric', 'value']);
  const events = runEvents();
  const expectedScalarRows = events.flatMap((e) => expectedScalars(e).map(([k, v]) => `${e.step} ${k} ${v}`));
  // Number(text) === the double JSON.parse gave: full precision, not float32 and not rounded.
  assert.deepEqual(scalars.slice(1).map(([s, k, v]) => `${Number(s)} ${k} ${Number(v)}`).sort(), expectedScalarRows.sort());
  assert.ok(expectedScalarRows.length > 40);
  const expectedLayerRows = events.flatMap((e) => expectedLayerValues(e).map(([l, m, v]) => `${e.step} ${l} ${m} ${v}`));
  assert.deepEqual(layers.slice(1).map(([s, l, m, v]) => `${Number(s)} ${Number(l)} ${m} ${Number(v)}`).sort(), expectedLayerRows.sort());
  assert.equal(expectedLayerRows.length, 3 * 2 * 5, '3 introspections × 2 layers × 5 metrics');
});

// ------------------------------------------------------------------------------------------------
// .npy
// ------------------------------------------------------------------------------------------------

/** An independent .npy reader: version 1.0 header, '<f4', C order; the shape and the data bytes. */
function npy(file: string): { shape: number[]; data: Buffer } {
  const b = readFileSync(file);
  assert.deepEqual([...b.subarray(0, 6)], [0x93, ...Buffer.from('NUMPY')]);
  assert.equal(b[6], 1, 'format version 1.0');
  const headerLength = b.readUInt16LE(8);
  assert.equal((10 + headerLength) % 64, 0, 'the header is padded to a multiple of 64 bytes');
  const header = b.subarray(10, 10 + headerLength).toString('latin1');
  assert.ok(header.endsWith('\n'));
  assert.match(header, /'descr': '<f4'/);
  assert.match(header, /'fortran_order': False/);
  const shape = /'shape': \(([^)]*)\)/.exec(header)![1].split(',').filter((s) => s.trim() !== '').map(Number);
  return { shape, data: b.subarray(10 + headerLength) };
}

test('attention-step-*.npy per recorded step and probe.npy: float32 with the documented shapes and the bytes of attention.bin and probe.bin', () => {
  const attention = readFileSync(join(runDir, 'attention.bin'));
  const refs = runEvents().filter((e) => e.type === 'attention');
  assert.equal(refs.length, 3, 'introspection at steps 4, 8, 12');
  assert.deepEqual(readdirSync(outDir).filter((f) => f.startsWith('attention-')).sort(), refs.map((r) => `attention-step-${String(r.step).padStart(8, '0')}.npy`));
  for (const r of refs) {
    const a = npy(join(outDir, `attention-step-${String(r.step).padStart(8, '0')}.npy`));
    assert.deepEqual(a.shape, [2, 2, 2, 4, 4], '[layers, images, heads, grid, grid]: depth 2, 2 probe images, 2 heads, 16/4 patches a side');
    assert.deepEqual(a.data, attention.subarray(r.offset as number, (r.offset as number) + (r.length as number)));
  }
  const probe = npy(join(outDir, 'probe.npy'));
  assert.deepEqual(probe.shape, [2, 1, 16, 16]);
  assert.deepEqual(probe.data, readFileSync(join(runDir, 'probe.bin')));
  const readme = readFileSync(join(outDir, 'README.txt'), 'utf8');
  for (const name of ['scalars.csv', 'layers.csv', 'attention-step-XXXXXXXX.npy', 'probe.npy', 'tensorboard/events.out.tfevents']) assert.ok(readme.includes(name), `README.txt explains ${name}`);
});

// ------------------------------------------------------------------------------------------------
// Bad input
// ------------------------------------------------------------------------------------------------

function oneLine(r: { code: number; stderr: string }, pattern: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  assert.equal(r.stderr.split('\n').filter(Boolean).length, 1, r.stderr);
  assert.match(r.stderr, pattern);
}

test('bad input: exit 2 and one line naming the fault; nothing of the run is changed', async () => {
  const bad = join(tmp, 'bad');
  mkdirSync(bad);
  oneLine(await exportCli(runDir), /needs a run directory and an output folder/);
  oneLine(await exportCli(runDir, join(bad, 'o1'), '--tensorbord'), /--tensorbord/);
  oneLine(await exportCli(join(tmp, 'nowhere'), join(bad, 'o2')), /nowhere does not exist/);
  oneLine(await exportCli(bad, join(bad, 'o3')), /is not a run directory: it has no events\.jsonl/);
  const file = join(bad, 'a-file');
  writeFileSync(file, 'x');
  oneLine(await exportCli(runDir, file), /a-file exists and is not a folder/);
  oneLine(await exportCli(runDir, outDir), /out is not empty \(--force/);
  oneLine(await exportCli(runDir, runDir, '--force'), /is the run directory itself/);
  // A link inside the run directory is not followed.
  const linked = join(bad, 'linked-run');
  mkdirSync(linked);
  symlinkSync(join(runDir, 'events.jsonl'), join(linked, 'events.jsonl'));
  oneLine(await exportCli(linked, join(bad, 'o4')), /events\.jsonl is a symbolic link/);
  assert.deepEqual(readdirSync(bad).sort(), ['a-file', 'linked-run'], 'no output folder was made for a refused export');
});

test('a damaged events.jsonl line, and attention maps past the end of attention.bin, are left out with a warning each; --force writes into a used folder', async () => {
  const copy = join(tmp, 'damaged-run');
  cpSync(runDir, copy, { recursive: true });
  const lines = readFileSync(join(copy, 'events.jsonl'), 'utf8').split('\n');
  const at = lines.findIndex((l) => l.includes('"type":"scalars"') && l.includes('"step":3,'));
  lines[at] = lines[at].slice(0, 25);
  writeFileSync(join(copy, 'events.jsonl'), lines.join('\n'));
  // attention.bin cut inside the last step's maps: that step is left out, the others kept.
  const last = JSON.parse(lines.filter((l) => l.includes('"type":"attention"')).pop()!) as { step: number; offset: number; length: number };
  truncateSync(join(copy, 'attention.bin'), last.offset + last.length - 4);
  const out = join(tmp, 'damaged-out');
  mkdirSync(out);
  writeFileSync(join(out, 'scalars.csv'), 'old');
  const r = await exportCli(copy, out, '--force');
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stderr.split('\n').filter(Boolean), [
    `crate-lab export: warning: ${join(copy, 'events.jsonl')}:${at + 1}: not an event record; left out of the export`,
    `crate-lab export: warning: ${join(copy, 'attention.bin')}: the maps of step ${last.step} (${last.length} bytes at ${last.offset}, shape [2, 2, 2, 4, 4]) run past the end of the file; left out`,
  ]);
  assert.deepEqual(readdirSync(out).filter((f) => f.startsWith('attention-')).sort(), ['attention-step-00000004.npy', 'attention-step-00000008.npy']);
  const steps = csvRows(join(out, 'scalars.csv')).slice(1).map(([s]) => Number(s));
  assert.ok(!steps.includes(3) && steps.includes(2) && steps.includes(4), 'step 3\'s points are left out, the others kept');
});
