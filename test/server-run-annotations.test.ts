// A run's tags and note (annotations.json, docs/run-directory.md) as clients see them: the real
// server bundle over stdio (two of them on one runs directory, as two windows), real files, and a
// real trainer started from a "terminal" with `--tag`/`--note` and annotated while it trains.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { AnnotateRunRequest, ListRunsRequest, NamesInUseRequest, RunsChangedNotification } from '../protocol/customMessages.js';
import { ErrorCodes } from '../protocol/errorCodes.js';
import type { RunSummary } from '../protocol/runData.js';
import { cliPath } from './support/cli.js';
import { LanguageServer } from './support/languageServer.js';
import { repoRoot } from './support/reference.js';
import { waitFor } from './support/waitFor.js';

/** The server with the runs lists it pushed. */
class Client extends LanguageServer {
  readonly changes = this.notifications(RunsChangedNotification.type);

  static async start(runsDirs: string[]): Promise<Client> {
    const client = new Client();
    await client.initialize({ runsDirs, rescanMs: 300 });
    return client;
  }

  /** The run `dir` in the latest runsChanged where `predicate` holds for it. */
  untilPushed(dir: string, predicate: (r: RunSummary) => boolean, what: string, timeoutMs = 20_000): Promise<RunSummary> {
    return waitFor(
      `${what} (server stderr: ${this.stderr})`,
      () => {
        const run = this.changes.at(-1)?.runs.find((r) => r.dir === dir);
        return run && predicate(run) ? run : undefined;
      },
      timeoutMs,
    );
  }

  async list(dir: string): Promise<RunSummary | undefined> {
    return (await this.connection.sendRequest(ListRunsRequest.type, {})).find((r) => r.dir === dir);
  }
}

let work: string;
let runs: string;
let client: Client;
const children: ChildProcess[] = [];

/** A finished run as the trainer leaves one (run.json only: its annotations are what is tested). */
function handRun(name: string, annotations?: string, parent = runs): string {
  const dir = join(parent, name);
  mkdirSync(dir, { recursive: true });
  const t = new Date().toISOString();
  writeFileSync(join(dir, 'run.json'), JSON.stringify({ id: name, name, configHash: 'x', status: 'completed', pid: 1, host: hostname(), backend: 'cpu', step: 2, epoch: 0, totalSteps: 2, createdAt: t, updatedAt: t, heartbeat: t }));
  if (annotations !== undefined) writeFileSync(join(dir, 'annotations.json'), annotations);
  return dir;
}

const fileOf = (dir: string) => join(dir, 'annotations.json');
const onDisk = (dir: string) => JSON.parse(readFileSync(fileOf(dir), 'utf8')) as unknown;

before(async () => {
  const built = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'build.mjs')], { encoding: 'utf8' });
  assert.equal(built.status, 0, built.stderr);
  work = mkdtempSync(join(tmpdir(), 'crate-annotations-'));
  runs = join(work, 'runs');
  handRun('plain');
  handRun('edited');
  handRun('damaged', JSON.stringify({ version: 1, tags: ['ok', 'has space'], note: '' }));
  handRun('not-json', '{"version": 1, "tags": [');
  client = await Client.start([runs]);
});

after(async () => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await client?.stop();
  rmSync(work, { recursive: true, force: true });
});

test('annotateRun writes annotations.json; the summaries of every client carry the tags and note; what is not given stays', async () => {
  const dir = join(runs, 'plain');
  assert.equal((await client.list(dir))?.tags, undefined);
  // Tags as typed: a comma- or space-separated list in one entry is split, repeats dropped; the note is trimmed.
  const answered = await client.connection.sendRequest(AnnotateRunRequest.type, { runDir: dir, tags: ['baseline', 'lr-1e-3, wide', 'baseline'], note: '  first try\nwith two lines ' });
  assert.deepEqual(answered.tags, ['baseline', 'lr-1e-3', 'wide']);
  assert.equal(answered.note, 'first try\nwith two lines');
  assert.equal(answered.status, 'completed');
  assert.deepEqual(onDisk(dir), { version: 1, tags: ['baseline', 'lr-1e-3', 'wide'], note: 'first try\nwith two lines' });
  // Pushed to the client at once, and a second server on the same runs directory (another window) lists the same.
  await client.untilPushed(dir, (r) => r.tags?.join() === 'baseline,lr-1e-3,wide' && r.note === 'first try\nwith two lines', 'the tags pushed');
  const other = await Client.start([runs]);
  try {
    const seen = await other.list(dir);
    assert.deepEqual([seen?.tags, seen?.note], [['baseline', 'lr-1e-3', 'wide'], 'first try\nwith two lines']);
  } finally {
    await other.stop();
  }
  // Only the note: the tags stay. Empty tags and an empty note remove them from the summary.
  assert.deepEqual((await client.connection.sendRequest(AnnotateRunRequest.type, { runDir: dir, note: 'second' })).tags, ['baseline', 'lr-1e-3', 'wide']);
  const cleared = await client.connection.sendRequest(AnnotateRunRequest.type, { runDir: dir, tags: [] });
  assert.equal(cleared.tags, undefined);
  assert.equal(cleared.note, 'second');
  const none = await client.connection.sendRequest(AnnotateRunRequest.type, { runDir: dir, note: '' });
  assert.equal(none.note, undefined);
  assert.deepEqual(onDisk(dir), { version: 1, tags: [], note: '' });
  assert.equal(none.error, undefined);
});

