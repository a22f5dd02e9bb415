// The run manager as a client sees it: the real server bundle over stdio with real JSON-RPC, real
// trainer runs on the synthetic set (launched through the server and from a "terminal"), and the
// pure helpers (downsampling, Kendall's τ-b, config diff) against hand-computed values.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { constants, getPriority, hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  DidOpenTextDocumentNotification,
  PublishDiagnosticsNotification,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';
import { CompareRunsRequest, EventsAppendedNotification, GetAttentionRequest, GetLayerMetricsRequest, GetScalarsRequest, LaunchRequest, ListRunsRequest, RunsChangedNotification, ResumeRequest, StopRequest } from '../protocol/customMessages.js';
import { ErrorCodes } from '../protocol/errorCodes.js';
import { type EventsAppendedParams, type LaunchErrorData, type RunsChangedParams, type RunSummary, scalarsOfEvent } from '../protocol/runData.js';
import { configDiff, downsampleMinMax } from '../server/runs/runAnalysis.js';
import { changesWindowMs, runsChangedWindowMs } from '../server/runs/watchedRuns.js';
import { loadConfigFile, stringifyConfig } from '../trainer/config/index.js';
import { openDataset } from '../trainer/data/openDataset.js';
import type { RunEvent, RunInfo } from '../trainer/run/format.js';
import { openFeed } from '../trainer/train/dataFeed.js';
import { modelShape } from '../trainer/config/resolved.js';
import { forward } from '../trainer/model/forward.js';
import { loadWeightsForShape } from '../trainer/model/loadCheckpoint.js';
import { toParams } from '../trainer/model/params.js';
import { tf } from '../trainer/tf.js';
import { cliPath } from './support/cli.js';
import { LanguageServer } from './support/languageServer.js';
import { repoRoot } from './support/reference.js';
import { waitFor } from './support/waitFor.js';

// ------------------------------------------------------------------------------------------------
// Pure helpers, against values computed by hand.
// ------------------------------------------------------------------------------------------------

test('downsampleMinMax keeps each bucket’s min and max, in step order', () => {
  const series = { step: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], value: [5, 1, 9, 3, 3, 7, 0, 8, 2, 6] };
  // 2 buckets: [5,1,9,3,3] → (2,1),(3,9); [7,0,8,2,6] → (7,0),(8,8).
  assert.deepEqual(downsampleMinMax(series, 4), { step: [2, 3, 7, 8], value: [1, 9, 0, 8] });
  // 3 buckets of indices [0,3) [3,6) [6,10): (2,1),(3,9) · (4,3),(6,7) · (7,0),(8,8).
  assert.deepEqual(downsampleMinMax(series, 6), { step: [2, 3, 4, 6, 7, 8], value: [1, 9, 3, 7, 0, 8] });
  // Max before min within a bucket stays in step order; a constant bucket gives one point.
  assert.deepEqual(downsampleMinMax({ step: [1, 2, 3, 4], value: [9, 1, 4, 4] }, 2), { step: [1, 2], value: [9, 1] });
  assert.deepEqual(downsampleMinMax({ step: [1, 2, 3, 4, 5], value: [4, 4, 4, 4, 4] }, 2), { step: [1], value: [4] });
  // Few enough points come back as they are (NaN = no value is skipped); a sub-range is honoured.
  assert.deepEqual(downsampleMinMax({ step: [1, 2, 3], value: [1, NaN, 3] }, 10), { step: [1, 3], value: [1, 3] });
  // Indices [5,10) in 2 buckets: [7,0] → (6,7),(7,0); [8,2,6] → (8,8),(9,2).
  assert.deepEqual(downsampleMinMax(series, 4, 5, 10), { step: [6, 7, 8, 9], value: [7, 0, 8, 2] });
});

test('configDiff lists exactly the differing dotted paths', () => {
  const a = { name: 'x', optim: { lr: 0.001, betas: [0.9, 0.999] }, model: { depth: 1 } };
  const b = { name: 'x', optim: { lr: 0.01, betas: [0.9, 0.99] }, model: { depth: 1 }, srr: { weight: 1 } };
  assert.deepEqual(configDiff([a, b]), [
    { path: 'optim.betas', values: [[0.9, 0.999], [0.9, 0.99]] },
    { path: 'optim.lr', values: [0.001, 0.01] },
    { path: 'srr.weight', values: [null, 1] },
  ]);
});

// ------------------------------------------------------------------------------------------------
// The real server and real trainer runs.
// ------------------------------------------------------------------------------------------------

interface Notice<T> {
  at: number;
  params: T;
}

/** The server with the notifications it pushed, each with when it came. */
class Client extends LanguageServer {
  readonly changes: Notice<RunsChangedParams>[] = [];
  readonly appended: Notice<EventsAppendedParams>[] = [];
  readonly diagnostics: PublishDiagnosticsParams[] = [];

  constructor() {
    super();
    this.connection.onNotification(RunsChangedNotification.type, (params: RunsChangedParams) => {
      this.changes.push({ at: Date.now(), params });
    });
    this.connection.onNotification(EventsAppendedNotification.type, (params: EventsAppendedParams) => {
      this.appended.push({ at: Date.now(), params });
    });
    this.connection.onNotification(PublishDiagnosticsNotification.type, (params: PublishDiagnosticsParams) => {
      this.diagnostics.push(params);
    });
  }

  /** Waits for a pushed runs list in which `predicate` holds for some run. */
  async untilPushed(predicate: (r: RunSummary) => boolean, what: string, timeoutMs = 30_000): Promise<Notice<RunsChangedParams>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.changes.find((c) => c.params.runs.some(predicate));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`never pushed: ${what}; server stderr: ${this.stderr}`);
      await sleep(50);
    }
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function readEvents(runDir: string): RunEvent[] {
  const text = readFileSync(join(runDir, 'events.jsonl'), 'utf8');
  return text.slice(0, text.lastIndexOf('\n') + 1).split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as RunEvent);
}

function writeConfig(dir: string, file: string, extra: string[]): string {
  const path = join(dir, file);
  writeFileSync(
    path,
    [
      'name: rm-test',
      'backend: wasm',
      'model: {arch: crate-alpha, depth: 1, width: 8, heads: 2}',
      'data: {kind: synthetic-subspaces, trainSize: 256, testSize: 64}',
      'introspect: {probeImages: 2, every: 100}',
      'runsDir: runs',
      ...extra,
      '',
    ].join('\n'),
  );
  return path;
}

let client: Client;
let work: string;
let preRuns: string;
let terminalRuns: string;
let burstRuns: string;
let plainRuns: string;
const children: ChildProcess[] = [];
/** Trainers the server launched for a test that trains until stopped: killed if the test fails first. */
const unboundedTrainers: number[] = [];
let bystander: ChildProcess | undefined;

