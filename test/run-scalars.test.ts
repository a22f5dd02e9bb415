// scalars.bin end to end: a real trainer run writes it with exactly the points of its events.jsonl,
// and the real server bundle serves a finished run from it the same as from the JSON lines, which
// it falls back to when the file is missing, torn or does not match the events.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ProtocolConnection } from 'vscode-languageserver-protocol/node';
import { GetAttentionRequest, GetLayerMetricsRequest, GetScalarsRequest, ListRunsRequest } from '../protocol/customMessages.js';
import type { GetScalarsResult } from '../protocol/runData.js';
import { type RunEvent, scalarsLayout } from '../trainer/run/format.js';
import { encodeScalarsRecords, scalarsFileHeader } from '../trainer/run/scalarsFile.js';
import { LanguageServer } from './support/languageServer.js';
import { repoRoot } from './support/reference.js';
import { exited, onlyRun, runInfo, spawnCli } from './support/runs.js';
import { decodedSidecar, expectedSidecar, versionOneFile, withoutTrainingSubset } from './support/scalarsSidecar.js';

const tmp = mkdtempSync(join(tmpdir(), 'crate-scalars-'));
let runDir: string;

before(async () => {
  const built = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build.mjs')], { encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  const config = join(tmp, 'tiny.crate.yaml');
  // Evaluation and introspection between the steps, so that events.jsonl has lines without records.
  writeFileSync(
    config,
    `name: tiny
seed: 5
backend: wasm
model: { arch: crate-alpha, depth: 1, width: 8, heads: 2 }
data: { kind: synthetic-subspaces, trainSize: 256, testSize: 64 }
optim: { batchSize: 32, maxSteps: 36, warmup: 3 }
eval: { every: 10 }
introspect: { every: 7, probeImages: 2 }
checkpoint: { every: 12 }
`,
  );
  const done = await exited(spawnCli(['train', config, '--runs-dir', join(tmp, 'trained')]));
  assert.equal(done.code, 0, done.stderr);
  runDir = onlyRun(join(tmp, 'trained'))!;
  assert.equal(runInfo(runDir).status, 'completed');
});

after(() => rmSync(tmp, { recursive: true, force: true }));

test('a trainer run writes scalars.bin: one record per scalars/eval line, its position, kind, step and scalarsOfEvent values as float32', () => {
  const decoded = decodedSidecar(runDir);
  assert.ok(decoded, 'scalars.bin does not decode');
  const expected = expectedSidecar(runDir);
  assert.equal(expected.records.length, 36 + 5, '36 steps, 4 evaluations (10, 20, 30, 36) and the final test evaluation');
  assert.deepEqual(decoded, expected);
  assert.deepEqual(Object.keys(decoded.byKind.eval.columns).sort(), ['gap.accuracy', 'gap.loss', 'test.accuracy', 'test.loss', 'train.accuracy', 'train.loss', 'validation.accuracy', 'validation.loss']);
  assert.equal(statSync(join(runDir, 'scalars.bin')).size, scalarsLayout.headerBytes + 41 * scalarsLayout.recordBytes);
});

// ------------------------------------------------------------------------------------------------
// The server: copies of the run, differing only in scalars.bin, each read by a fresh server.
// ------------------------------------------------------------------------------------------------

async function withServer<T>(runsDir: string, f: (c: ProtocolConnection) => Promise<T>): Promise<T> {
  const server = new LanguageServer();
  try {
    await server.initialize({ runsDirs: [runsDir] });
    return await f(server.connection);
  } finally {
    await server.stop();
    assert.doesNotMatch(server.stderr, /failed/, server.stderr);
  }
}

/** Everything a client can ask of a finished run, with its own directory taken out. */
async function everything(c: ProtocolConnection, dir: string): Promise<unknown> {
  // The first request loads the run; it asks for one key, downsampled, as the dashboard's first paint does.
  const first = await c.sendRequest(GetScalarsRequest.type, { runDir: dir, keys: ['loss'], maxPoints: 10 });
  const all = await c.sendRequest(GetScalarsRequest.type, { runDir: dir });
  const since = await c.sendRequest(GetScalarsRequest.type, { runDir: dir, since: 20 });
  const layers = await c.sendRequest(GetLayerMetricsRequest.type, { runDir: dir });
  const attention = await c.sendRequest(GetAttentionRequest.type, { runDir: dir, step: 15 });
  const summary = (await c.sendRequest(ListRunsRequest.type, {})).find((r) => r.dir === dir);
  assert.ok(summary, `${dir} not listed`);
  const { dir: _dir, ...rest } = summary;
  return {
    first: first.series,
    all: { lastStep: all.lastStep, series: all.series },
    since: since.series,
    layers: layers.points,
    attention: attention && { ...attention, runDir: undefined },
    summary: rest,
  };
}