test('annotations.json changed on disk (another tool, an editor) reaches the clients by itself', async () => {
  const dir = join(runs, 'edited');
  await client.untilPushed(dir, (r) => r.status === 'completed' && r.tags === undefined, 'the run listed');
  // As an editor saves it: a new file renamed over the old one, then an edit in place.
  writeFileSync(`${fileOf(dir)}.new`, JSON.stringify({ version: 1, tags: ['from-disk'], note: 'by hand' }));
  renameSync(`${fileOf(dir)}.new`, fileOf(dir));
  await client.untilPushed(dir, (r) => r.tags?.join() === 'from-disk' && r.note === 'by hand', 'the hand-made tags pushed');
  writeFileSync(fileOf(dir), JSON.stringify({ version: 1, tags: ['from-disk', 'second-edit'], note: 'by hand, longer' }));
  await client.untilPushed(dir, (r) => r.tags?.join() === 'from-disk,second-edit', 'the edit in place pushed');
  rmSync(fileOf(dir));
  await client.untilPushed(dir, (r) => r.tags === undefined && r.note === undefined, 'the removal pushed');
});

test('a damaged annotations.json is one error naming the file and the field; the run stays listed; annotateRun does not overwrite it; bad input is refused', async () => {
  const damaged = await client.list(join(runs, 'damaged'));
  assert.equal(damaged?.status, 'completed', 'listed as the run it is');
  assert.equal(damaged.tags, undefined);
  assert.equal(damaged.error, `${fileOf(join(runs, 'damaged'))} is damaged: tags.1: the tag "has space" has a space or a comma`);
  const notJson = await client.list(join(runs, 'not-json'));
  assert.equal(notJson?.status, 'completed');
  assert.match(notJson.error ?? '', new RegExp(`^${fileOf(join(runs, 'not-json')).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is not JSON: `));
  const before = readFileSync(fileOf(join(runs, 'damaged')), 'utf8');
  await assert.rejects(client.connection.sendRequest(AnnotateRunRequest.type, { runDir: join(runs, 'damaged'), note: 'lost?' }), {
    code: ErrorCodes.AnnotationsUnreadable,
    message: `${fileOf(join(runs, 'damaged'))} is damaged: tags.1: the tag "has space" has a space or a comma; fix or delete it to annotate the run`,
  });
  assert.equal(readFileSync(fileOf(join(runs, 'damaged')), 'utf8'), before, 'the damaged file is left as it was');
  const plain = join(runs, 'plain');
  await assert.rejects(client.connection.sendRequest(AnnotateRunRequest.type, { runDir: plain, tags: ['x'.repeat(65)] }), { code: ErrorCodes.BadAnnotations, message: `${plain}: the tag "${'x'.repeat(65)}" is longer than 64 characters` });
  await assert.rejects(client.connection.sendRequest(AnnotateRunRequest.type, { runDir: plain, tags: 'one' as unknown as string[] }), { code: ErrorCodes.BadAnnotations, message: /tags must be a list of strings/ });
  await assert.rejects(client.connection.sendRequest(AnnotateRunRequest.type, { runDir: plain, tags: Array.from({ length: 33 }, (_, i) => `t${i}`) }), { code: ErrorCodes.BadAnnotations, message: /33 tags: a run takes at most 32/ });
  await assert.rejects(client.connection.sendRequest(AnnotateRunRequest.type, { runDir: join(work, 'nowhere'), tags: ['a'] }), { code: ErrorCodes.NotARunDirectory });
  assert.equal(client.child.exitCode, null);
});