before(async () => {
  const built = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build.mjs')], { encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  work = mkdtempSync(join(tmpdir(), 'crate-runs-'));
  // A runs directory with a corrupt run.json and a torn events.jsonl, there before the server.
  preRuns = join(work, 'pre');
  mkdirSync(join(preRuns, 'corrupt'), { recursive: true });
  writeFileSync(join(preRuns, 'corrupt', 'run.json'), '{"id": "corrupt", "status": ');
  mkdirSync(join(preRuns, 'torn'));
  const t = new Date().toISOString();
  const info = { id: 'torn', name: 'torn', configHash: 'x', status: 'completed', pid: 1, host: hostname(), backend: 'cpu', step: 2, epoch: 0, totalSteps: 2, createdAt: t, updatedAt: t, heartbeat: t };
  writeFileSync(join(preRuns, 'torn', 'run.json'), JSON.stringify(info));
  const line = (step: number, loss: number) => JSON.stringify({ type: 'scalars', t, step, epoch: 0, loss, lr: 0.1, imagesPerSecond: 10 });
  writeFileSync(join(preRuns, 'torn', 'events.jsonl'), `${line(1, 2.5)}\n${line(2, 2.25)}\n{"type":"scalars","t":"${t}","st`);
  // A run "running" on another host whose heartbeat stopped 20 s ago.
  mkdirSync(join(preRuns, 'stale'));
  const old = new Date(Date.now() - 20_000).toISOString();
  writeFileSync(join(preRuns, 'stale', 'run.json'), JSON.stringify({ ...info, id: 'stale', status: 'running', host: 'elsewhere', heartbeat: old, updatedAt: old, device: 'NVIDIA H200 via Vulkan' }));
  // run.json records of the wrong shape: a field of the wrong type, null, a negative step.
  for (const [name, record] of [['wrong-type', { ...info, id: 'wrong-type', createdAt: 7 }], ['null-record', null], ['negative-step', { ...info, id: 'negative-step', step: -3 }]] as const) {
    mkdirSync(join(preRuns, name));
    writeFileSync(join(preRuns, name, 'run.json'), JSON.stringify(record));
  }
  // A run.json that is a link to another run's record: not followed.
  mkdirSync(join(preRuns, 'linked'));
  symlinkSync(join(preRuns, 'torn', 'run.json'), join(preRuns, 'linked', 'run.json'));
  // A "running" run whose pid now belongs to an unrelated process (a crash, then pid reuse).
  bystander = spawn('sleep', ['600'], { stdio: 'ignore' });
  mkdirSync(join(preRuns, 'recycled'));
  writeFileSync(join(preRuns, 'recycled', 'run.json'), JSON.stringify({ ...info, id: 'recycled', status: 'running', pid: bystander.pid, trainerIdentity: 'another-boot:1' }));
  // events.jsonl that cannot be read at all (a directory).
  mkdirSync(join(preRuns, 'unreadable', 'events.jsonl'), { recursive: true });
  writeFileSync(join(preRuns, 'unreadable', 'run.json'), JSON.stringify({ ...info, id: 'unreadable' }));
  terminalRuns = join(work, 'terminal');
  mkdirSync(terminalRuns);
  burstRuns = join(work, 'burst');
  mkdirSync(burstRuns);
  // A runs directory full of folders that are not runs (and a finished run).
  plainRuns = join(work, 'plain');
  for (let i = 0; i < 300; i++) mkdirSync(join(plainRuns, `folder-${i}`), { recursive: true });
  mkdirSync(join(plainRuns, 'finished'));
  writeFileSync(join(plainRuns, 'finished', 'run.json'), JSON.stringify({ ...info, id: 'finished' }));

  client = new Client();
  await client.initialize({ runsDirs: [preRuns, terminalRuns, burstRuns, plainRuns], rescanMs: 500 });
});

after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const pid of unboundedTrainers) {
    try {
      // Still that trainer, not a process that took its number since.
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('stoppable')) process.kill(pid, 'SIGKILL');
    } catch {
      // stopped by its test
    }
  }
  bystander?.kill('SIGKILL');
  await client?.stop();
});

test('a corrupt run.json and a torn events.jsonl are listed with an error, a stale heartbeat as failed; the server keeps answering', async () => {
  const runs = await client.connection.sendRequest(ListRunsRequest.type, { runsDir: preRuns });
  const corrupt = runs.find((r) => r.dir === join(preRuns, 'corrupt'));
  const torn = runs.find((r) => r.dir === join(preRuns, 'torn'));
  assert.ok(corrupt && torn, JSON.stringify(runs));
  assert.equal(corrupt.status, 'unknown');
  assert.equal(corrupt.error, `${join(preRuns, 'corrupt', 'run.json')} is not JSON: Unexpected end of JSON input`);
  // Each damaged record is listed as damaged, naming the field, and the others are listed as usual.
  const damaged = Object.fromEntries(['wrong-type', 'null-record', 'negative-step'].map((name) => [name, runs.find((r) => r.dir === join(preRuns, name))]));
  for (const [name, run] of Object.entries(damaged)) {
    assert.equal(run?.status, 'unknown', name);
    assert.ok(run.error?.startsWith(`${join(preRuns, name, 'run.json')} is damaged: `), run.error);
  }
  assert.match(damaged['wrong-type']!.error!, /is damaged: createdAt: .*expected string, received number/);
  assert.match(damaged['null-record']!.error!, /is damaged: .*expected object, received null/);
  assert.match(damaged['negative-step']!.error!, /is damaged: step: /);
  const linked = runs.find((r) => r.dir === join(preRuns, 'linked'));
  assert.equal(linked?.status, 'unknown');
  assert.equal(linked.error, `${join(preRuns, 'linked', 'run.json')} is a symbolic link, which is not followed here`);
  assert.equal(torn.status, 'completed');
  assert.match(torn.error ?? '', /incomplete line/);
  // The complete lines are there, the torn one is not.
  const scalars = await client.connection.sendRequest(GetScalarsRequest.type, { runDir: torn.dir, keys: ['loss'] });
  assert.deepEqual(scalars.series.loss, { step: [1, 2], value: [2.5, 2.25] });
  const stale = runs.find((r) => r.dir === join(preRuns, 'stale'));
  assert.equal(stale?.status, 'failed');
  assert.match(stale.statusReason ?? '', /no heartbeat for 2\d s/);
  // A recycled pid is not the trainer: the run is failed, and stop does not signal that process.
  const recycled = runs.find((r) => r.dir === join(preRuns, 'recycled'));
  assert.equal(recycled?.status, 'failed');
  assert.equal(recycled.statusReason, `the trainer (pid ${bystander!.pid}) is gone without finishing`);
  await assert.rejects(client.connection.sendRequest(StopRequest.type, { runDir: recycled.dir }), { code: ErrorCodes.TrainerGone, message: /is gone; resume it with: crate-lab resume / });
  // A damaged run.json is not "not a run directory": each answer has its own code.
  await assert.rejects(client.connection.sendRequest(StopRequest.type, { runDir: corrupt.dir }), { code: ErrorCodes.RunInfoUnreadable, message: /is not JSON/ });
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(bystander!.exitCode ?? bystander!.signalCode, null, 'the unrelated process was signalled');
  // run.json's device reaches the Runs view and the dashboard; runs from before it have none.
  assert.equal(stale.device, 'NVIDIA H200 via Vulkan');
  assert.equal(torn.device, undefined);
  const unreadable = join(preRuns, 'unreadable');
  assert.deepEqual((await client.connection.sendRequest(GetScalarsRequest.type, { runDir: unreadable })).series, {});
  const afterRead = (await client.connection.sendRequest(ListRunsRequest.type, { runsDir: preRuns })).find((r) => r.dir === unreadable);
  assert.match(afterRead?.error ?? '', /cannot read the run: .*EISDIR/);
  await assert.rejects(client.connection.sendRequest(GetScalarsRequest.type, { runDir: join(work, 'nowhere') }), { code: ErrorCodes.NotARunDirectory, message: /not a run directory/ });
  assert.equal((await client.connection.sendRequest(ListRunsRequest.type, {})).length >= 2, true);
  assert.equal(client.child.exitCode, null);
});