/** Copies of the run under `runsDir`, one per variant, scalars.bin changed by each. */
function variants(runsDir: string, changes: Record<string, (scalarsFile: string) => void>): Record<string, string> {
  mkdirSync(runsDir);
  const dirs: Record<string, string> = {};
  for (const [name, change] of Object.entries(changes)) {
    dirs[name] = join(runsDir, name);
    cpSync(runDir, dirs[name], { recursive: true });
    change(join(dirs[name], 'scalars.bin'));
  }
  return dirs;
}

test('the server serves a finished run from scalars.bin exactly as from events.jsonl, and falls back when it is missing, torn or one record short', async () => {
  const { headerBytes, recordBytes } = scalarsLayout;
  const dirs = variants(join(tmp, 'served'), {
    sidecar: () => {},
    json: (f) => rmSync(f),
    torn: (f) => truncateSync(f, statSync(f).size - recordBytes / 2),
    short: (f) => truncateSync(f, statSync(f).size - recordBytes),
    header: (f) => truncateSync(f, headerBytes - 3),
  });
  const answers = await withServer(join(tmp, 'served'), async (c) => {
    const out: Record<string, unknown> = {};
    for (const [name, dir] of Object.entries(dirs)) out[name] = await everything(c, dir);
    return out;
  });
  const reference = answers.json as { all: { series: Record<string, unknown>; lastStep: number }; summary: { error?: string } };
  assert.equal(reference.all.lastStep, 36);
  assert.deepEqual(Object.keys(reference.all.series).sort(), [
    'accuracy',
    'gap.accuracy',
    'gap.loss',
    'imagesPerSecond',
    'loss',
    'lr',
    'test.accuracy',
    'test.loss',
    'train.accuracy',
    'train.loss',
    'validation.accuracy',
    'validation.loss',
  ]);
  assert.equal(reference.summary.error, undefined);
  for (const name of ['sidecar', 'torn', 'short', 'header']) assert.deepEqual(answers[name], reference, name);
});

/** scalars.bin with one loss value changed, and where (the row of the scalars series). */
function changeLoss(f: string): { row: number; changed: number } {
  const expected = expectedSidecar(runDir);
  const row = 16; // of the scalars rows; its record comes after an evaluation's
  const record = expected.records.findIndex((r) => r.kind === 'scalars' && r.step === expected.byKind.scalars.steps[row]);
  const changed = 1234.5;
  const lossAt = scalarsLayout.headerBytes + record * scalarsLayout.recordBytes + 28 + 4 * scalarsLayout.keys.indexOf('loss');
  const bytes = readFileSync(f);
  bytes.writeFloatLE(changed, lossAt);
  writeFileSync(f, bytes);
  return { row, changed };
}

const sha256 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex');

test('a consistent scalars.bin is what the server reads: a value changed in it, with the digest to match, shows in the served series', async () => {
  // Without this, the equality above would hold as well if the server never used the file.
  let where = { row: 0, changed: 0 };
  const dirs = variants(join(tmp, 'altered'), {
    altered: (f) => {
      const before = sha256(f);
      where = changeLoss(f);
      // The digest the final status event records, made to match (the line keeps its length).
      const events = join(f, '..', 'events.jsonl');
      const text = readFileSync(events, 'utf8');
      assert.ok(text.trimEnd().split('\n').at(-1)!.includes(`"scalarsSha256":"${before}"`), 'the last event records the digest');
      writeFileSync(events, text.replace(before, sha256(f)));
    },
  });
  const loss = await withServer(join(tmp, 'altered'), async (c) => (await c.sendRequest(GetScalarsRequest.type, { runDir: dirs.altered, keys: ['loss'] })).series.loss);
  const scalars = expectedSidecar(runDir).byKind.scalars;
  assert.deepEqual(loss.step, scalars.steps);
  assert.equal(loss.value[where.row], where.changed);
  const others = (values: (number | null)[]) => values.filter((_, i) => i !== where.row);
  assert.deepEqual(others(loss.value), others(scalars.columns.loss));
});

test('a value changed in scalars.bin of a finished run is not served: its digest differs, and the series comes from events.jsonl', async () => {
  let where = { row: 0, changed: 0 };
  const dirs = variants(join(tmp, 'tampered'), { tampered: (f) => (where = changeLoss(f)) });
  const loss = await withServer(join(tmp, 'tampered'), async (c) => (await c.sendRequest(GetScalarsRequest.type, { runDir: dirs.tampered, keys: ['loss'] })).series.loss);
  const scalars = expectedSidecar(runDir).byKind.scalars;
  assert.notEqual(loss.value[where.row], where.changed);
  assert.deepEqual(loss, { step: scalars.steps, value: scalars.columns.loss });
});

