// Sweeps through the language server, as a client sees them: the real server bundle over stdio,
// the real `crate-lab sweep` (local scheduler, detached) training tiny members of the synthetic
// set. What is checked comes from the disk (sweep.json, run.json), read here, not from the server.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompareRunsRequest, LaunchSweepRequest, ListRunsRequest, ListSweepsRequest, ResumeSweepRequest, RunsChangedNotification, StopSweepRequest } from '../protocol/customMessages.js';
import { ErrorCodes } from '../protocol/errorCodes.js';
import type { SweepSummary } from '../protocol/runData.js';
import { slurmFlags } from '../server/runs/sweepLaunch.js';
import { LanguageServer } from './support/languageServer.js';
import { repoRoot } from './support/reference.js';
import { waitFor } from './support/waitFor.js';

test('slurmFlags: the Slurm settings as crate-lab sweep flags, each only when set, one --sbatch-arg per extra argument', () => {
  assert.deepEqual(slurmFlags({ partition: 'gpu', account: 'lab', time: '2:00:00', sbatchArgs: ['--qos=short', '--mem=8G'] }), [
    '--partition', 'gpu', '--account', 'lab', '--time', '2:00:00', '--sbatch-arg', '--qos=short', '--sbatch-arg', '--mem=8G',
  ]);
  assert.deepEqual(slurmFlags({ partition: '', time: '10' }), ['--time', '10']);
  assert.deepEqual(slurmFlags(undefined), []);
});

/** The server with the runs lists it pushed. */
class Client extends LanguageServer {
  readonly changes = this.notifications(RunsChangedNotification.type);
}

let client: Client;
let work: string;

/** A tiny config whose sweep has four members (two architectures × two seeds). */
function sweepConfig(name: string, steps: number, sweep = 'sweep:\n  grid:\n    model.arch: [crate, crate-c]\n  seeds: [0, 1]\n'): string {
  const file = join(work, `${name}.crate.yaml`);
  writeFileSync(
    file,
    `name: ${name}
seed: 3
backend: wasm
model: { arch: crate, depth: 1, width: 16, heads: 2 }
data: { kind: synthetic-subspaces, trainSize: 256, testSize: 32 }
optim: { batchSize: 32, maxSteps: ${steps}, lr: 0.003, warmup: 3 }
eval: { every: 1000 }
introspect: { every: 0 }
checkpoint: { every: 5, keep: 2 }
runsDir: runs-${name}
${sweep}`,
  );
  return file;
}

interface SweepJson {
  id: string;
  varying: string[];
  members: { index: number; values: Record<string, unknown> }[];
}

const readSweepJson = (dir: string) => JSON.parse(readFileSync(join(dir, 'sweep.json'), 'utf8')) as SweepJson;
const sweepOf = async (dir: string): Promise<SweepSummary | undefined> => (await client.connection.sendRequest(ListSweepsRequest.type, {})).find((s) => s.dir === dir);

before(async () => {
  const built = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build.mjs')], { encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  work = mkdtempSync(join(tmpdir(), 'crate-server-sweeps-'));
  client = new Client();
  await client.initialize({ rescanMs: 300 });
});

after(async () => {
  await client?.stop();
});

test('launchSweep: the members train; listSweeps and runsChanged count them; each run names its member and values; compare takes the whole sweep', async () => {
  const config = sweepConfig('grid', 20);
  const launched = await client.connection.sendRequest(LaunchSweepRequest.type, { configPath: config, scheduler: 'local', parallel: 2 });
  assert.equal(launched.members, 4);
  const record = readSweepJson(launched.sweepDir);
  assert.equal(record.id, launched.id);
  assert.equal(launched.sweepDir, join(work, 'runs-grid', launched.id));
  assert.match(readFileSync(launched.logFile, 'utf8'), /"type":"sweep"/);

  const done = await waitFor('the sweep to finish', async () => {
    const s = await sweepOf(launched.sweepDir);
    return s?.counts.done === 4 && s;
  });
  assert.deepEqual(done.counts, { done: 4, running: 0, queued: 0, failed: 0, stopped: 0 });
  assert.equal(done.members, 4);
  assert.equal(done.scheduler, 'local');
  assert.equal(done.parallel, 2);
  assert.deepEqual(done.varying, record.varying);
  assert.equal(done.runDirs.length, 4);

  // Each member run: run.json's sweep (read here), plus its values from sweep.json.
  const runs = await client.connection.sendRequest(ListRunsRequest.type, {});
  for (const [i, dir] of done.runDirs.entries()) {
    const info = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { sweep: { id: string; member: number } };
    assert.deepEqual(info.sweep, { id: record.id, member: i });
    const summary = runs.find((r) => r.dir === dir);
    assert.deepEqual(summary?.sweep, { id: record.id, member: i, values: record.members[i].values });
    assert.equal(summary?.status, 'completed');
  }
  // The pushed list carries the same sweep (the last push, once the sweep finished).
  await waitFor('runsChanged with the finished sweep', () => client.changes.at(-1)?.sweeps.find((s) => s.dir === launched.sweepDir)?.counts.done === 4);

  // "Compare" on the whole sweep: its members' run directories.
  const compared = await client.connection.sendRequest(CompareRunsRequest.type, { runDirs: done.runDirs });
  assert.equal(compared.final.length, 4);
  assert.deepEqual(compared.final.map((f) => f.step), [20, 20, 20, 20]);
  assert.deepEqual(compared.configDiff.map((d) => d.path).filter((p) => p === 'model.arch' || p === 'seed'), ['model.arch', 'seed']);
});

