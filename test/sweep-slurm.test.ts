// The Slurm scheduler, for real, on a one-node Slurm cluster (test/support/slurmCluster.ts):
// `crate-lab sweep --scheduler slurm --parallel 2` submits one job array that trains four tiny
// members; `sweep stop` (scancel) in the middle leaves the runs stopped, never half-written, and
// `sweep resume` finishes them with the same final weights as a sweep that ran straight through;
// a member Slurm requeues (preemption) continues from its checkpoint by itself. Slurm's own errors
// reach the user verbatim with the command line; sbatch missing is one line; with Slurm down,
// `sweep status` still shows what the runs on disk tell, and says in one line that Slurm does not answer.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ListRunsRequest } from '../protocol/customMessages.js';
import type { RunSummary } from '../protocol/runData.js';
import { readSweep } from '../trainer/sweep/sweepFile.js';
import { runCli } from './support/cli.js';
import { LanguageServer } from './support/languageServer.js';
import { runInfo } from './support/runs.js';
import { type SlurmCluster, startSlurmCluster } from './support/slurmCluster.js';
import {
  assertResumedInPlace,
  assertSameAsStraight,
  assertStoppedCleanly,
  finalWeights,
  firstCheckpoint,
  runsByMember,
  sweepFinished,
  type SweepStatus,
  sweepStatus,
  writeTinySweep,
} from './support/sweeps.js';
import { waitFor } from './support/waitFor.js';

const tmp = mkdtempSync(join(tmpdir(), 'crate-sweep-slurm-'));
// The partition from the config's sweep.slurm block; the time limit from a flag.
const config = writeTinySweep(tmp, '  slurm: { partition: debug, extraArgs: ["--comment=crate-lab test"] }\n');
let cluster: SlurmCluster;
/** The clients' environment for the CLI: the test cluster's slurm.conf. */
let env: Record<string, string>;