test('namesInUse: the names of the configs of a folder, resolved as the trainer does, and of the runs of a runs directory, watched or not', async () => {
  const folder = join(work, 'configs');
  mkdirSync(folder);
  writeFileSync(join(folder, 'a.crate.yaml'), 'name: alpha\nmodel: {arch: crate}\n');
  writeFileSync(join(folder, 'b.crate.yaml'), 'model: {arch: crate}\n');
  writeFileSync(join(folder, 'broken.crate.yaml'), 'name: [unclosed\n');
  writeFileSync(join(folder, 'notes.yaml'), 'name: not-a-config\n');
  // A FIFO would block whoever opens it for reading: counted by its file name, never opened.
  assert.equal(spawnSync('mkfifo', [join(folder, 'pipe.crate.yaml')]).status, 0);
  const unwatched = join(work, 'unwatched-runs');
  handRun('r1', undefined, unwatched);
  const renamed = handRun('r2', undefined, unwatched);
  writeFileSync(join(renamed, 'run.json'), readFileSync(join(renamed, 'run.json'), 'utf8').replace('"name":"r2"', '"name":"from-an-old-config"'));
  mkdirSync(join(unwatched, 'damaged'));
  writeFileSync(join(unwatched, 'damaged', 'run.json'), '{"name": ');
  const answer = await client.connection.sendRequest(NamesInUseRequest.type, { folder, runsDir: unwatched });
  assert.deepEqual([[...answer.configs].sort(), [...answer.runs].sort()], [['alpha', 'b', 'broken', 'pipe'], ['from-an-old-config', 'r1']]);
  // Without a runs directory (a new one): only the configs.
  assert.deepEqual((await client.connection.sendRequest(NamesInUseRequest.type, { folder })).runs, []);
  // Folders that do not exist have no names.
  assert.deepEqual(await client.connection.sendRequest(NamesInUseRequest.type, { folder: join(work, 'none'), runsDir: join(work, 'none') }), { configs: [], runs: [] });
  // Nothing of it became a watched run.
  assert.equal((await client.connection.sendRequest(ListRunsRequest.type, {})).filter((r) => r.dir.startsWith(unwatched)).length, 0);
});

test("crate-lab train --tag/--note tags a run from the terminal; annotating it while it trains never touches run.json, and the tags outlive the trainer's stop", async () => {
  const config = join(work, 'live.crate.yaml');
  writeFileSync(
    config,
    ['name: live', 'backend: wasm', 'model: {arch: crate-alpha, depth: 1, width: 8, heads: 2}', 'data: {kind: synthetic-subspaces, trainSize: 256, testSize: 32}', 'optim: {batchSize: 16, maxSteps: 1000000}', 'introspect: {every: 0}', ''].join('\n'),
  );
  const trainer = spawn(process.execPath, [cliPath, 'train', config, '--runs-dir', runs, '--tag', 'cli,terminal', '--note', 'started by hand'], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(trainer);
  let output = '';
  trainer.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  trainer.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const dir = await waitFor(`the trainer's run directory (output: ${output})`, () => /^run (\S+) on /m.exec(output)?.[1]);
  const running = await client.untilPushed(dir, (r) => r.status === 'running' && r.step > 0, 'the run training with its tags');
  assert.deepEqual([running.tags, running.note], [['cli', 'terminal'], 'started by hand']);
  // Annotated again and again while the trainer rewrites run.json: each answer has the new note and
  // the trainer's progress; run.json never has a tag or a note, and stays a whole record.
  let edits = 0;
  while (edits < 20) {
    const answered = await client.connection.sendRequest(AnnotateRunRequest.type, { runDir: dir, tags: ['cli', 'live'], note: `edit ${edits}` });
    assert.equal(answered.note, `edit ${edits}`);
    const info = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')) as Record<string, unknown>;
    assert.equal(info.id, running.id);
    assert.ok(!('tags' in info) && !('note' in info), JSON.stringify(info));
    edits++;
  }
  assert.equal(trainer.exitCode, null, 'the trainer trained throughout');
  // The trainer's last rewrites of run.json (checkpoint, status stopped) keep them too.
  trainer.kill('SIGTERM');
  const done = await client.untilPushed(dir, (r) => r.status === 'stopped', 'the run stopped', 120_000);
  assert.deepEqual([done.tags, done.note], [['cli', 'live'], `edit ${edits - 1}`]);
  assert.deepEqual(onDisk(dir), { version: 1, tags: ['cli', 'live'], note: `edit ${edits - 1}` });
});