/** The inotify watches a process holds (the `inotify wd:` lines of its inotify descriptors). */
function inotifyWatches(pid: number): number {
  let count = 0;
  for (const fd of readdirSync(`/proc/${pid}/fdinfo`)) {
    try {
      count += readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8').split('\n').filter((l) => l.startsWith('inotify wd:')).length;
    } catch {
      // closed meanwhile
    }
  }
  return count;
}

test('folders that are not live runs cost no inotify watch: 300 plain folders, a finished run', async () => {
  const listed = await client.connection.sendRequest(ListRunsRequest.type, { runsDir: plainRuns });
  assert.equal(listed.find((r) => r.dir === join(plainRuns, 'finished'))?.status, 'completed');
  // The four runs directories, and the live runs of the others (none of them is live here).
  const watches = inotifyWatches(client.child.pid!);
  assert.ok(watches <= 10, `${watches} inotify watches`);
  // A folder that becomes a run is still found, by the runs directory's own watch or the rescan.
  const t = new Date().toISOString();
  writeFileSync(join(plainRuns, 'folder-7', 'run.json'), JSON.stringify({ id: 'late', name: 'late', configHash: 'x', status: 'completed', pid: 1, host: hostname(), backend: 'cpu', step: 1, epoch: 0, totalSteps: 1, createdAt: t, updatedAt: t, heartbeat: t }));
  await waitFor('the late run to be listed', async () => (await client.connection.sendRequest(ListRunsRequest.type, { runsDir: plainRuns })).find((r) => r.dir === join(plainRuns, 'folder-7'))?.status === 'completed', 10_000);
});

test('runsChanged is throttled: a burst of 80 changes gives a few notifications, the last one with every run as it ended', async () => {
  const t = new Date().toISOString();
  const writeInfo = (id: string, step: number) => {
    mkdirSync(join(burstRuns, id), { recursive: true });
    const info = { id, name: 'burst', configHash: 'x', status: 'completed', pid: 1, host: hostname(), backend: 'cpu', step, epoch: 0, totalSteps: 40, createdAt: t, updatedAt: t, heartbeat: t };
    // Replaced as the trainer does (write + rename), so the server never reads half a file.
    writeFileSync(join(burstRuns, id, 'run.json.tmp'), JSON.stringify(info));
    renameSync(join(burstRuns, id, 'run.json.tmp'), join(burstRuns, id, 'run.json'));
  };
  const from = client.changes.length;
  const t0 = Date.now();
  // 40 new runs and 40 steps of one run, 10 ms apart: each is seen by the watcher on its own.
  for (let i = 0; i < 40; i++) {
    writeInfo(`new-${String(i).padStart(2, '0')}`, 0);
    writeInfo('busy', i + 1);
    await sleep(10);
  }
  await sleep(runsChangedWindowMs + 600); // the window's last notification, and a rescan
  const notices = client.changes.slice(from);
  assert.ok(notices.length >= 1, 'no runsChanged at all');
  // At most one per window over the time watched (+1 for the first, sent at once): far fewer than
  // the 80 changes. A loaded machine may see the burst's last changes a window late, so the bound
  // counts the whole time watched, not just the burst; the spacing below is the throttle itself.
  const watchedMs = Date.now() - t0;
  assert.ok(notices.length <= Math.ceil(watchedMs / runsChangedWindowMs) + 1, `${notices.length} notifications in ${watchedMs} ms`);
  assert.ok(notices.length < 20, `${notices.length} notifications for 80 changes`);
  for (let i = 1; i < notices.length; i++) assert.ok(notices[i].at - notices[i - 1].at >= runsChangedWindowMs - 100, `notifications ${notices[i].at - notices[i - 1].at} ms apart`);
  const last = notices.at(-1)!.params.runs.filter((r) => r.dir.startsWith(burstRuns));
  assert.equal(last.length, 41);
  assert.equal(last.find((r) => r.id === 'busy')?.step, 40);
});

let launched: string;

test('launch: the run is listed, its events are pushed while it trains, it completes', async () => {
  const config = writeConfig(work, 'long.crate.yaml', ['optim: {batchSize: 32, maxSteps: 300}']);
  const started = await client.connection.sendRequest(LaunchRequest.type, { configPath: config });
  launched = started.runDir;
  assert.ok(started.runDir.startsWith(join(work, 'runs')), started.runDir);
  assert.ok(started.pid > 0);
  const listed = await client.connection.sendRequest(ListRunsRequest.type, {});
  assert.ok(listed.some((r) => r.dir === launched), 'launched run not listed');
  await client.untilPushed((r) => r.dir === launched && r.status === 'completed', 'the launched run completed', 60_000);
  // The last lines may reach the server after run.json says completed (its watch of the run then
  // ends): the periodic rescan pushes them, within a rescan interval.
  await waitFor('the final status line pushed', () => client.appended.some((n) => n.params.runDir === launched && n.params.events.some((e) => e.type === 'status')), 10_000);
  const notices = client.appended.filter((n) => n.params.runDir === launched);
  assert.ok(notices.length >= 2, `only ${notices.length} eventsAppended notifications`);
  // Pushed while training: the first push has no final status event yet.
  assert.ok(!notices[0].params.events.some((e) => e.type === 'status'), 'first push came after the end');
  // Every complete line exactly once, in order.
  assert.deepEqual(notices.flatMap((n) => n.params.events), readEvents(launched));
  // Gathered: a line a step (hundreds a second here), yet at most one push per window (the
  // first at once) plus one per rescan (every 500 ms in this test) over the time it trained.
  const trainedMs = notices.at(-1)!.at - notices[0].at;
  const bound = Math.ceil(trainedMs / changesWindowMs) + Math.ceil(trainedMs / 500) + 2;
  assert.ok(notices.length <= bound, `${notices.length} eventsAppended in ${trainedMs} ms for ${readEvents(launched).length} lines`);
  const summary = (await client.connection.sendRequest(ListRunsRequest.type, {})).find((r) => r.dir === launched)!;
  assert.equal(summary.step, 300);
  assert.equal(summary.error, undefined);
  const lastScalars = readEvents(launched).filter((e) => e.type === 'scalars').at(-1)!;
  assert.equal(summary.loss, Math.fround((lastScalars as { loss: number }).loss));
});