test('attention maps that are not weights in [0, 1] (NaN, 1.5, -0.25) are reported as damaged, not served', async () => {
  const cases: Record<string, number> = { nan: NaN, above: 1.5, below: -0.25 };
  mkdirSync(join(tmp, 'attention'));
  const dirs: Record<string, string> = {};
  for (const [name, value] of Object.entries(cases)) {
    dirs[name] = join(tmp, 'attention', name);
    cpSync(runDir, dirs[name], { recursive: true });
    const file = join(dirs[name], 'attention.bin');
    const bytes = readFileSync(file);
    bytes.writeFloatLE(value, bytes.length - 8); // in the last step's maps
    writeFileSync(file, bytes);
  }
  await withServer(join(tmp, 'attention'), async (c) => {
    for (const [name, value] of Object.entries(cases)) {
      const error = await c.sendRequest(GetAttentionRequest.type, { runDir: dirs[name], step: 1_000_000 }).then(
        () => assert.fail(`${name}: the damaged maps were served`),
        (e: Error) => e.message,
      );
      assert.match(error, new RegExp(`^attention\\.bin of ${dirs[name]} is damaged at step \\d+: value \\d+ is ${value}, not an attention weight in \\[0, 1\\]$`), name);
    }
    // The same run's earlier maps are intact and still served.
    const earlier = await c.sendRequest(GetAttentionRequest.type, { runDir: dirs.nan, step: 1 });
    assert.ok(earlier && earlier.data.length > 0);
  });
});

test('events.jsonl whose steps go back (a second writer, a cut missed) is served with each step once, the later lines winning', async () => {
  const all = readFileSync(join(runDir, 'events.jsonl'), 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as RunEvent);
  const at = (step: number) => all.findIndex((e) => e.type === 'scalars' && e.step === step);
  // Steps 1–20, then 10 to the end again (another loss, so it shows which lines won); no status line.
  const again = all.slice(at(10)).filter((e) => e.type !== 'status').map((e) => (e.type === 'scalars' ? { ...e, loss: e.loss + 100 } : e));
  const lines = [...all.slice(0, at(20) + 1), ...again].map((e) => `${JSON.stringify(e)}\n`);
  let offset = 0;
  const positioned = lines.map((text) => {
    const line = { event: JSON.parse(text) as RunEvent, offset, bytes: Buffer.byteLength(text) };
    offset += line.bytes;
    return line;
  });
  // Without scalars.bin (every line parsed), and with one that matches these lines record for record.
  const dirs = variants(join(tmp, 'went-back'), {
    json: (f) => rmSync(f),
    sidecar: (f) => writeFileSync(f, Buffer.concat([scalarsFileHeader(), encodeScalarsRecords(positioned)])),
  });
  for (const dir of Object.values(dirs)) writeFileSync(join(dir, 'events.jsonl'), lines.join(''));
  const served = await withServer(join(tmp, 'went-back'), async (c) => {
    const out: Record<string, GetScalarsResult['series']> = {};
    for (const [name, dir] of Object.entries(dirs)) out[name] = (await c.sendRequest(GetScalarsRequest.type, { runDir: dir, keys: ['loss', 'validation.loss'] })).series;
    return out;
  });
  // What the server holds: float32 of the logged numbers, of the original run's steps each once.
  const trained = all.flatMap((e) => (e.type === 'scalars' ? [e] : []));
  const evals = all.flatMap((e) => (e.type === 'eval' && e.split === 'validation' ? [e] : []));
  const wanted = {
    loss: { step: trained.map((e) => e.step), value: trained.map((e) => Math.fround(e.step >= 10 ? e.loss + 100 : e.loss)) },
    'validation.loss': { step: evals.map((e) => e.step), value: evals.map((e) => Math.fround(e.loss)) },
  };
  for (const [name, series] of Object.entries(served)) assert.deepEqual(series, wanted, name);
});

test('resuming a run from before scalars.bin (no file, no size in the checkpoint) writes it anew from events.jsonl', async () => {
  const legacy = join(tmp, 'legacy', 'run');
  cpSync(runDir, legacy, { recursive: true });
  rmSync(join(legacy, 'scalars.bin'));
  const latest = join(legacy, 'checkpoints', readFileSync(join(legacy, 'checkpoints', 'latest'), 'utf8').trim(), 'state.json');
  const { scalarsBytes, ...state } = JSON.parse(readFileSync(latest, 'utf8')) as { scalarsBytes?: number };
  assert.equal(typeof scalarsBytes, 'number', 'the checkpoint records the size of scalars.bin');
  writeFileSync(latest, JSON.stringify(state));
  const resumed = await exited(spawnCli(['resume', legacy, '--max-steps', '40']));
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(runInfo(legacy).step, 40);
  const expected = expectedSidecar(legacy);
  assert.equal(expected.byKind.scalars.steps.length, 40);
  assert.deepEqual(decodedSidecar(legacy), expected);
});

