// The sweep's Slurm calls (trainer/sweep/slurm.ts) against a real one-node Slurm cluster
// (test/support/slurmCluster.ts): job arrays run each member by its task id without a shell, a
// real `crate-lab train` runs as a member, cancel and requeue work, and Slurm's errors reach the
// caller verbatim. A cluster that cannot start fails the file with its reason and logs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { SlurmCommandError, SlurmDownError, SlurmMissingError, type TaskState, cancel, jobStates, submitArray } from '../trainer/sweep/slurm.js';
import { cliPath } from './support/cli.js';
import { runInfo } from './support/runs.js';
import { type SlurmCluster, startSlurmCluster } from './support/slurmCluster.js';
import { waitFor } from './support/waitFor.js';

const tmp = mkdtempSync(join(tmpdir(), 'crate-slurm-test-'));
let cluster: SlurmCluster;

before(async () => {
  cluster = await startSlurmCluster();
});
after(async () => {
  await cluster?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const opts = () => ({ env: cluster.env });

/** jobStates every 200 ms until every task is in a final state; the states then. */
async function finalStates(jobId: string, timeoutMs = 60_000): Promise<TaskState[]> {
  const live = ['PENDING', 'RUNNING', 'COMPLETING', 'CONFIGURING', 'REQUEUED', 'SUSPENDED'];
  return waitFor(`job ${jobId} to end`, async () => {
    const states = await jobStates(jobId, opts());
    return states.length > 0 && states.every((s) => !live.includes(s.state)) && states;
  }, timeoutMs).catch((e: Error) => {
    throw new Error(`${e.message}\n${cluster.logs()}`);
  });
}

function scontrol(...args: string[]): void {
  const r = spawnSync('scontrol', args, { env: cluster.env, encoding: 'utf8' });
  assert.equal(r.status, 0, `scontrol ${args.join(' ')}: ${r.stderr}`);
}

test('a job array runs member i as task i, its argv and env passed without a shell, and jobStates follows it to the end', async () => {
  const dir = join(tmp, 'array');
  // Values a shell would expand: they must arrive as written.
  const hostile = (i: number) => `$(touch ${join(tmp, 'pwned')}) '"; ${i}`;
  const write = 'require("fs").writeFileSync(process.argv[1], process.argv[2] + "|" + process.env.MEMBER_NOTE + "|" + process.env.SLURM_ARRAY_TASK_ID)';
  const members = [0, 1, 2].map((i) => ({
    argv: [process.execPath, '-e', write, join(tmp, `out-${i}.txt`), hostile(i)],
    env: { MEMBER_NOTE: `note ${i} $HOME` },
  }));
  const { jobId, submissionDir, command } = await submitArray({ name: 'crate-test-array', members, maxParallel: 2, dir, cpusPerTask: 1, time: '00:05:00', partition: cluster.partition, requeue: true }, opts());
  assert.match(jobId, /^\d+$/);
  assert.ok(command.includes('--array=0-2%2'), command.join(' '));
  // Queued members are one record in squeue ("0-2%2" or what remains of it): each is listed.
  assert.deepEqual((await jobStates(jobId, opts())).map((s) => s.taskId), [0, 1, 2]);
  const states = await finalStates(jobId);
  assert.deepEqual(states.map((s) => [s.taskId, s.state, s.exitCode]), [[0, 'COMPLETED', 0], [1, 'COMPLETED', 0], [2, 'COMPLETED', 0]], JSON.stringify(states));
  for (const i of [0, 1, 2]) assert.equal(readFileSync(join(tmp, `out-${i}.txt`), 'utf8'), `${hostile(i)}|note ${i} $HOME|${i}`);
  assert.equal(existsSync(join(tmp, 'pwned')), false, 'a member value was run by a shell');
  assert.deepEqual(readdirSync(submissionDir).sort(), [`${jobId}_0.log`, `${jobId}_1.log`, `${jobId}_2.log`, 'array.sh', 'launch.cjs', 'members.json']);
});

test('a failing member is FAILED with its exit status; the others complete', async () => {
  const members = [{ argv: [process.execPath, '-e', 'process.exit(3)'] }, { argv: [process.execPath, '-e', ''] }];
  const { jobId } = await submitArray({ name: 'crate-test-fail', members, maxParallel: 2, dir: join(tmp, 'fail') }, opts());
  const states = await finalStates(jobId);
  assert.deepEqual(states.map((s) => [s.taskId, s.state, s.exitCode]), [[0, 'FAILED', 3], [1, 'COMPLETED', 0]], JSON.stringify(states));
});

test('a member runs a real crate-lab train to completion', async () => {
  const config = join(tmp, 'tiny.crate.yaml');
  writeFileSync(config, `name: slurm-tiny
backend: wasm
model: { arch: crate-alpha, depth: 1, width: 16, heads: 2 }
data: { kind: synthetic-subspaces, trainSize: 64, testSize: 32 }
optim: { batchSize: 16, maxSteps: 4, lr: 0.003, warmup: 1 }
`);
  const runsDir = join(tmp, 'runs');
  const members = [{ argv: [process.execPath, cliPath, 'train', config, '--runs-dir', runsDir] }];
  const { jobId, submissionDir } = await submitArray({ name: 'crate-test-train', members, maxParallel: 1, dir: join(tmp, 'train'), cpusPerTask: 1 }, opts());
  const states = await finalStates(jobId, 120_000);
  const log = readFileSync(join(submissionDir, `${jobId}_0.log`), 'utf8');
  assert.deepEqual(states.map((s) => [s.state, s.exitCode]), [['COMPLETED', 0]], log);
  const [run] = readdirSync(runsDir);
  const info = runInfo(join(runsDir, run));
  assert.equal(info.status, 'completed', log);
  assert.equal(info.step, 4);
});

test('cancel stops a running member and leaves it CANCELLED', async () => {
  const members = [{ argv: [process.execPath, '-e', 'setTimeout(() => {}, 600000)'] }];
  const { jobId } = await submitArray({ name: 'crate-test-cancel', members, maxParallel: 1, dir: join(tmp, 'cancel') }, opts());
  await waitFor('the member to run', async () => (await jobStates(jobId, opts()))[0]?.state === 'RUNNING', 30_000);
  await cancel(jobId, opts());
  const states = await finalStates(jobId, 30_000);
  assert.equal(states[0].state, 'CANCELLED', JSON.stringify(states));
});

test('a requeued member runs again (scontrol requeue) and jobStates counts the restart', async () => {
  const runs = join(tmp, 'requeue-runs.txt');
  const append = 'require("fs").appendFileSync(process.argv[1], "run " + process.env.SLURM_RESTART_COUNT + "\\n")';
  const members = [{ argv: [process.execPath, '-e', append, runs] }];
  const { jobId } = await submitArray({ name: 'crate-test-requeue', members, maxParallel: 1, dir: join(tmp, 'requeue'), requeue: true }, opts());
  await finalStates(jobId);
  scontrol('requeue', `${jobId}_0`);
  // A requeued job waits out a begin-time delay (about two minutes); an administrator's "now" skips it.
  scontrol('update', `JobId=${jobId}_0`, 'StartTime=now');
  const states = await waitFor('the requeued member to complete', async () => {
    const s = await jobStates(jobId, opts());
    return s[0]?.state === 'COMPLETED' && s[0].restarts === 1 && s;
  }, 60_000);
  assert.equal(states[0].exitCode, 0);
  assert.equal(readFileSync(runs, 'utf8'), 'run undefined\nrun 1\n');
});

test("a partition Slurm does not have: sbatch's own error, verbatim, with the command line", async () => {
  const submit = submitArray({ name: 'crate-test-bad', members: [{ argv: ['true'] }], maxParallel: 1, dir: join(tmp, 'bad'), partition: 'no-such-partition' }, opts());
  await assert.rejects(submit, (e: Error) => {
    assert.ok(e instanceof SlurmCommandError, e.message);
    assert.match(e.message, /^sbatch --parsable --job-name=crate-test-bad --array=0-0%1 .* --partition=no-such-partition .*array\.sh failed \(exit 1\): /);
    assert.match(e.message, /sbatch: error: invalid partition specified: no-such-partition\nsbatch: error: Batch job submission failed: Invalid partition name specified$/);
    return true;
  });
});

test('sbatch missing: an error that names the Debian package', async () => {
  const submit = submitArray({ name: 'crate-test-nosbatch', members: [{ argv: ['true'] }], maxParallel: 1, dir: join(tmp, 'nosbatch') }, { env: { ...cluster.env, PATH: join(tmp, 'empty-bin') } });
  await assert.rejects(submit, (e: Error) => e instanceof SlurmMissingError && /^sbatch is not installed .*Debian's slurm-client package/.test(e.message));
});

test('Slurm down: jobStates, cancel and submitArray say that slurmctld does not answer', async () => {
  const { jobId } = await submitArray({ name: 'crate-test-down', members: [{ argv: ['true'] }], maxParallel: 1, dir: join(tmp, 'down') }, opts());
  await cluster.stopController();
  const env = cluster.env;
  const down = (e: Error) => e instanceof SlurmDownError && /^Slurm is down or unreachable: its controller \(slurmctld\) does not answer/.test(e.message);
  await assert.rejects(jobStates(jobId, { env }), down);
  await assert.rejects(cancel(jobId, { env }), down);
  await assert.rejects(submitArray({ name: 'crate-test-down', members: [{ argv: ['true'] }], maxParallel: 1, dir: join(tmp, 'down') }, { env }), down);
});
