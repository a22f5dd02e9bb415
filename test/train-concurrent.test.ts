// Trainers as other processes see them (issue 3, docs/run-directory.md): two runs training at once into one
// runs directory do not touch each other's files, and run.json's heartbeat tells a live trainer
// (refreshed even while no step completes) from one that was killed (frozen, then stale).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { loadCheckpoint, latestCheckpointDir } from '../trainer/run/checkpoints.js';
import { heartbeatIntervalMs, staleHeartbeatMs } from '../trainer/run/format.js';
import { RunWriter } from '../trainer/run/runWriter.js';
import { StopSignal } from '../trainer/train/stopSignal.js';
import { RunState } from '../server/runs/runStore.js';
import { events, exited, runInfo, spawnCli, startTraining, watchOneLongStep } from './support/runs.js';
import { waitFor } from './support/waitFor.js';

const tmp = mkdtempSync(join(tmpdir(), 'crate-concurrent-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function writeConfig(name: string, text: string): string {
  const file = join(tmp, `${name}.crate.yaml`);
  writeFileSync(file, text);
  return file;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

test('two runs train at once into the same runs directory without interfering', async () => {
  const steps = 200;
  const config = writeConfig(
    'pair',
    `name: pair
seed: 4
backend: wasm
threads: 1
model: { arch: crate-alpha, depth: 1, width: 16, heads: 2 }
data: { kind: synthetic-subspaces, trainSize: 256, testSize: 32 }
optim: { batchSize: 16, maxSteps: ${steps}, warmup: 4 }
eval: { every: 50 }
introspect: { every: 50, probeImages: 2 }
checkpoint: { every: 50, keep: 2 }
`,
  );
  // Not there yet: both trainers make it at the same moment.
  const runsDir = join(tmp, 'shared', 'runs');
  const children = [spawnCli(['train', config, '--runs-dir', runsDir]), spawnCli(['train', config, '--runs-dir', runsDir])];
  const results = await Promise.all(children.map(exited));
  for (const r of results) assert.equal(r.code, 0, r.stderr);

  const runs = readdirSync(runsDir).map((d) => join(runsDir, d));
  assert.equal(runs.length, 2, `two run directories: ${runs.join(', ')}`);
  const pids = runs.map((dir) => runInfo(dir).pid).sort();
  assert.deepEqual(pids, children.map((c) => c.pid).sort(), 'each run directory belongs to one trainer');

  const span = (dir: string): [number, number] => {
    const times = events(dir).filter((e) => e.type === 'scalars').map((e) => Date.parse(e.t));
    return [Math.min(...times), Math.max(...times)];
  };
  const [a, b] = runs.map(span);
  assert.ok(a[0] < b[1] && b[0] < a[1], 'the two runs trained at the same time (else this test proves nothing)');

  for (const dir of runs) {
    const info = runInfo(dir);
    assert.equal(info.status, 'completed');
    assert.equal(info.id, basename(dir));
    const all = events(dir);
    assert.deepEqual(all.flatMap((e) => (e.type === 'scalars' ? [e.step] : [])), Array.from({ length: steps }, (_, i) => i + 1), `${dir}: every step exactly once`);
    assert.equal(all.filter((e) => e.type === 'status').length, 1, `${dir}: one end`);
    const latest = latestCheckpointDir(dir)!;
    assert.equal(loadCheckpoint(latest).state.step, steps);
    assert.deepEqual(readdirSync(join(dir, 'checkpoints')).sort(), ['latest', 'step-00000150', 'step-00000200']);
  }
  // Same config and seed: unless one disturbed the other, they end with the same weights.
  const [wa, wb] = runs.map((dir) => loadCheckpoint(latestCheckpointDir(dir)!).weights);
  for (const [name, t] of wa) assert.deepEqual(wb.get(name)!.data, t.data, `${name} differs between the two runs`);
});

test('the heartbeat is refreshed while no step completes, and freezes when the trainer is killed', async (t) => {
  // Evaluating a million images takes far longer than this test watches, and completes no step:
  // only the heartbeat timer can keep run.json fresh then.
  const config = writeConfig(
    'watched',
    `name: watched
seed: 1
backend: wasm
model: { arch: crate-alpha, depth: 1, width: 8, heads: 2 }
data: { kind: synthetic-subspaces, trainSize: 64, testSize: 1000000, validationFraction: 0 }
optim: { batchSize: 32, maxSteps: 1000 }
eval: { every: 2 }
introspect: { every: 0 }
checkpoint: { every: 1000 }
`,
  );
  const runsDir = join(tmp, 'watched');
  // Killed if an assertion fails first: its evaluation would run for minutes.
  const { child, result, runDir } = await startTraining(t, ['train', config, '--runs-dir', runsDir], runsDir);

  // Watch until one step has lasted 2.5 heartbeat intervals; the heartbeat may never be older
  // than two (the watcher's own limit, staleHeartbeatMs, is four).
  const stillStep: { step: number; since: number; beats: Set<string> } = { step: -1, since: 0, beats: new Set() };
  const deadline = Date.now() + 60_000;
  for (;;) {
    const info = runInfo(runDir);
    const now = Date.now();
    assert.equal(info.status, 'running');
    const age = now - Date.parse(info.heartbeat);
    assert.ok(age < 2 * heartbeatIntervalMs, `heartbeat is ${age} ms old at step ${info.step}`);
    if (info.step !== stillStep.step) Object.assign(stillStep, { step: info.step, since: now, beats: new Set() });
    stillStep.beats.add(info.heartbeat);
    if (now - stillStep.since >= 2.5 * heartbeatIntervalMs) break;
    assert.ok(now < deadline, 'no step lasted long enough to test the heartbeat timer');
    await sleep(100);
  }
  assert.ok(stillStep.beats.size >= 2, 'the heartbeat advanced while the step did not');

  child.kill('SIGKILL');
  assert.equal((await result).signal, 'SIGKILL');
  const killed = runInfo(runDir);
  assert.equal(killed.status, 'running', 'a killed trainer cannot mark its run; the stale heartbeat tells');
  assert.equal(killed.pid, child.pid);
  assert.throws(() => process.kill(killed.pid, 0), /ESRCH/);
  await sleep(staleHeartbeatMs + 500);
  const later = runInfo(runDir);
  assert.equal(later.heartbeat, killed.heartbeat, 'nothing refreshes a dead trainer’s heartbeat');
  assert.ok(Date.now() - Date.parse(later.heartbeat) > staleHeartbeatMs, 'the heartbeat is stale by the watcher’s rule');
});

test('the heartbeat beats through one synchronous micro-batch longer than a watcher waits, and a stop lands after it', async (t) => {
  // The cpu backend computes a micro-batch in one synchronous call, as wasm does (crate-alpha small
  // at 224/16 spent 11–24 s in one): about 1.5 s per image here, six images in one micro-batch.
  // The training thread cannot run a timer meanwhile; the heartbeat must come from elsewhere.
  const config = writeConfig(
    'one-long-call',
    `name: one-long-call
backend: cpu
model: { arch: crate-alpha, depth: 1, width: 256, heads: 4, image: 32, patch: 4, channels: 1, classes: 4 }
data: { kind: synthetic-subspaces, trainSize: 64, testSize: 4, image: 32, channels: 1, patch: 4, classes: 4 }
optim: { batchSize: 6, maxSteps: 3 }
introspect: { every: 0 }
eval: { every: 1000 }
checkpoint: { every: 1000 }
`,
  );
  const runsDir = join(tmp, 'one-long-call');
  const { child, result, runDir } = await startTraining(t, ['train', config, '--runs-dir', runsDir], runsDir);
  const watcher = new RunState(runDir, false);

  // Watch one step for 2.5 heartbeat intervals: the beat stays younger than two, and the server's
  // reading of run.json (its threshold: staleHeartbeatMs) never calls the live trainer failed.
  const still = await watchOneLongStep(runDir, 3, (_, now) => {
    watcher.refresh();
    const seen = watcher.summary(now);
    assert.equal(seen.status, 'running', `the server reports the live trainer ${seen.status}: ${seen.statusReason}`);
  });
  assert.ok(still.beats.size >= 2, 'the heartbeat advanced during the step');
  assert.ok(staleHeartbeatMs > 2 * heartbeatIntervalMs, 'the watcher waits longer than the test allows');

  // The stop is taken when the micro-batch returns: the run checkpoints and ends after this step.
  const signalled = Date.now();
  child.kill('SIGTERM');
  const r = await result;
  t.diagnostic(`a step stood still for ${((signalled - still.since) / 1000).toFixed(1)} s; the stop landed ${((Date.now() - signalled) / 1000).toFixed(1)} s after SIGTERM`);
  assert.equal(r.code, 0, r.stderr);
  const info = runInfo(runDir);
  assert.equal(info.status, 'stopped');
  assert.ok(info.step <= still.step + 1, `stopped at step ${info.step}, not after the step that was computing (${still.step + 1})`);
});

test('a stop signal that comes after the run has stopped (Slurm signals every process of a job, and launchers pass it on) leaves run.json stopped', async () => {
  const dir = join(tmp, 'late-signal');
  const run = RunWriter.create(dir, { id: 'late-signal', name: 'late', configHash: 'x', backend: 'cpu', totalSteps: 10, sweep: undefined }, 'name: late\n');
  const stop = new StopSignal();
  try {
    stop.attach(run);
    process.kill(process.pid, 'SIGTERM');
    await waitFor('the stop signal', () => stop.stopRequested);
    assert.equal(runInfo(dir).status, 'stopping');
    // The trainer's final write, then the same signal again (scancel's, then the launcher's).
    run.update({ status: 'stopped' });
    process.kill(process.pid, 'SIGTERM');
    await sleep(200);
    assert.equal(runInfo(dir).status, 'stopped');
  } finally {
    stop.dispose();
  }
});
