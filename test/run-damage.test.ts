// Run directories damaged on disk, fuzzed (issue 11). One tiny finished run with two checkpoints
// (step-00000004, step-00000006 = latest), then hundreds of seeded damages, one per case, to each
// of its files and folders: cut short, lengthened, a bit flipped, `null`, a field of the wrong type,
// a folder, a link, a FIFO, deleted; and damages resealed into the manifest (a state.json field out
// of range, a weight tensor one element short, an optimizer file with no tensors), which only the
// checks behind the checksums catch. After each, `resume --max-steps 7` must either continue from
// a good checkpoint and end as an undamaged resume ends (the same weights at step 7, every step's
// scalars once, the kept checkpoints' events there), saying so when it passed over the latest; or
// exit 2 with one line naming the run. Never an internal error, never a hang, never a damaged
// checkpoint taken without a word, never a write or delete outside the run directory.
//
// Most cases call the CLI's `resume` in this process (a spawn costs about a second); every
// twelfth case, and every FIFO, runs the real CLI with a time limit. CRATE_LAB_DAMAGE_SEED replays
// another seed's cases (the seed is printed), CRATE_LAB_DAMAGE_CASES sets how many.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, symlinkSync, truncateSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resume } from '../trainer/cli/train.js';
import { commandFailure } from '../trainer/cli/commandFailure.js';
import { encodeSafetensors, readSafetensors } from '../trainer/io/safetensors.js';
import { Rng } from '../trainer/random/rng.js';
import { cliPath, runCli } from './support/cli.js';
import { events, onlyRun, runInfo } from './support/runs.js';
import { decodedSidecar, expectedSidecar } from './support/scalarsSidecar.js';
import { reseal, twoCheckpointRunConfig } from './support/twoCheckpointRun.js';

const tmp = mkdtempSync(join(tmpdir(), 'crate-damage-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function envInt(name: string, fallback: number): number {
  const given = process.env[name];
  if (given === undefined || given === '') return fallback;
  if (!/^\d+$/.test(given)) throw new Error(`${name} must be a non-negative integer, not "${given}"`);
  return Number(given);
}
const seed = envInt('CRATE_LAB_DAMAGE_SEED', 11);
const caseCount = envInt('CRATE_LAB_DAMAGE_CASES', 240);

const latest = 'step-00000006';
const older = 'step-00000004';
const checksummed = ['weights.safetensors', 'optimizer.safetensors', 'state.json'];
const runFilesToDamage = ['run.json', 'config.yaml', 'events.jsonl', 'attention.bin', 'scalars.bin', 'probe.bin', 'checkpoints/latest'];
const checkpointFilesToDamage = [...checksummed, 'manifest.json'].flatMap((f) => [latest, older].map((c) => `checkpoints/${c}/${f}`));
const foldersToDamage = ['checkpoints', `checkpoints/${latest}`, `checkpoints/${older}`];

interface Case {
  index: number;
  target: string;
  damage: string;
  /** The checkpoint a resume must continue from, when the damage leaves exactly one right answer. */
  expectFrom?: string;
}

/** Links lead here, and folders are moved here: nothing in it may change. */
const outside = join(tmp, 'outside');

const sha = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

/** Hashes of every file under `dir` (links not followed), to see that nothing there changed. */
function snapshot(dir: string): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.set(p, sha(readFileSync(p)));
      else out.set(p, e.isSymbolicLink() ? 'link' : 'other');
    }
  };
  walk(dir);
  return out;
}

/** A value of another type or out of range for a JSON field. */
function wrongValue(rng: Rng): unknown {
  return [null, 'abc', -1, 1e9, 1.5, [], {}, true, -0.25, '7'][rng.int(10)];
}

