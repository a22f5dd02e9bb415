// The local scheduler, for real: `crate-lab sweep --scheduler local --parallel 2` trains four tiny
// members in a detached scheduler process; a sweep stopped in the middle, or whose scheduler and
// trainers are SIGKILLed in the middle, finishes after `sweep resume` with the same final weights
// as one that ran straight through.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSweep } from '../trainer/sweep/sweepFile.js';
import { runCli } from './support/cli.js';
import { runInfo } from './support/runs.js';
import {
  assertResumedInPlace,
  assertSameAsStraight,
  assertStoppedCleanly,
  finalWeights,
  firstCheckpoint,
  runsByMember,
  sweepFinished as finished,
  sweepStatus as status,
  writeTinySweep,
} from './support/sweeps.js';
import { waitFor } from './support/waitFor.js';

const tmp = mkdtempSync(join(tmpdir(), 'crate-sweep-'));
const config = writeTinySweep(tmp);

function launch(runsDir: string): string {
  const r = runCli(['sweep', config, '--scheduler', 'local', '--parallel', '2', '--runs-dir', runsDir, '--json']);
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as { dir: string }).dir;
}

const straightWeights = new Map<number, Buffer>();

test('four members through the local scheduler, two at a time: four completed runs grouped by the sweep id', async () => {
  const runsDir = join(tmp, 'straight');
  const sweepDir = launch(runsDir);
  const s = await finished(sweepDir);
  assert.deepEqual(s.counts, { completed: 4 });
  const record = readSweep(sweepDir);
  assert.equal(record.id, s.id);
  assert.equal(record.scheduler, 'local');
  assert.deepEqual(record.varying, ['model.arch', 'seed']);
  assert.deepEqual(record.members.map((m) => m.values), [
    { 'model.arch': 'crate', seed: 0 },
    { 'model.arch': 'crate', seed: 1 },
    { 'model.arch': 'crate-c', seed: 0 },
    { 'model.arch': 'crate-c', seed: 1 },
  ]);
  // The cores divided between the two members that train at once (wasm threads).
  const threads = Math.max(1, Math.floor(availableParallelism() / 2));
  for (const m of record.members) assert.match(readFileSync(join(sweepDir, m.config), 'utf8'), new RegExp(`^threads: ${threads}$`, 'm'));
  const runs = runsByMember(runsDir, s.id);
  assert.equal(runs.size, 4);
  for (const [member, dir] of runs) {
    assert.equal(record.members[member].runDir, dir);
    assert.equal(runInfo(dir).status, 'completed');
    assert.equal(runInfo(dir).name, record.members[member].name);
    straightWeights.set(member, finalWeights(dir));
  }
  // Different members trained different models.
  assert.ok(!straightWeights.get(0)!.equals(straightWeights.get(1)!));
  // Two at a time: the scheduler's log shows no third start before a first member ended.
  const log = readFileSync(join(sweepDir, 'scheduler.log'), 'utf8').split('\n');
  let running = 0;
  for (const line of log) {
    if (/member \d+ \(.*\): (train|resume)/.test(line)) running++;
    if (/member \d+: (completed|stopped|failed)/.test(line)) running--;
    assert.ok(running <= 2, `more than 2 at a time:\n${log.join('\n')}`);
  }
});

test('sweep resume of a finished sweep answers at once with its status: the scheduler it starts has nothing to do and ends', async () => {
  const sweepDir = launch(join(tmp, 'finished'));
  await finished(sweepDir);
  const t = performance.now();
  const r = runCli(['sweep', 'resume', sweepDir]);
  const seconds = (performance.now() - t) / 1000;
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /4 completed; local scheduler not running/);
  // It used to wait 30 s for a lock the scheduler never took, then fail.
  assert.ok(seconds < 15, `resume took ${seconds.toFixed(1)} s`);
  const json = runCli(['sweep', 'resume', sweepDir, '--json']);
  assert.equal(json.status, 0, json.stderr);
  assert.deepEqual(JSON.parse(json.stdout).counts, { completed: 4 });
});