test('getScalars: all points, increments with since, min/max downsampling checked against events.jsonl', async () => {
  const raw = readEvents(launched).flatMap((e) => (e.type === 'scalars' ? [{ step: e.step, loss: Math.fround(e.loss) }] : []));
  assert.equal(raw.length, 300);
  const all = await client.connection.sendRequest(GetScalarsRequest.type, { runDir: launched, keys: ['loss'] });
  assert.deepEqual(all.series.loss, { step: raw.map((r) => r.step), value: raw.map((r) => r.loss) });
  assert.equal(all.lastStep, 300);
  const since = await client.connection.sendRequest(GetScalarsRequest.type, { runDir: launched, keys: ['loss'], since: 250 });
  assert.deepEqual(since.series.loss.step, raw.filter((r) => r.step > 250).map((r) => r.step));
  const small = await client.connection.sendRequest(GetScalarsRequest.type, { runDir: launched, keys: ['loss'], maxPoints: 20 });
  const { step, value } = small.series.loss;
  assert.ok(step.length <= 20 && step.length >= 10, `${step.length} points`);
  const losses = raw.map((r) => r.loss);
  assert.ok(value.includes(Math.min(...losses)) && value.includes(Math.max(...losses)), 'extremes lost');
  // Each bucket of 30 raw points contributes exactly its min and max.
  for (let b = 0; b < 10; b++) {
    const bucket = raw.slice(b * 30, (b + 1) * 30);
    const mine = step.map((s, i) => ({ s, v: value[i] })).filter((p) => p.s > b * 30 && p.s <= (b + 1) * 30);
    const lo = Math.min(...bucket.map((r) => r.loss));
    const hi = Math.max(...bucket.map((r) => r.loss));
    assert.deepEqual(new Set(mine.map((p) => p.v)), new Set([lo, hi]), `bucket ${b}`);
  }
  // Validation results come as their own keys.
  const evals = await client.connection.sendRequest(GetScalarsRequest.type, { runDir: launched, keys: ['validation.loss'] });
  const rawEvals = readEvents(launched).filter((e) => e.type === 'eval' && e.split === 'validation');
  assert.deepEqual(evals.series['validation.loss'].step, rawEvals.map((e) => e.step));
});