test('stopSweep stops the training members (they checkpoint); resumeSweep queues them again and they train on', async () => {
  const config = sweepConfig('long', 4000);
  const launched = await client.connection.sendRequest(LaunchSweepRequest.type, { configPath: config, scheduler: 'local', parallel: 2 });
  const running = await waitFor('two members training', async () => {
    const s = await sweepOf(launched.sweepDir);
    return s?.counts.running === 2 && s;
  });
  assert.equal(running.counts.queued, 2);
  const stopped = await client.connection.sendRequest(StopSweepRequest.type, { sweepDir: launched.sweepDir });
  assert.equal(stopped.sweepDir, launched.sweepDir);
  assert.match(stopped.output, /sweep .*not running/);
  const afterStop = await waitFor('the stop to be listed', async () => {
    const s = await sweepOf(launched.sweepDir);
    return s?.counts.running === 0 && s;
  });
  // The two that trained stopped (status in their run.json); the other two never started.
  assert.deepEqual(afterStop.counts, { done: 0, running: 0, queued: 2, failed: 0, stopped: 2 });
  for (const dir of afterStop.runDirs) assert.equal((JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as { status: string }).status, 'stopped');

  await client.connection.sendRequest(ResumeSweepRequest.type, { sweepDir: launched.sweepDir });
  await waitFor('members training again', async () => (await sweepOf(launched.sweepDir))?.counts.running === 2);
  await client.connection.sendRequest(StopSweepRequest.type, { sweepDir: launched.sweepDir });
});

test('sweep requests that fail: one error each, with its code and the CLI’s own message', async () => {
  const reject = (p: Promise<unknown>) => p.then(() => assert.fail('the request succeeded'), (e: { code: number; message: string; data?: { logFile?: string } }) => e);

  const plain = sweepConfig('plain', 10, '');
  const noSweep = await reject(client.connection.sendRequest(LaunchSweepRequest.type, { configPath: plain }));
  assert.equal(noSweep.code, ErrorCodes.SweepCommandFailed);
  assert.equal(noSweep.message, `crate-lab sweep: ${plain} has no sweep: block (crate-lab train runs a single config)`);
  assert.match(readFileSync(noSweep.data!.logFile!, 'utf8'), /has no sweep: block/);

  const bad = sweepConfig('bad', 10, 'sweep:\n  grid:\n    optim.lr: [0.001, 20]\n');
  const badValue = await reject(client.connection.sendRequest(LaunchSweepRequest.type, { configPath: bad }));
  assert.equal(badValue.code, ErrorCodes.ConfigRejected);
  assert.match(badValue.message, /bad\.crate\.yaml:\d+:\d+: sweep\.grid\.optim\.lr\.1: optim\.lr = 20: must be at most 10/);

  const notSweep = join(work, 'not-a-sweep');
  mkdirSync(notSweep);
  const stop = await reject(client.connection.sendRequest(StopSweepRequest.type, { sweepDir: notSweep }));
  assert.equal(stop.code, ErrorCodes.NotASweepFolder);
  assert.equal(stop.message, `${notSweep} is not a sweep folder (no sweep.json)`);

  // A damaged sweep.json: the CLI refuses to resume it, naming the file; the index lists the sweep with the reason.
  const runsDir = join(work, 'damaged-runs');
  mkdirSync(join(runsDir, 'broken-sweep'), { recursive: true });
  writeFileSync(join(runsDir, 'broken-sweep', 'sweep.json'), '{"version": 1, "id": "broken-sweep"}');
  const resume = await reject(client.connection.sendRequest(ResumeSweepRequest.type, { sweepDir: join(runsDir, 'broken-sweep') }));
  assert.equal(resume.code, ErrorCodes.SweepCommandFailed);
  assert.match(resume.message, /^crate-lab sweep: .*broken-sweep\/sweep\.json is damaged: name: /);
  const listed = await waitFor('the damaged sweep listed', async () => (await client.connection.sendRequest(ListSweepsRequest.type, { runsDir })).at(0));
  assert.match(listed.error ?? '', /sweep\.json is damaged: name: /);
  assert.equal(listed.members, 0);
  // A sweep folder deleted leaves the list.
  rmSync(join(runsDir, 'broken-sweep'), { recursive: true });
  await waitFor('the deleted sweep to leave the list', async () => (await client.connection.sendRequest(ListSweepsRequest.type, { runsDir })).length === 0, 10_000);
});