before(async () => {
  cluster = await startSlurmCluster();
  env = { SLURM_CONF: cluster.confPath };
});
after(async () => {
  await cluster?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

function launch(runsDir: string, ...extra: string[]): string {
  const r = runCli(['sweep', config, '--scheduler', 'slurm', '--parallel', '2', '--time', '00:10:00', '--runs-dir', runsDir, '--json', ...extra], env);
  assert.equal(r.status, 0, `${r.stderr}\n${cluster.logs()}`);
  return (JSON.parse(r.stdout) as { dir: string }).dir;
}

const status = (sweepDir: string) => sweepStatus(sweepDir, env);
const finished = (sweepDir: string) => sweepFinished(sweepDir, env).catch((e: Error) => {
  throw new Error(`${e.message}\n${JSON.stringify(status(sweepDir).members)}\n${cluster.logs()}`);
});

function scontrol(...args: string[]): void {
  const r = spawnSync('scontrol', args, { env: cluster.env, encoding: 'utf8' });
  assert.equal(r.status, 0, `scontrol ${args.join(' ')}: ${r.stderr}`);
}

/** The real language server (dist/server/server.js over stdio) watching `runsDir`: its listRuns, and its end. */
async function languageServer(runsDir: string): Promise<{ listRuns: () => Promise<RunSummary[]>; stop: () => Promise<void> }> {
  const server = new LanguageServer();
  await server.initialize({ runsDirs: [runsDir], rescanMs: 300 });
  return {
    listRuns: () => server.connection.sendRequest(ListRunsRequest.type, { runsDir }),
    stop: () => server.stop(),
  };
}

const straightWeights = new Map<number, Buffer>();

test('four members through the slurm scheduler, two at a time: one job array, four completed runs, seen by the server while they train, Slurm states in sweep status', async () => {
  const runsDir = join(tmp, 'straight');
  mkdirSync(runsDir);
  const server = await languageServer(runsDir);
  const sweepDir = launch(runsDir);
  const names = new Set(readSweep(sweepDir).members.map((m) => m.name));
  // The members' runs, written by the array's tasks, are listed by the server as they train.
  const seenRunning = await waitFor('the server to list a member training', async () => (await server.listRuns()).find((r) => names.has(r.name) && r.status === 'running' && r.step > 0));
  assert.ok(seenRunning.step < seenRunning.totalSteps);
  const record = readSweep(sweepDir);
  assert.equal(record.scheduler, 'slurm');
  const [submission, ...more] = record.slurm?.submissions ?? [];
  assert.equal(more.length, 0, 'one job array');
  assert.deepEqual(submission.members, [0, 1, 2, 3]);
  for (const arg of ['--array=0-3%2', '--requeue', '--cpus-per-task=1', '--time=00:10:00', '--partition=debug', '--comment=crate-lab test']) {
    assert.ok(submission.command.includes(arg), `${arg} in ${submission.command.join(' ')}`);
  }
  assert.ok(!submission.command.some((a) => a.startsWith('--gres')), 'no GPU for a wasm sweep');
  assert.deepEqual(record.members.map((m) => m.jobId), [0, 1, 2, 3].map((i) => `${submission.jobId}_${i}`));
  // Each member trains with the CPUs Slurm gives it.
  for (const m of record.members) assert.match(readFileSync(join(sweepDir, m.config), 'utf8'), /^threads: 1$/m);

  const s = await finished(sweepDir);
  assert.deepEqual(s.counts, { completed: 4 });
  assert.deepEqual(s.members.map((m) => [m.jobId, m.jobState]), [0, 1, 2, 3].map((i) => [`${submission.jobId}_${i}`, 'COMPLETED']));
  const runs = runsByMember(runsDir, s.id);
  assert.equal(runs.size, 4);
  for (const [member, dir] of runs) {
    assert.equal(runInfo(dir).status, 'completed');
    assert.equal(runInfo(dir).name, record.members[member].name);
    straightWeights.set(member, finalWeights(dir));
  }
  assert.ok(!straightWeights.get(0)!.equals(straightWeights.get(1)!));
  // The trainer's output is the member's log, as with the local scheduler.
  assert.match(readFileSync(join(sweepDir, 'logs', '0000.log'), 'utf8'), /"type":"end".*"status":"completed"/);
  const listed = await waitFor('the server to list the four completed members', async () => {
    const list = (await server.listRuns()).filter((r) => names.has(r.name));
    return list.length === 4 && list.every((r) => r.status === 'completed') && list;
  }, 10_000);
  assert.deepEqual(new Set(listed.map((r) => r.dir)), new Set(runs.values()));
  await server.stop();
});

test('sweep stop (scancel) in the middle leaves runs stopped, not half-written; sweep resume finishes them with the same weights', async () => {
  assert.equal(straightWeights.size, 4, 'needs the straight sweep');
  const runsDir = join(tmp, 'stopped');
  const sweepDir = launch(runsDir);
  await firstCheckpoint(runsDir);
  const stop = runCli(['sweep', 'stop', sweepDir], env);
  assert.equal(stop.status, 0, stop.stderr);
  const s = status(sweepDir);
  assert.equal(s.active, false);
  assert.ok((s.counts.stopped ?? 0) >= 1, JSON.stringify(s.members));
  assert.equal((s.counts.stopped ?? 0) + (s.counts.queued ?? 0) + (s.counts.completed ?? 0), 4, JSON.stringify(s.members));
  for (const m of s.members) if (m.state !== 'completed') assert.equal(m.jobState, 'CANCELLED', JSON.stringify(m));
  for (const dir of runsByMember(runsDir, s.id).values()) assertStoppedCleanly(dir);
  const stopped = [...runsByMember(runsDir, s.id)].filter(([, dir]) => runInfo(dir).status === 'stopped');

  const resume = runCli(['sweep', 'resume', sweepDir], env);
  assert.equal(resume.status, 0, resume.stderr);
  const record = readSweep(sweepDir);
  const second = record.slurm!.submissions[1];
  assert.ok(second, 'resume submitted a second job array');
  // Only the members that had not completed go again.
  assert.deepEqual(second.members, s.members.filter((m) => m.state !== 'completed').map((m) => m.index));
  await finished(sweepDir);
  assertSameAsStraight(runsDir, sweepDir, straightWeights, env);
  assertResumedInPlace(runsDir, s.id, stopped);
});

test('a member Slurm requeues while it trains (preemption) resumes from its last checkpoint by itself, with the same weights', async () => {
  assert.equal(straightWeights.size, 4, 'needs the straight sweep');
  const runsDir = join(tmp, 'requeued');
  const sweepDir = launch(runsDir);
  const runName = await firstCheckpoint(runsDir);
  const runDir = join(runsDir, runName);
  const member = (runInfo(runDir) as ReturnType<typeof runInfo> & { sweep: { member: number } }).sweep.member;
  const task = readSweep(sweepDir).members[member].jobId!;
  scontrol('requeue', task);
  // A requeued job waits out a begin-time delay (about two minutes); an administrator's "now" skips it.
  await waitFor(`${task} to be requeued`, () => status(sweepDir).members[member].jobState === 'PENDING', 30_000);
  scontrol('update', `JobId=${task}`, 'StartTime=now');
  await finished(sweepDir);
  assertSameAsStraight(runsDir, sweepDir, straightWeights, env);
  assertResumedInPlace(runsDir, status(sweepDir).id, [[member, runDir]]);
  assert.match(readFileSync(join(sweepDir, 'logs', `${String(member).padStart(4, '0')}.log`), 'utf8'), /"type":"end".*"status":"stopped"/, 'the requeue stopped the trainer cleanly first');
});

test("a partition Slurm does not have: sbatch's own words and the command line, one line, exit 2, no sweep left behind", () => {
  const runsDir = join(tmp, 'bad-partition');
  const r = runCli(['sweep', config, '--scheduler', 'slurm', '--partition', 'no-such-partition', '--runs-dir', runsDir], env);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^crate-lab sweep: sbatch --parsable .* --partition=no-such-partition .*array\.sh failed \(exit 1\): sbatch: error: invalid partition specified: no-such-partition sbatch: error: Batch job submission failed: Invalid partition name specified\n$/);
  assert.deepEqual(existsSync(runsDir) ? readdirSync(runsDir) : [], []);
});

test('bad Slurm settings: one line naming the flag or the config field', () => {
  const runsDir = join(tmp, 'bad-settings');
  const cases: [string[], RegExp][] = [
    [['--time', 'soon'], /^crate-lab sweep: --time: must be a Slurm time limit/],
    [['--cpus-per-task', '0'], /^crate-lab sweep: --cpus-per-task must be/],
    [['--sbatch-arg=--array=0-99'], /^crate-lab sweep: --sbatch-arg: may not set what crate-lab sets itself \(--array, /],
    [['--partition=-x'], /^crate-lab sweep: --partition: must be a Slurm partition name/],
  ];
  for (const [flags, expected] of cases) {
    const r = runCli(['sweep', config, '--scheduler', 'slurm', '--runs-dir', runsDir, ...flags], env);
    assert.equal(r.status, 2, `${flags.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, expected, flags.join(' '));
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  const local = runCli(['sweep', config, '--partition', 'debug', '--runs-dir', runsDir], env);
  assert.equal(local.status, 2);
  assert.equal(local.stderr, 'crate-lab sweep: --partition is a setting of the slurm scheduler: give --scheduler slurm too\n');
  assert.equal(existsSync(runsDir), false, 'nothing made');
});

test('sbatch missing: one line naming the Debian package', () => {
  const runsDir = join(tmp, 'no-sbatch');
  const emptyBin = join(tmp, 'empty-bin');
  mkdirSync(emptyBin, { recursive: true });
  const r = runCli(['sweep', config, '--scheduler', 'slurm', '--runs-dir', runsDir], { ...env, PATH: emptyBin });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /^crate-lab sweep: sbatch is not installed .*Debian's slurm-client package.*\n$/);
});

// Last: it ends the cluster's controller.
test('Slurm down: sweep status shows the members from sweep.json and their runs, with one line that says slurmctld does not answer; sweep stop fails with that line', async () => {
  const runsDir = join(tmp, 'down');
  const sweepDir = launch(runsDir);
  const { id } = readSweep(sweepDir);
  // One member's run ended before the controller stops: its state is still known without Slurm.
  await waitFor('a member to complete', () => [...runsByMember(runsDir, id).values()].some((dir) => runInfo(dir).status === 'completed'));
  await cluster.stopController();
  const downLine = /^crate-lab sweep: Slurm is down or unreachable: its controller \(slurmctld\) does not answer.*; members' states are from sweep\.json and their runs, "unknown" where only Slurm can tell\n$/;

  const r = runCli(['sweep', 'status', sweepDir, '--json'], env);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, downLine);
  const shown = JSON.parse(r.stdout) as SweepStatus & { unreachable?: string };
  assert.equal(shown.active, null);
  assert.match(shown.unreachable ?? '', /^Slurm is down or unreachable/);
  // Each member as sweep.json and its run on disk say, read here from the files.
  const record = readSweep(sweepDir);
  const runs = runsByMember(runsDir, id);
  const live = new Set(['running', 'stopping']);
  for (const m of record.members) {
    const run = runs.get(m.index);
    const status = run ? runInfo(run).status : undefined;
    const want = m.state !== 'running' ? m.state : status && !live.has(status) ? status : 'unknown';
    assert.equal(shown.members[m.index].state, want, `member ${m.index} (sweep.json ${m.state}, run ${status})`);
    assert.equal(shown.members[m.index].jobState, null);
  }
  assert.ok(shown.members.some((m) => m.state === 'completed'), JSON.stringify(shown.members));

  const text = runCli(['sweep', 'status', sweepDir], env);
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stderr, downLine);
  assert.match(text.stdout, new RegExp(`^sweep ${id}: .*; slurm scheduler not answering\n`));

  const stop = runCli(['sweep', 'stop', sweepDir], env);
  assert.equal(stop.status, 2, stop.stderr);
  assert.match(stop.stderr, /^crate-lab sweep: Slurm is down or unreachable: its controller \(slurmctld\) does not answer[^\n]*\n$/);
});