test('scalarsOfEvent: the pushed events give exactly the series the server serves', async () => {
  const pushed = client.appended.filter((n) => n.params.runDir === launched).flatMap((n) => n.params.events);
  const fromPush: Record<string, { step: number[]; value: number[] }> = {};
  for (const e of pushed) {
    // Only scalars and eval events have values, and both carry a step.
    for (const [key, value] of Object.entries(scalarsOfEvent(e))) {
      const series = (fromPush[key] ??= { step: [], value: [] });
      series.step.push(e.step!);
      series.value.push(Math.fround(value));
    }
  }
  const served = await client.connection.sendRequest(GetScalarsRequest.type, { runDir: launched });
  // With a validation part: its keys, the training subset's and the gap at each evaluation, and the final test evaluation's.
  assert.deepEqual(Object.keys(served.series).sort(), [
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
  assert.deepEqual(served.series, fromPush);
  // Events without scalars contribute nothing.
  assert.deepEqual(scalarsOfEvent({ type: 'log', t: '', level: 'info', message: 'x' }), {});
});

test('getLayerMetrics and getAttention return the introspection of the run', async () => {
  const layerEvents = readEvents(launched).filter((e) => e.type === 'layers');
  assert.equal(layerEvents.length, 3);
  const metrics = await client.connection.sendRequest(GetLayerMetricsRequest.type, { runDir: launched });
  assert.deepEqual(metrics.points.map((p) => p.step), [100, 200, 300]);
  assert.deepEqual(metrics.points.map((p) => p.layers), layerEvents.map((e) => (e.type === 'layers' ? e.layers : [])));
  for (const key of ['R', 'Rc', 'density', 'srr', 'codeZeroFraction']) assert.equal(typeof (metrics.points[0].layers[0] as unknown as Record<string, unknown>)[key], 'number');

  const attention = await client.connection.sendRequest(GetAttentionRequest.type, { runDir: launched, step: 250 });
  assert.ok(attention);
  assert.equal(attention.step, 200);
  assert.deepEqual(attention.steps, [100, 200, 300]);
  // depth 1, 2 probe images, 2 heads, 16/4 = 4 patches a side.
  assert.deepEqual([attention.layers, attention.images, attention.heads, attention.grid], [1, 2, 2, 4]);
  const bytes = Buffer.from(attention.data, 'base64');
  assert.equal(bytes.length, 1 * 2 * 2 * 4 * 4 * 4);
  const maps = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4);
  for (const v of maps) assert.ok(v >= 0 && v <= 1, String(v));
  const onDisk = readFileSync(join(launched, 'attention.bin'));
  const ref = readEvents(launched).find((e) => e.type === 'attention' && e.step === 200) as { offset: number; length: number };
  assert.ok(bytes.equals(onDisk.subarray(ref.offset, ref.offset + ref.length)));

  // The probe images: the first 2 validation images of the run's config as the trainer's data code
  // gives them (held out from the synthetic training set, normalized, not augmented).
  const { probe } = attention;
  assert.ok(probe, 'no probe images');
  assert.deepEqual([probe.images, probe.channels, probe.height, probe.width, probe.encoding], [2, 1, 16, 16, 'base64-float32le']);
  const { config } = loadConfigFile(join(launched, 'config.yaml'));
  const feed = openFeed(await openDataset(config.data, 'train'), await openDataset(config.data, 'test'), config);
  const expected = feed.heldOut.batch(0, 2).images;
  feed.close();
  assert.ok(Buffer.from(probe.data, 'base64').equals(Buffer.from(expected.buffer, expected.byteOffset, expected.byteLength)), 'probe images differ');
});

test('getAttention serves the probe images’ labels and class names (probe.json) and the model’s predictions at the step', async () => {
  const attention = await client.connection.sendRequest(GetAttentionRequest.type, { runDir: launched, step: 300 });
  assert.ok(attention);
  assert.equal(attention.step, 300);
  // Labels and class names as the trainer's data code gives them for the first 2 held-out images.
  const { config } = loadConfigFile(join(launched, 'config.yaml'));
  const train = await openDataset(config.data, 'train');
  const feed = openFeed(train, await openDataset(config.data, 'test'), config);
  const batch = feed.heldOut.batch(0, 2);
  const classNames = train.classNames.slice();
  feed.close();
  assert.deepEqual(attention.labels, Array.from(batch.labels));
  assert.deepEqual(attention.classNames, classNames);
  assert.deepEqual(JSON.parse(readFileSync(join(launched, 'probe.json'), 'utf8')), { version: 1, labels: Array.from(batch.labels), classNames });
  // Predictions: argmax of the logits of the final weights (step 300) on the probe images.
  await tf.setBackend('cpu');
  const shape = modelShape(config.model);
  const weights = loadWeightsForShape(join(launched, 'checkpoints', 'step-00000300', 'weights.safetensors'), shape);
  const params = toParams(weights);
  const x = tf.tensor(batch.images, [2, shape.channels, shape.image, shape.image]);
  const logits = (await forward(x, params, shape).logits.array()) as number[][];
  const expected = logits.map((row) => row.indexOf(Math.max(...row)));
  assert.ok(attention.predictions, 'no predictions');
  assert.equal(attention.predictions.length, 2);
  for (let i = 0; i < 2; i++) {
    const sorted = [...logits[i]].sort((a, b) => b - a);
    if (sorted[0] - sorted[1] > 1e-3) assert.equal(attention.predictions[i], expected[i], `image ${i}: logits ${logits[i]}`);
  }
  // Each step has its own: the record of step 100 is served for step 100.
  const early = await client.connection.sendRequest(GetAttentionRequest.type, { runDir: launched, step: 100 });
  const event = readEvents(launched).find((e) => e.type === 'attention' && e.step === 100) as { predictions?: number[] };
  assert.deepEqual(early?.predictions, event.predictions);
  assert.ok(early?.predictions?.every((c) => Number.isInteger(c) && c >= 0 && c < classNames.length));
});

test('the summary carries the best and the final held-out accuracy of the run’s evaluations', async () => {
  const evals = readEvents(launched).filter((e): e is Extract<RunEvent, { type: 'eval' }> => e.type === 'eval');
  // Held out: the validation evaluations when there are any, else the test ones.
  const split = evals.some((e) => e.split === 'validation') ? 'validation' : 'test';
  const heldOut = evals.filter((e) => e.split === split);
  assert.ok(heldOut.length >= 2, `several ${split} evaluations (${heldOut.length})`);
  let best = heldOut[0];
  for (const e of heldOut) if (e.accuracy > best.accuracy) best = e;
  const summary = (await client.connection.sendRequest(ListRunsRequest.type, {})).find((r) => r.dir === launched)!;
  assert.deepEqual(summary.heldOutAccuracy, {
    split,
    best: Math.fround(best.accuracy),
    bestStep: best.step,
    final: Math.fround(heldOut.at(-1)!.accuracy),
    finalStep: heldOut.at(-1)!.step,
  });
});

test('the summary says how many epochs the run trains: ⌈total steps / steps per epoch⌉, the last one reached at the end', async () => {
  // Steps per epoch from the events alone: a scalars event's epoch is that of the step it
  // completed (step − 1 counted from 0), so the first one of epoch 1 completed step spe + 1.
  const firstOfEpoch1 = readEvents(launched).find((e) => e.type === 'scalars' && e.epoch === 1);
  assert.ok(firstOfEpoch1, 'the run trains more than one epoch');
  const stepsPerEpoch = firstOfEpoch1.step! - 1;
  const summary = (await client.connection.sendRequest(ListRunsRequest.type, {})).find((r) => r.dir === launched)!;
  assert.equal(summary.epochs, Math.ceil(300 / stepsPerEpoch));
  assert.equal(summary.epoch + 1, summary.epochs, 'the completed run is in its last epoch');
});

/** τ-b written out independently: Σ sign(dx)·sign(dy) / √(#pairs untied in x · #pairs untied in y). */
function tauIndependent(x: number[], y: number[]): number | null {
  let s = 0;
  let untiedX = 0;
  let untiedY = 0;
  for (let i = 0; i < x.length; i++)
    for (let j = 0; j < i; j++) {
      s += Math.sign(x[i] - x[j]) * Math.sign(y[i] - y[j]);
      untiedX += x[i] !== x[j] ? 1 : 0;
      untiedY += y[i] !== y[j] ? 1 : 0;
    }
  return untiedX && untiedY ? s / Math.sqrt(untiedX * untiedY) : null;
}

test('compareRuns: aligned series, exactly the differing config keys, final metrics and Kendall’s τ', async () => {
  const a = writeConfig(work, 'a.crate.yaml', ['optim: {batchSize: 32, maxSteps: 100, labelSmoothing: 0.1, weightDecay: 0.05}']);
  const b = writeConfig(work, 'b.crate.yaml', ['optim: {batchSize: 32, maxSteps: 100, labelSmoothing: 0.2, weightDecay: 0.1}']);
  const runA = (await client.connection.sendRequest(LaunchRequest.type, { configPath: a })).runDir;
  const runB = (await client.connection.sendRequest(LaunchRequest.type, { configPath: b })).runDir;
  for (const dir of [runA, runB]) await client.untilPushed((r) => r.dir === dir && r.status === 'completed', `${dir} completed`, 60_000);

  const pair = await client.connection.sendRequest(CompareRunsRequest.type, { runDirs: [runA, runB] });
  assert.deepEqual(pair.configDiff, [
    { path: 'optim.labelSmoothing', values: [0.1, 0.2] },
    { path: 'optim.weightDecay', values: [0.05, 0.1] },
  ]);
  assert.deepEqual(pair.series.loss.step, Array.from({ length: 100 }, (_, i) => i + 1));
  assert.equal(pair.series.loss.values.length, 2);

  const three = [launched, runA, runB];
  const result = await client.connection.sendRequest(CompareRunsRequest.type, { runDirs: three });
  // Aligned on the union of steps: the 100-step runs have no points after step 100.
  assert.equal(result.series.loss.step.length, 300);
  assert.equal(result.series.loss.values[1][150], null);
  assert.deepEqual(result.configDiff.map((d) => d.path), ['optim.labelSmoothing', 'optim.maxSteps', 'optim.weightDecay']);
  // Final metrics and τ recomputed from the raw event files.
  const srr: number[] = [];
  const gap: number[] = [];
  for (const [i, dir] of three.entries()) {
    const events = readEvents(dir);
    const layers = events.filter((e) => e.type === 'layers').at(-1) as { layers: { srr: number }[] };
    // The gap: held-out minus training-subset loss of the last evaluation that has both.
    const paired = events.filter((e) => e.type === 'eval' && e.train !== undefined).at(-1) as { loss: number; train: { loss: number } };
    srr.push(layers.layers.reduce((s, l) => s + l.srr, 0) / layers.layers.length);
    gap.push(paired.loss - paired.train.loss);
    assert.ok(Math.abs(result.final[i].srr! - srr[i]) < 1e-9, 'srr');
    assert.ok(Math.abs(result.final[i].generalizationGap! - gap[i]) < 1e-5, 'gap');
  }
  assert.equal(result.kendallTau.runs, 3);
  assert.equal(result.kendallTau.stillTraining, 0);
  assert.equal(result.kendallTau.tau, tauIndependent(srr, gap));
});

let terminal: ChildProcess;

test('a run started from a terminal appears without any request', async () => {
  const config = writeConfig(work, 'terminal.crate.yaml', ['optim: {batchSize: 32, maxSteps: 1000000}']);
  const requestsBefore = client.changes.length;
  terminal = spawn(process.execPath, [cliPath, 'train', config, '--runs-dir', terminalRuns], { stdio: 'ignore' });
  children.push(terminal);
  const pushed = await client.untilPushed((r) => r.dir.startsWith(terminalRuns) && r.status === 'running' && r.step > 0, 'the terminal run, running');
  assert.ok(client.changes.indexOf(pushed) >= requestsBefore);
});

test('a trainer killed with SIGKILL is reported failed within 10 s', async () => {
  const running = client.changes.flatMap((c) => c.params.runs).find((r) => r.dir.startsWith(terminalRuns));
  assert.ok(running && terminal.exitCode === null, 'no running terminal run');
  const killedAt = Date.now();
  terminal.kill('SIGKILL');
  const failed = await client.untilPushed((r) => r.dir === running.dir && r.status === 'failed', 'the killed run failed', 10_000);
  assert.ok(failed.at - killedAt < 10_000, `${failed.at - killedAt} ms`);
  const run = failed.params.runs.find((r) => r.dir === running.dir)!;
  assert.match(run.statusReason ?? '', /gone|heartbeat/);
  // run.json itself still says running: the verdict is the server's.
  assert.equal(JSON.parse(readFileSync(join(running.dir, 'run.json'), 'utf8')).status, 'running');
});

test('stop and resume: SIGTERM stops the trainer (status stopped); resume continues the same run', async () => {
  const config = writeConfig(work, 'stoppable.crate.yaml', ['optim: {batchSize: 32, maxSteps: 1000000}', 'checkpoint: {every: 1000000}']);
  const { runDir, pid } = await client.connection.sendRequest(LaunchRequest.type, { configPath: config, runsDir: join(work, 'stoppable-runs') });
  unboundedTrainers.push(pid);
  await client.untilPushed((r) => r.dir === runDir && r.status === 'running' && r.step > 5, 'the run, training');
  // Trainers yield the cores to the editor: below-normal priority, or this test's own if lower.
  const belowNormal = Math.max(getPriority(), constants.priority.PRIORITY_BELOW_NORMAL);
  assert.equal(getPriority(pid), belowNormal);
  const stopped = await client.connection.sendRequest(StopRequest.type, { runDir });
  assert.equal(stopped.signalled, true, stopped.message);
  const atStop = (await client.untilPushed((r) => r.dir === runDir && r.status === 'stopped', 'the run, stopped')).params.runs.find((r) => r.dir === runDir)!;
  assert.equal((await client.connection.sendRequest(StopRequest.type, { runDir })).signalled, false);

  const probeBefore = statSync(join(runDir, 'probe.bin'));
  const resumed = await client.connection.sendRequest(ResumeRequest.type, { runDir });
  unboundedTrainers.push(resumed.pid);
  assert.equal(resumed.runDir, runDir);
  assert.equal(getPriority(resumed.pid), belowNormal);
  await client.untilPushed((r) => r.dir === runDir && r.status === 'running' && r.step > atStop.step + 5, 'the resumed run, past its stop');
  assert.equal((await client.connection.sendRequest(StopRequest.type, { runDir })).signalled, true);
  await client.untilPushed((r) => r.dir === runDir && r.status === 'stopped' && r.step > atStop.step, 'the resumed run, stopped again');
  // The probe images were written once, when the run started.
  const probeAfter = statSync(join(runDir, 'probe.bin'));
  assert.deepEqual([probeAfter.ino, probeAfter.mtimeMs], [probeBefore.ino, probeBefore.mtimeMs]);
  // The resume cut events.jsonl back to the checkpoint: the server's series is the file's, no line twice.
  const raw = readEvents(runDir).flatMap((e) => (e.type === 'scalars' ? [e.step] : []));
  const served = await client.connection.sendRequest(GetScalarsRequest.type, { runDir, keys: ['loss'] });
  assert.deepEqual(served.series.loss.step, raw);
});

test('two resume requests for one run: one trainer resumes it, the other request fails naming it; each step is served once', async () => {
  const steps = 300;
  const config = writeConfig(work, 'raced.crate.yaml', [`optim: {batchSize: 32, maxSteps: ${steps}}`, 'checkpoint: {every: 20}']);
  const { runDir } = await client.connection.sendRequest(LaunchRequest.type, { configPath: config, runsDir: join(work, 'raced-runs') });
  await client.untilPushed((r) => r.dir === runDir && r.step > 25, 'the run, past its first checkpoint');
  await client.connection.sendRequest(StopRequest.type, { runDir });
  await client.untilPushed((r) => r.dir === runDir && r.status === 'stopped', 'the run, stopped');
  const [a, b] = await Promise.allSettled([client.connection.sendRequest(ResumeRequest.type, { runDir }), client.connection.sendRequest(ResumeRequest.type, { runDir })]);
  const started = [a, b].filter((r) => r.status === 'fulfilled');
  const refused = [a, b].filter((r) => r.status === 'rejected');
  assert.equal(started.length, 1, `one resume starts: ${[a, b].map((r) => (r.status === 'rejected' ? (r.reason as Error).message : 'started')).join('; ')}`);
  const trainer = (started[0] as PromiseFulfilledResult<{ pid: number }>).value.pid;
  assert.match((refused[0] as PromiseRejectedResult).reason.message, new RegExp(`${runDir} is being trained by another trainer \\(pid ${trainer}\\); wait for it to end or stop it: crate-lab stop ${runDir}$`));
  // A request while it trains is refused at once, without starting a trainer.
  await assert.rejects(client.connection.sendRequest(ResumeRequest.type, { runDir }), new RegExp(`${runDir} is being trained by another trainer \\(pid ${trainer}\\)`));
  await client.untilPushed((r) => r.dir === runDir && r.status === 'completed', 'the resumed run, completed', 120_000);
  const served = await client.connection.sendRequest(GetScalarsRequest.type, { runDir, keys: ['loss'] });
  assert.deepEqual(served.series.loss.step, Array.from({ length: steps }, (_, i) => i + 1), 'each step once');
});

test('diagnostics from outcomes: a diverged run of an open config marks optim.lr with the step and message', async () => {
  const dir = join(work, 'outcomes');
  mkdirSync(dir);
  const file = join(dir, 'diverges.crate.yaml');
  // A decoupled decay step of lr × weightDecay = 10 flips and multiplies the weights every step.
  const text = [
    'name: diverges',
    'seed: 1',
    'backend: wasm',
    'model: {arch: crate-alpha, depth: 2, width: 16, heads: 2}',
    'data: {kind: synthetic-subspaces, trainSize: 256, testSize: 32}',
    'optim:',
    '  batchSize: 32',
    '  maxSteps: 60',
    '  lr: 10',
    '  weightDecay: 1',
    '  warmup: 0',
    '  gradClip: 0',
    'introspect: {every: 0}',
    'runsDir: runs',
    '',
  ].join('\n');
  writeFileSync(file, text);
  const uri = pathToFileURL(file).href;
  await client.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'yaml', version: 1, text } });
  const { runDir } = await client.connection.sendRequest(LaunchRequest.type, { configPath: file });
  await client.untilPushed((r) => r.dir === runDir && r.status === 'diverged', 'the diverged run');
  const deadline = Date.now() + 10_000;
  let found;
  while (!(found = client.diagnostics.filter((p) => p.uri === uri).flatMap((p) => p.diagnostics).find((d) => d.code === 'run-diverged'))) {
    assert.ok(Date.now() < deadline, `no outcome diagnostic; published: ${JSON.stringify(client.diagnostics.filter((p) => p.uri === uri))}`);
    await sleep(50);
  }
  const line = text.split('\n').indexOf('  lr: 10');
  assert.deepEqual(found.range, { start: { line, character: 2 }, end: { line, character: 4 } });
  const info = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as { step: number; error: string };
  const message = String(found.message);
  assert.ok(message.includes(`at step ${info.step}`) && message.includes(info.error), message);
  assert.match(message, /loss became NaN/);
});