test('sweep stop in the middle leaves runs stopped, not half-written; sweep resume finishes them with the same weights', async () => {
  assert.equal(straightWeights.size, 4, 'needs the straight sweep');
  const runsDir = join(tmp, 'stopped');
  const sweepDir = launch(runsDir);
  await firstCheckpoint(runsDir);
  const stop = runCli(['sweep', 'stop', sweepDir, '--json']);
  assert.equal(stop.status, 0, stop.stderr);
  // With --json, stop answers with the sweep's status as JSON, as `sweep status --json` does.
  const s = status(sweepDir);
  assert.deepEqual(JSON.parse(stop.stdout), s);
  assert.equal(s.active, false);
  assert.ok((s.counts.stopped ?? 0) >= 1, JSON.stringify(s.counts));
  assert.equal((s.counts.stopped ?? 0) + (s.counts.queued ?? 0) + (s.counts.completed ?? 0), 4, JSON.stringify(s.counts));
  for (const dir of runsByMember(runsDir, s.id).values()) assertStoppedCleanly(dir);
  const stopped = [...runsByMember(runsDir, s.id)].filter(([, dir]) => runInfo(dir).status === 'stopped');
  const resume = runCli(['sweep', 'resume', sweepDir]);
  assert.equal(resume.status, 0, resume.stderr);
  await finished(sweepDir);
  assertSameAsStraight(runsDir, sweepDir, straightWeights);
  assertResumedInPlace(runsDir, s.id, stopped);
});

/** A sweep launched into `tmp/<name>`, once a member has a checkpoint; its scheduler's pid. */
async function schedulerInTheMiddle(name: string): Promise<{ runsDir: string; sweepDir: string; scheduler: { pid: number } }> {
  assert.equal(straightWeights.size, 4, 'needs the straight sweep');
  const runsDir = join(tmp, name);
  const sweepDir = launch(runsDir);
  await firstCheckpoint(runsDir);
  return { runsDir, sweepDir, scheduler: JSON.parse(readFileSync(join(sweepDir, 'scheduler.json'), 'utf8')) as { pid: number } };
}

test('the scheduler and its trainers SIGKILLed in the middle: sweep resume finishes with the same weights', async () => {
  const { runsDir, sweepDir, scheduler } = await schedulerInTheMiddle('killed');
  // The scheduler leads its own process group, its trainers with it: a crash of the whole machine's session.
  process.kill(-scheduler.pid, 'SIGKILL');
  // Once the kernel has reaped them (a dead process is briefly still there), none runs.
  const killed = await waitFor('the killed members to show', () => {
    const s = status(sweepDir);
    return !s.active && (s.counts.killed ?? 0) >= 1 && s.counts.running === undefined && s;
  });
  const checkpointed = [...runsByMember(runsDir, killed.id)].filter(([, dir]) => runInfo(dir).status === 'running' && existsSync(join(dir, 'checkpoints', 'latest')));
  assert.ok(checkpointed.length >= 1, 'a killed member has a checkpoint');
  const resume = runCli(['sweep', 'resume', sweepDir]);
  assert.equal(resume.status, 0, resume.stderr);
  await finished(sweepDir);
  assertSameAsStraight(runsDir, sweepDir, straightWeights);
  assertResumedInPlace(runsDir, killed.id, checkpointed);
});

test('only the scheduler SIGKILLed: its trainers go on, and a new scheduler follows them and finishes the sweep', async () => {
  const { runsDir, sweepDir, scheduler } = await schedulerInTheMiddle('orphans');
  process.kill(scheduler.pid, 'SIGKILL');
  await waitFor('the scheduler to be gone', () => !status(sweepDir).active);
  assert.equal(runCli(['sweep', 'resume', sweepDir]).status, 0);
  // One scheduler per sweep: a second one started while the first works leaves the sweep to it.
  const second = runCli(['sweep', 'scheduler', sweepDir]);
  assert.equal(second.status, 0, second.stderr);
  assert.match(second.stdout, /another scheduler works on .*; leaving it to that one/);
  await finished(sweepDir);
  assertSameAsStraight(runsDir, sweepDir, straightWeights);
  const log = readFileSync(join(sweepDir, 'scheduler.log'), 'utf8');
  assert.equal(log.match(/scheduling 4 members/g)?.length, 2, log);
});