/** Sets one field (a random key of the top level object) of JSON `bytes` to a wrong value. */
function wrongType(bytes: Buffer, rng: Rng): Buffer {
  let value: unknown;
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return Buffer.from('{"a": 1}\n');
  }
  if (value === null || typeof value !== 'object') return Buffer.from('[]');
  const keys = Object.keys(value);
  (value as Record<string, unknown>)[keys[rng.int(keys.length)]] = wrongValue(rng);
  return Buffer.from(JSON.stringify(value));
}

/** State fields resealed with a value a resume must refuse; sizes relative to the run's files. */
function badState(runDir: string, state: Record<string, unknown>, rng: Rng): Record<string, unknown> {
  const eventsSize = lstatSync(join(runDir, 'events.jsonl')).size;
  const attentionSize = lstatSync(join(runDir, 'attention.bin')).size;
  const choices: Array<() => Record<string, unknown>> = [
    () => ({ ...state, step: [-1, 'abc', 1e9, 1.5, null, 5][rng.int(6)] }),
    () => ({ ...state, eventsBytes: [eventsSize + 1, -3, 'x', (state.eventsBytes as number) - 5, 2.5][rng.int(5)] }),
    () => ({ ...state, attentionBytes: [attentionSize + 4, 2, -4][rng.int(3)] }),
    () => ({ ...state, scalarsBytes: [3, -16, 17][rng.int(3)] }),
    () => ({ ...state, adamStep: wrongValue(rng) === null ? null : 'abc' }),
    () => ({ ...state, configHash: 7 }),
    () => ({ ...state, seed: -1 }),
  ];
  return choices[rng.int(choices.length)]();
}

/** A resealed weights or optimizer file that is well-formed safetensors with the wrong tensors. */
function badTensors(file: string, rng: Rng): Buffer {
  const { tensors, metadata } = readSafetensors(file);
  const names = [...tensors.keys()];
  const victim = names[rng.int(names.length)];
  const kind = rng.int(4);
  if (kind === 0) return encodeSafetensors(new Map(), metadata); // no tensors
  if (kind === 1) tensors.delete(victim);
  if (kind === 2) {
    const t = tensors.get(victim)!;
    // One element short: the first dimension loses a row only when it is a vector.
    tensors.set(victim, { shape: t.shape.length === 1 ? [t.shape[0] - 1] : [t.data.length - 1], data: t.data.subarray(0, t.data.length - 1) });
  }
  if (kind === 3) tensors.set(`${victim}.extra`, tensors.get(victim)!);
  return encodeSafetensors(tensors, metadata);
}

/** Applies case `c` to run directory `dir`. */
function applyDamage(dir: string, c: Case, rng: Rng): void {
  const path = join(dir, c.target);
  const moved = join(outside, `case-${c.index}`);
  switch (c.damage) {
    case 'truncate': {
      const size = lstatSync(path).size;
      truncateSync(path, size === 0 ? 0 : rng.int(size));
      return;
    }
    case 'extend':
      appendFileSync(path, Buffer.from(Array.from({ length: 1 + rng.int(64) }, () => rng.int(256))));
      return;
    case 'bitflip': {
      const bytes = readFileSync(path);
      if (bytes.length === 0) return writeFileSync(path, 'x');
      const at = rng.int(bytes.length);
      bytes[at] ^= 1 << rng.int(8);
      return writeFileSync(path, bytes);
    }
    case 'null':
      return writeFileSync(path, 'null');
    case 'empty':
      return writeFileSync(path, '');
    case 'wrongType':
      return writeFileSync(path, wrongType(readFileSync(path), rng));
    case 'folder':
      rmSync(path, { recursive: true, force: true });
      return mkdirSync(path);
    case 'delete':
      return rmSync(path, { recursive: true, force: true });
    case 'fifo':
      rmSync(path, { recursive: true, force: true });
      assert.equal(spawnSync('mkfifo', [path]).status, 0, 'mkfifo');
      return;
    case 'link':
      // The thing moves outside the run and a link takes its place: a resume must not reach it.
      renameSync(path, moved);
      return symlinkSync(moved, path);
    case 'file':
      rmSync(path, { recursive: true, force: true });
      return writeFileSync(path, 'not a folder\n');
    case 'tmpFolder':
      mkdirSync(join(path, `.tmp-step-00000008-${4242 + c.index}`));
      return writeFileSync(join(path, `.tmp-step-00000008-${4242 + c.index}`, 'weights.safetensors'), 'half');
    case 'resealState': {
      const state = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
      writeFileSync(path, JSON.stringify(badState(dir, state, rng)));
      return reseal(join(path, '..'));
    }
    case 'resealTensors':
      writeFileSync(path, badTensors(path, rng));
      return reseal(join(path, '..'));
    default:
      throw new Error(`no damage ${c.damage}`);
  }
}