test('diverging early: a run whose training loss stays above 2 · ln(classes) for its last 20 steps past the warm-up is flagged in its summary and on the config', async () => {
  const dir = join(work, 'diverging');
  mkdirSync(join(dir, 'runs'), { recursive: true });
  const file = join(dir, 'diverging.crate.yaml');
  // 4 classes: chance is ln 4 ≈ 1.386, the threshold 2 ln 4 ≈ 2.773. Warm-up: 10 steps.
  const text = ['name: diverging', 'model: {arch: crate-alpha, depth: 1, width: 8, heads: 2}', 'data: {kind: synthetic-subspaces, classes: 4}', 'optim:', '  lr: 0.005', '  warmup: 10', '  maxSteps: 40', 'runsDir: runs', ''].join('\n');
  writeFileSync(file, text);
  // config.yaml as the trainer writes it (the resolved config), run.json and events.jsonl lines.
  const resolved = stringifyConfig(loadConfigFile(file).config);
  const writeRun = (id: string, name: string, createdAt: string, points: { loss: number; srrLoss?: number }[]) => {
    const runDir = join(dir, 'runs', id);
    mkdirSync(runDir);
    writeFileSync(join(runDir, 'config.yaml'), resolved);
    const t = new Date().toISOString();
    const info = { id, name, configHash: 'x', status: 'completed', pid: 1, host: hostname(), backend: 'cpu', step: points.length, epoch: 0, totalSteps: points.length, createdAt, updatedAt: t, heartbeat: t };
    writeFileSync(join(runDir, 'run.json'), JSON.stringify(info));
    const lines = points.map((p, i) => JSON.stringify({ type: 'scalars', t, step: i + 1, epoch: 0, ...p, lr: 0.005, imagesPerSecond: 100 }));
    writeFileSync(join(runDir, 'events.jsonl'), `${lines.join('\n')}\n`);
    return runDir;
  };
  const steps = (n: number, loss: number, srrLoss?: number) => Array.from({ length: n }, () => ({ loss, ...(srrLoss !== undefined ? { srrLoss } : {}) }));
  // Learning (1.3) for 20 steps, then 20 steps at 3.5: flagged, over steps 21–40.
  const flagged = writeRun('flagged', 'diverging', '2026-12-01T02:00:00.000Z', [...steps(20, 1.3), ...steps(20, 3.5)]);
  // Just under the threshold; the same loss but 1.0 of it the SRR term; high only during the warm-up and just after it; too few steps.
  const under = writeRun('under', 'other', '2026-12-01T01:00:00.000Z', steps(40, 2.7));
  const srr = writeRun('srr', 'other', '2026-12-01T01:00:01.000Z', steps(40, 3.5, 1.0));
  const warmup = writeRun('warmup', 'other', '2026-12-01T01:00:02.000Z', steps(29, 3.5));
  const short = writeRun('short', 'other', '2026-12-01T01:00:03.000Z', steps(19, 3.5));
  const uri = pathToFileURL(file).href;
  await client.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId: 'yaml', version: 1, text } });

  const expected = { meanLoss: Math.fround(3.5), threshold: 2 * Math.log(4), chanceLoss: Math.log(4), classes: 4, fromStep: 21, toStep: 40 };
  const listed = await waitFor('the runs of the opened config', async () => {
    const runs = await client.connection.sendRequest(ListRunsRequest.type, { runsDir: join(dir, 'runs') });
    return runs.length === 5 ? runs : undefined;
  }, 10_000);
  const byDir = (runs: RunSummary[], runDir: string) => runs.find((r) => r.dir === runDir)!;
  // Indexed from the end of events.jsonl (not loaded yet).
  assert.deepEqual(byDir(listed, flagged).diverging, expected);
  for (const runDir of [under, srr, warmup, short]) assert.equal(byDir(listed, runDir).diverging, undefined, runDir);
  // Loaded in full (a request reads its events): the same verdict.
  await client.connection.sendRequest(GetScalarsRequest.type, { runDir: flagged, keys: ['loss'] });
  await client.connection.sendRequest(GetScalarsRequest.type, { runDir: srr, keys: ['loss'] });
  const loaded = await client.connection.sendRequest(ListRunsRequest.type, { runsDir: join(dir, 'runs') });
  assert.deepEqual(byDir(loaded, flagged).diverging, expected);
  assert.equal(byDir(loaded, srr).diverging, undefined);

  // The config's newest run is diverging: a warning on optim.lr with the evidence.
  const deadline = Date.now() + 10_000;
  let found;
  while (!(found = client.diagnostics.filter((p) => p.uri === uri).flatMap((p) => p.diagnostics).find((d) => d.code === 'run-diverging'))) {
    assert.ok(Date.now() < deadline, `no outcome diagnostic; published: ${JSON.stringify(client.diagnostics.filter((p) => p.uri === uri))}`);
    await sleep(50);
  }
  const line = text.split('\n').indexOf('  lr: 0.005');
  assert.deepEqual(found.range, { start: { line, character: 2 }, end: { line, character: 4 } });
  assert.equal(found.severity, 2);
  assert.equal(found.message, `run flagged is diverging: mean loss 3.50 over steps 21–40 > 2 × ln 4 = ${(2 * Math.log(4)).toFixed(2)}; try a lower optim.lr`);
});