test('a run from before the training subset (version-1 scalars.bin, eval events without it) is read as it was written', async () => {
  const dirs = variants(join(tmp, 'version-one'), { sidecar: () => {}, json: (f) => rmSync(f) });
  for (const dir of Object.values(dirs)) {
    withoutTrainingSubset(dir);
    writeFileSync(join(dir, 'scalars.bin'), versionOneFile(dir));
  }
  rmSync(join(dirs.json, 'scalars.bin'));
  // The decoder takes version 1: the points of events.jsonl, in its 9 keys.
  const decoded = decodedSidecar(dirs.sidecar);
  assert.ok(decoded, 'a version-1 scalars.bin does not decode');
  assert.deepEqual(decoded, expectedSidecar(dirs.sidecar));
  assert.deepEqual(Object.keys(decoded.byKind.eval.columns).sort(), ['test.accuracy', 'test.loss', 'validation.accuracy', 'validation.loss']);
  // The server serves it as it serves the events themselves.
  const answers = await withServer(join(tmp, 'version-one'), async (c) => ({ sidecar: await everything(c, dirs.sidecar), json: await everything(c, dirs.json) }));
  assert.deepEqual(answers.sidecar, answers.json);
});

test('resuming a run whose scalars.bin is version 1 writes it anew in this version (new records never follow old ones)', async () => {
  const old = join(tmp, 'old-layout', 'run');
  cpSync(runDir, old, { recursive: true });
  const v1 = versionOneFile(old);
  writeFileSync(join(old, 'scalars.bin'), v1);
  // The checkpoint as that trainer wrote it: the size of the version-1 file through its step (and,
  // as checkpoints of then may, no manifest). Cut to that size, the old header would stay.
  const checkpoint = join(old, 'checkpoints', readFileSync(join(old, 'checkpoints', 'latest'), 'utf8').trim());
  const state = JSON.parse(readFileSync(join(checkpoint, 'state.json'), 'utf8')) as { eventsBytes: number };
  const through = expectedSidecar(old).records.filter((r) => r.end <= state.eventsBytes).length;
  writeFileSync(join(checkpoint, 'state.json'), JSON.stringify({ ...state, scalarsBytes: 16 + 64 * through }));
  rmSync(join(checkpoint, 'manifest.json'));
  const resumed = await exited(spawnCli(['resume', old, '--max-steps', '40']));
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(runInfo(old).step, 40);
  assert.equal(readFileSync(join(old, 'scalars.bin')).readUInt32LE(4), scalarsLayout.version);
  assert.deepEqual(decodedSidecar(old), expectedSidecar(old));
});

test('getScalars names the steps where a run was stopped and resumed, and its steps per epoch (the charts mark them), from scalars.bin and from events.jsonl', async () => {
  const resumedDir = join(tmp, 'resumed');
  const twice = join(resumedDir, 'twice');
  cpSync(runDir, twice, { recursive: true });
  // The run completed at step 36 with a checkpoint there; each resume continues from the latest checkpoint.
  for (const steps of ['40', '44']) {
    const resumed = await exited(spawnCli(['resume', twice, '--max-steps', steps]));
    assert.equal(resumed.code, 0, resumed.stderr);
  }
  assert.equal(runInfo(twice).step, 44);
  const json = join(resumedDir, 'json');
  cpSync(twice, json, { recursive: true });
  rmSync(join(json, 'scalars.bin'));
  const stepsPerEpoch = runInfo(twice).stepsPerEpoch;
  assert.ok(typeof stepsPerEpoch === 'number' && stepsPerEpoch > 0, 'run.json records steps per epoch');
  const answers = await withServer(resumedDir, async (c) => ({
    twice: await c.sendRequest(GetScalarsRequest.type, { runDir: twice, keys: ['loss'] }),
    json: await c.sendRequest(GetScalarsRequest.type, { runDir: json, keys: ['loss'] }),
    original: await c.sendRequest(GetScalarsRequest.type, { runDir, keys: ['loss'] }),
  }));
  for (const name of ['twice', 'json'] as const) {
    assert.deepEqual(answers[name].resumedAt, [36, 40], name);
    assert.equal(answers[name].stepsPerEpoch, stepsPerEpoch, name);
  }
  assert.deepEqual(answers.original.resumedAt, [], 'a run never resumed has no marks');
});