const fileDamages = ['truncate', 'extend', 'bitflip', 'null', 'empty', 'wrongType', 'folder', 'delete', 'link', 'fifo'];

function makeCases(rng: Rng): Case[] {
  const cases: Case[] = [];
  for (let index = 0; index < caseCount; index++) {
    const pick = rng.int(10);
    let target: string;
    let damage: string;
    if (pick === 0) {
      // What only a checksum catches, often: a bit flipped in the latest checkpoint's files.
      target = `checkpoints/${latest}/${checksummed[rng.int(checksummed.length)]}`;
      damage = 'bitflip';
    } else if (pick < 4) {
      target = checkpointFilesToDamage[rng.int(checkpointFilesToDamage.length)];
      const file = target.split('/').pop()!;
      const resealed = file === 'state.json' ? 'resealState' : file.endsWith('.safetensors') ? 'resealTensors' : undefined;
      damage = resealed && rng.int(3) === 0 ? resealed : fileDamages[rng.int(fileDamages.length)];
    } else if (pick < 8) {
      target = runFilesToDamage[rng.int(runFilesToDamage.length)];
      damage = fileDamages[rng.int(fileDamages.length)];
    } else {
      target = foldersToDamage[rng.int(foldersToDamage.length)];
      damage = ['delete', 'link', 'file', 'tmpFolder'][rng.int(4)];
      if (damage === 'tmpFolder') target = 'checkpoints';
    }
    cases.push({ index, target, damage, expectFrom: expectedStart(target, damage) });
  }
  return cases;
}

/**
 * Damage confined to one checkpoint has one right answer: the other checkpoint (a damaged latest
 * is passed over, a damaged older one does not matter). A checkpoint without its manifest is one
 * written before manifests: taken, checked for structure only.
 */
function expectedStart(target: string, damage: string): string | undefined {
  const m = /^checkpoints\/(step-\d+)(\/(.*))?$/.exec(target);
  if (!m) return damage === 'tmpFolder' ? latest : undefined;
  if (m[1] === older) return latest;
  if (m[3] === 'manifest.json' && damage === 'delete') return latest;
  return older;
}

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

const finalStep = 7;
const finalCheckpoint = 'step-00000007';
const resumeArgs = (dir: string): string[] => [dir, '--max-steps', String(finalStep)];

/** `crate-lab resume` called in this process, its output captured, its error mapped as the CLI maps it. */
async function resumeHere(dir: string): Promise<Outcome> {
  let stdout = '';
  let stderr = '';
  const write = { out: process.stdout.write, err: process.stderr.write };
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += String(chunk)), true)) as typeof process.stdout.write;
  process.stderr.write = ((chunk: string | Uint8Array) => ((stderr += String(chunk)), true)) as typeof process.stderr.write;
  let hang: NodeJS.Timeout | undefined;
  try {
    const limit = new Promise<never>((_, reject) => {
      hang = setTimeout(() => reject(new Error(`resume ${dir} did not end within 60 s`)), 60_000);
    });
    const code = await Promise.race([resume(resumeArgs(dir)), limit]);
    return { code: code ?? 0, stdout, stderr };
  } catch (e) {
    if (/did not end within/.test((e as Error).message)) throw e;
    const failure = commandFailure('resume', e);
    return { code: failure.code, stdout, stderr: stderr + failure.text };
  } finally {
    clearTimeout(hang);
    process.stdout.write = write.out;
    process.stderr.write = write.err;
  }
}