test("launch: the client's backend and introspection defaults apply only where the config is silent", async () => {
  const runsDir = join(work, 'defaults-runs');
  const body = ['model: {arch: crate-alpha, depth: 1, width: 8, heads: 2}', 'data: {kind: synthetic-subspaces, trainSize: 64, testSize: 16}', 'optim: {batchSize: 16, maxSteps: 4}'];
  const silent = join(work, 'silent.crate.yaml');
  writeFileSync(silent, [...body, 'introspect: {probeImages: 2}', ''].join('\n'));
  const explicit = join(work, 'explicit.crate.yaml');
  writeFileSync(explicit, ['backend: wasm', ...body, 'introspect: {probeImages: 2, every: 4}', ''].join('\n'));
  const defaults = { runsDir, backend: 'cpu', introspectEvery: 2 };
  const a = await client.connection.sendRequest(LaunchRequest.type, { configPath: silent, ...defaults });
  const b = await client.connection.sendRequest(LaunchRequest.type, { configPath: explicit, ...defaults });
  for (const dir of [a.runDir, b.runDir]) await client.untilPushed((r) => r.dir === dir && r.status === 'completed', `${dir} completed`, 60_000);
  const info = (dir: string) => JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as RunInfo;
  const layerSteps = (dir: string) => readEvents(dir).filter((e) => e.type === 'layers').map((e) => e.step);
  assert.match(info(a.runDir).backend, /^cpu\b/);
  assert.deepEqual(layerSteps(a.runDir), [2, 4]);
  assert.match(info(b.runDir).backend, /^wasm\b/);
  assert.deepEqual(layerSteps(b.runDir), [4]);
});

test('launch with a trainer Node.js that does not exist: one error naming it, with the log file in its data', async () => {
  const other = new Client();
  try {
    await other.initialize({ trainerNodePath: join(work, 'no-such-node') });
    const config = writeConfig(work, 'nonode.crate.yaml', ['optim: {batchSize: 32, maxSteps: 4}']);
    const error = await other.connection.sendRequest(LaunchRequest.type, { configPath: config, runsDir: join(work, 'nonode-runs') }).then(
      () => assert.fail('launch should fail'),
      (e: { message: string; data?: LaunchErrorData }) => e,
    );
    assert.match(error.message, /no-such-node could not be started/);
    assert.ok(error.data?.logFile && existsSync(error.data.logFile), `log file in the error data: ${JSON.stringify(error.data)}`);
  } finally {
    await other.stop();
  }
});

/** Seconds from the first to the last of `events` by their `t` (ms precision, as written). */
const spanSeconds = (events: RunEvent[]): number => (Date.parse(events.at(-1)!.t) - Date.parse(events[0].t)) / 1000;

test('the summary’s elapsed time is the completed run’s span of events; a finished run has no estimate left', async () => {
  const summary = (await client.connection.sendRequest(ListRunsRequest.type, {})).find((r) => r.dir === launched)!;
  assert.equal(summary.status, 'completed');
  const expected = spanSeconds(readEvents(launched));
  assert.ok(expected > 0);
  assert.ok(Math.abs(summary.elapsedSeconds! - expected) < 1e-9, `elapsed ${summary.elapsedSeconds} s, the events span ${expected} s`);
  assert.equal(summary.etaSeconds, undefined);
});

test('elapsed time leaves out the time a stopped run sat before its resume; a running run’s estimate is steps left × batch / images per second', async () => {
  const batchSize = 16;
  const config = writeConfig(work, 'timed.crate.yaml', [`optim: {batchSize: ${batchSize}, maxSteps: 1000000}`, 'checkpoint: {every: 1000000}']);
  const { runDir } = await client.connection.sendRequest(LaunchRequest.type, { configPath: config, runsDir: join(work, 'timed-runs') });
  const running = (await client.untilPushed((r) => r.dir === runDir && r.status === 'running' && r.step > 5 && r.imagesPerSecond !== null, 'the run, training')).params.runs.find((r) => r.dir === runDir)!;
  const eta = ((running.totalSteps - running.step) * batchSize) / running.imagesPerSecond!;
  assert.ok(running.etaSeconds !== undefined && Math.abs(running.etaSeconds - eta) <= 1e-9 * eta, `estimate ${running.etaSeconds} s, expected ${eta} s`);

  assert.equal((await client.connection.sendRequest(StopRequest.type, { runDir })).signalled, true);
  const atStop = (await client.untilPushed((r) => r.dir === runDir && r.status === 'stopped', 'the run, stopped')).params.runs.find((r) => r.dir === runDir)!;
  const idle = 2000;
  await sleep(idle);
  const resumedAt = Date.now();
  await client.connection.sendRequest(ResumeRequest.type, { runDir });
  // Pushed lists are searched from the first: the resumed session is told apart by its steps.
  await client.untilPushed((r) => r.dir === runDir && r.status === 'running' && r.step > atStop.step + 5, 'the resumed run, training');
  assert.equal((await client.connection.sendRequest(StopRequest.type, { runDir })).signalled, true);
  await client.untilPushed((r) => r.dir === runDir && r.status === 'stopped' && r.step > atStop.step, 'the resumed run, stopped again');

  // The two sessions told apart by the test's own clock: the resumed trainer's events come after the request.
  const events = readEvents(runDir);
  const second = events.findIndex((e) => Date.parse(e.t) >= resumedAt);
  assert.ok(second > 0, 'events of both sessions');
  const expected = spanSeconds(events.slice(0, second)) + spanSeconds(events.slice(second));
  assert.ok(spanSeconds(events) - expected >= idle / 1000, 'the gap between the sessions is at least the wait');
  const summary = await waitFor('the summary of the whole file', async () => {
    const s = (await client.connection.sendRequest(ListRunsRequest.type, {})).find((r) => r.dir === runDir)!;
    return Math.abs((s.elapsedSeconds ?? -1) - expected) < 1e-9 && s;
  }, 10_000).catch(async () => (await client.connection.sendRequest(ListRunsRequest.type, {})).find((r) => r.dir === runDir)!);
  assert.ok(Math.abs(summary.elapsedSeconds! - expected) < 1e-9, `elapsed ${summary.elapsedSeconds} s, the sessions span ${expected} s (the whole file ${spanSeconds(events)} s)`);
  assert.equal(summary.etaSeconds, undefined);
});