function resumeCli(dir: string): Outcome {
  const r = spawnSync(process.execPath, [cliPath, 'resume', ...resumeArgs(dir)], { encoding: 'utf8', timeout: 60_000, killSignal: 'SIGKILL' });
  assert.ok(!r.error, `resume ${dir} hung or could not run: ${r.error?.message}`);
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const weightsAt = (runDir: string, name: string): Buffer => readFileSync(join(runDir, 'checkpoints', name, 'weights.safetensors'));

/** The checkpoint the resume continued from, by its log line. */
function resumedFrom(runDir: string): string | undefined {
  const lines = events(runDir).flatMap((e) => (e.type === 'log' ? [/^resumed from (step-\d+) /.exec(e.message)?.[1]] : []));
  return lines.filter(Boolean).pop();
}

/** What is wrong with the outcome of case `c` on `dir`, or undefined when it is right. */
function judge(c: Case, dir: string, o: Outcome, references: Map<string, Buffer>): string | undefined {
  if (/internal error/.test(o.stderr) || o.code === 1) return `internal error or failed run (exit ${o.code}): ${o.stderr.trim()}`;
  if (o.code === 2) {
    const lines = o.stderr.trimEnd().split('\n');
    // A damaged config.yaml is reported as configs are: one file:line:col line per mistake.
    const configLines = lines.every((l) => l.startsWith(`${join(dir, 'config.yaml')}:`));
    if (!configLines && (lines.length !== 1 || !lines[0].startsWith('crate-lab resume: ') || !lines[0].includes(dir))) return `not one line naming the run: ${o.stderr}`;
    if (c.expectFrom) return `refused, though ${c.expectFrom} is whole: ${o.stderr.trim()}`;
    return undefined;
  }
  if (o.code !== 0) return `exit ${o.code}: ${o.stderr}`;
  const info = runInfo(dir);
  if (info.status !== 'completed' || info.step !== finalStep) return `run.json says ${info.status} at step ${info.step}`;
  const from = resumedFrom(dir);
  if (!from) return 'no "resumed from" log line';
  if (c.expectFrom && from !== c.expectFrom) return `resumed from ${from}, expected ${c.expectFrom}`;
  const fallback = /resuming from step-\d+, the newest usable checkpoint; passed over \S+/;
  if (from !== latest && c.target !== 'checkpoints/latest') {
    if (!fallback.test(o.stdout)) return `resumed from ${from} without saying why ${latest} was passed over: ${o.stdout}`;
    if (!events(dir).some((e) => e.type === 'log' && e.level === 'warn' && fallback.test(e.message))) return 'the fallback is not in events.jsonl';
  }
  // config.yaml is the run's config: a changed value may legitimately train differently.
  if (c.target !== 'config.yaml' && !weightsAt(dir, finalCheckpoint).equals(references.get(from)!)) return `the weights at step ${finalStep} differ from an undamaged resume from ${from}`;
  const all = events(dir);
  let at = all.length - 1;
  while (at >= 0 && !(all[at].type === 'log' && /^resumed from /.test((all[at] as { message: string }).message))) at--;
  const start = Number(from.slice(5));
  const steps = all.slice(at).flatMap((e) => (e.type === 'scalars' ? [e.step] : []));
  if (steps.join() !== Array.from({ length: finalStep - start }, (_, i) => start + 1 + i).join()) return `steps after the resume: ${steps.join()}`;
  if (c.target !== 'events.jsonl') {
    if (all.slice(0, at).some((e) => e.type === 'scalars' && e.step > start)) return 'a step after the resumed checkpoint survived the cut';
    const kept = readdirSync(join(dir, 'checkpoints')).filter((n) => n.startsWith('step-'));
    const logged = new Set(all.flatMap((e) => (e.type === 'checkpoint' ? [e.dir] : [])));
    const missing = kept.filter((n) => !logged.has(n));
    if (missing.length > 0) return `no checkpoint event for kept ${missing.join(', ')}`;
  }
  if (readdirSync(join(dir, 'checkpoints')).some((n) => n.startsWith('.tmp-'))) return 'a temporary checkpoint folder is left';
  if (c.target !== 'events.jsonl' && c.target !== 'scalars.bin') {
    const decoded = decodedSidecar(dir);
    try {
      assert.deepEqual(decoded, expectedSidecar(dir));
    } catch {
      return 'scalars.bin does not match events.jsonl';
    }
  }
  return undefined;
}

test(`resume on hundreds of damaged run directories (seed ${seed}): good checkpoint or one line, exit 2`, async (t) => {
  const started = performance.now();
  const config = join(tmp, 'tiny.crate.yaml');
  writeFileSync(config, twoCheckpointRunConfig('damage', 5));
  const trained = runCli(['train', config, '--runs-dir', join(tmp, 'runs')]);
  assert.equal(trained.status, 0, trained.stderr);
  const base = onlyRun(join(tmp, 'runs'))!;
  assert.deepEqual(readdirSync(join(base, 'checkpoints')).sort(), ['latest', older, latest]);

  // Undamaged resumes from either checkpoint: what a resume from it must end with (the schedule
  // now runs to step 7, so the two differ).
  const references = new Map<string, Buffer>();
  for (const from of [latest, older]) {
    const undamaged = join(tmp, `undamaged-${from}`);
    cpSync(base, undamaged, { recursive: true, verbatimSymlinks: true });
    if (from === older) {
      rmSync(join(undamaged, 'checkpoints', latest), { recursive: true });
      writeFileSync(join(undamaged, 'checkpoints', 'latest'), `${older}\n`);
    }
    const clean = await resumeHere(undamaged);
    assert.equal(clean.code, 0, clean.stderr);
    references.set(from, weightsAt(undamaged, finalCheckpoint));
    assert.equal(judge({ index: -1, target: 'checkpoints/latest', damage: 'none', expectFrom: from }, undamaged, clean, references), undefined);
  }

  t.diagnostic(`seed ${seed} (replay with CRATE_LAB_DAMAGE_SEED=${seed}), ${caseCount} cases`);
  const rng = new Rng(seed);
  const cases = makeCases(rng);
  mkdirSync(outside);
  writeFileSync(join(outside, 'sentinel'), 'outside the run\n');
  const failures: string[] = [];
  const tally = new Map<string, number>();
  let spawned = 0;
  for (const c of cases) {
    const dir = join(tmp, `case-${c.index}`);
    cpSync(base, dir, { recursive: true, verbatimSymlinks: true });
    applyDamage(dir, c, rng);
    const before = snapshot(outside);
    const viaCli = c.damage === 'fifo' || c.index % 12 === 0;
    if (viaCli) spawned++;
    const o = viaCli ? resumeCli(dir) : await resumeHere(dir);
    const why = judge(c, dir, o, references) ?? (JSON.stringify([...snapshot(outside)]) === JSON.stringify([...before]) ? undefined : 'something outside the run directory changed');
    const key = `${o.code}`;
    tally.set(key, (tally.get(key) ?? 0) + 1);
    if (why) failures.push(`case ${c.index} (${c.damage} ${c.target}${viaCli ? ', CLI' : ''}): ${why}`);
    rmSync(dir, { recursive: true, force: true });
  }
  t.diagnostic(`exit codes: ${[...tally].map(([k, n]) => `${k}: ${n}`).join(', ')}; ${spawned} through the CLI; ${((performance.now() - started) / 1000).toFixed(1)} s`);
  assert.deepEqual(failures, [], `${failures.length} of ${cases.length} cases wrong (CRATE_LAB_DAMAGE_SEED=${seed}):\n${failures.join('\n')}`);
  assert.ok(existsSync(join(outside, 'sentinel')));
});
