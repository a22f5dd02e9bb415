// Exact resume (docs/training.md): a run killed with SIGKILL at a random moment after its first checkpoint
// and resumed ends bit-identical to an uninterrupted run, with every step's event exactly once. The
// run drops out (model.dropout) and evaluates a training subset: both must be the same after a resume.
import { type TestContext, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { constants, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readSafetensors } from '../trainer/io/safetensors.js';
import { Rng } from '../trainer/random/rng.js';
import { checkpointDirName } from '../trainer/run/format.js';
import { exited, events, firstCheckpoint, onlyRun, runInfo, spawnCli } from './support/runs.js';
import { waitFor } from './support/waitFor.js';
import { decodedSidecar, expectedSidecar, withoutTiming } from './support/scalarsSidecar.js';

const tmp = mkdtempSync(join(tmpdir(), 'crate-resume-'));
const config = join(tmp, 'tiny.crate.yaml');
writeFileSync(
  config,
  `name: tiny
seed: 3
backend: wasm
model: { arch: crate-alpha, depth: 2, width: 16, heads: 2, dropout: 0.1 }
data: { kind: synthetic-subspaces, trainSize: 512, testSize: 64 }
optim: { batchSize: 32, maxSteps: 60, lr: 0.003, warmup: 5 }
eval: { every: 10 }
introspect: { every: 7, probeImages: 4 }
checkpoint: { every: 5, keep: 2 }
`,
);

const finalWeights = (runDir: string): Buffer => readFileSync(join(runDir, 'checkpoints', 'step-00000060', 'weights.safetensors'));
const finalOptimizer = (runDir: string): Buffer => readFileSync(join(runDir, 'checkpoints', 'step-00000060', 'optimizer.safetensors'));

/**
 * The seed of the kill point: CRATE_LAB_KILL_SEED replays a failed run's kill point; by default a
 * new one each run, so that runs together try many moments.
 */
function killSeed(): number {
  const given = process.env.CRATE_LAB_KILL_SEED;
  if (given === undefined || given === '') return randomInt(2 ** 31);
  if (!/^\d+$/.test(given)) throw new Error(`CRATE_LAB_KILL_SEED must be a non-negative integer, not "${given}"`);
  return Number(given);
}

/** Whether `signal` is pending for process `pid`: sent to it while it is stopped (Linux /proc). */
function signalPending(pid: number, signal: NodeJS.Signals): boolean {
  const mask = /^ShdPnd:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!mask) throw new Error(`/proc/${pid}/status has no ShdPnd line`);
  return ((BigInt(`0x${mask[1]}`) >> BigInt(constants.signals[signal] - 1)) & 1n) === 1n;
}

function scalarSteps(runDir: string): number[] {
  return events(runDir).flatMap((e) => (e.type === 'scalars' ? [e.step] : []));
}

/**
 * scalars.bin after a resume: exactly the points and line positions of the run's own events.jsonl,
 * and the same points as the uninterrupted run's but for the throughput (timing, not training).
 */
function assertScalarsFileResumed(runDir: string, reference: string): void {
  const decoded = decodedSidecar(runDir);
  assert.ok(decoded, 'scalars.bin does not decode');
  assert.deepEqual(decoded, expectedSidecar(runDir));
  assert.deepEqual(withoutTiming(decoded), withoutTiming(decodedSidecar(reference)!));
}

/** Trains `configFile` straight and again killed at a random moment after its first checkpoint and resumed: the two must end the same. */
async function killAndResume(t: TestContext, configFile: string, folder: string): Promise<void> {
  const straight = join(tmp, `${folder}-straight`);
  const done = await exited(spawnCli(['train', configFile, '--runs-dir', straight]));
  assert.equal(done.code, 0, done.stderr);
  const reference = onlyRun(straight)!;
  assert.equal(runInfo(reference).status, 'completed');

  const killed = join(tmp, `${folder}-killed`);
  const child = spawnCli(['train', configFile, '--runs-dir', killed]);
  const result = exited(child);
  const runDir = await firstCheckpoint(killed);
  // A random moment after the first checkpoint: a random step to reach, then up to 100 ms more.
  const seed = killSeed();
  const rng = new Rng(seed);
  const target = 6 + rng.int(45);
  const delayMs = rng.int(100);
  await waitFor(`step ${target}`, () => (runInfo(runDir).step >= target ? true : undefined), 60_000);
  await new Promise((r) => setTimeout(r, delayMs));
  child.kill('SIGKILL');
  assert.equal((await result).signal, 'SIGKILL');
  const stepAtKill = runInfo(runDir).step;
  t.diagnostic(`kill point: step ${target} + ${delayMs} ms, killed at step ${stepAtKill} (replay with CRATE_LAB_KILL_SEED=${seed})`);
  assert.ok(stepAtKill < 60, `killed too late (step ${stepAtKill}); the test needs a slower run`);

  const resumed = await exited(spawnCli(['resume', runDir]));
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(runInfo(runDir).status, 'completed');
  assert.ok(finalWeights(runDir).equals(finalWeights(reference)), 'final weights differ from the uninterrupted run');
  assert.ok(finalOptimizer(runDir).equals(finalOptimizer(reference)), 'final optimizer state differs');
  assert.deepEqual(scalarSteps(runDir), Array.from({ length: 60 }, (_, i) => i + 1), 'every step exactly once');
  const losses = (dir: string): number[] => events(dir).flatMap((e) => (e.type === 'scalars' ? [e.loss] : []));
  assert.deepEqual(losses(runDir), losses(reference));
  const evaluations = (dir: string) => events(dir).flatMap((e) => (e.type === 'eval' ? [{ ...e, t: undefined }] : []));
  assert.deepEqual(evaluations(runDir), evaluations(reference), 'the same evaluations, the training subset’s included');
  assert.ok(evaluations(runDir).some((e) => e.train !== undefined), 'the training subset is evaluated');
  assertScalarsFileResumed(runDir, reference);
}

test('SIGKILL after the first checkpoint, then resume: bit-identical to an uninterrupted run (dropout masks and training-subset evaluations included)', async (t) => {
  await killAndResume(t, config, 'crate-alpha');
});

// The SRR study's attention-only layers (model.attentionOnly): checkpoints without the second
// halves, and a resume that loads them, end as the uninterrupted run does.
const attentionOnlyConfig = join(tmp, 'attention-only.crate.yaml');
writeFileSync(attentionOnlyConfig, readFileSync(config, 'utf8').replace('model: { arch: crate-alpha, depth: 2, width: 16, heads: 2, dropout: 0.1 }', 'model: { arch: crate-n, depth: 2, width: 16, heads: 2, dropout: 0.1, attentionOnly: true }'));

test('attention-only crate-n: SIGKILL after the first checkpoint, then resume: bit-identical to an uninterrupted run', async (t) => {
  assert.match(readFileSync(attentionOnlyConfig, 'utf8'), /attentionOnly: true/);
  await killAndResume(t, attentionOnlyConfig, 'attention-only');
  const weights = readSafetensors(join(onlyRun(join(tmp, 'attention-only-straight'))!, 'checkpoints', 'step-00000060', 'weights.safetensors'));
  assert.equal(weights.metadata.attentionOnly, 'true');
  assert.ok(![...weights.tensors.keys()].some((k) => /^transformer\.layers\.\d+\.1\./.test(k)), 'no second halves in the checkpoint');
});

test('stop checkpoints and marks the run stopped; resume finishes it identically', async (t) => {
  const runsDir = join(tmp, 'stopped');
  const child = spawnCli(['train', config, '--runs-dir', runsDir]);
  const result = exited(child);
  const runDir = await firstCheckpoint(runsDir);
  // The trainer is frozen until `crate-lab stop` has sent its SIGTERM (held pending meanwhile), so
  // the stop lands a step or so later however slowly that process starts, never after the last step.
  child.kill('SIGSTOP');
  const frozenAt = runInfo(runDir).step;
  const stopper = spawnCli(['stop', runDir]);
  const stopping = exited(stopper);
  t.after(() => [child, stopper].forEach((p) => p.kill('SIGKILL'))); // a failure leaves neither frozen nor waiting
  await waitFor('crate-lab stop to send SIGTERM', () => signalPending(child.pid!, 'SIGTERM'), 60_000);
  child.kill('SIGCONT');
  const stop = await stopping;
  assert.equal(stop.code, 0, stop.stderr);
  const trainer = await result;
  assert.equal(trainer.code, 0, trainer.stderr);
  const info = runInfo(runDir);
  t.diagnostic(`frozen at step ${frozenAt}, stopped at step ${info.step}`);
  assert.equal(info.status, 'stopped');
  assert.ok(info.step >= frozenAt && info.step < 60, `stopped at step ${info.step}, frozen at ${frozenAt}`);
  assert.equal(readFileSync(join(runDir, 'checkpoints', 'latest'), 'utf8').trim(), checkpointDirName(info.step), 'the stop checkpoints its step');
  const resumed = await exited(spawnCli(['resume', runDir]));
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(runInfo(runDir).status, 'completed');
  assert.ok(finalWeights(runDir).equals(finalWeights(onlyRun(join(tmp, 'crate-alpha-straight'))!)));
  assert.deepEqual(scalarSteps(runDir), Array.from({ length: 60 }, (_, i) => i + 1));
  assertScalarsFileResumed(runDir, onlyRun(join(tmp, 'crate-alpha-straight'))!);
});

test('resume with a new patch size resamples the patch embedding and positions and trains on', async () => {
  const runsDir = join(tmp, 'repatch');
  const first = await exited(spawnCli(['train', config, '--runs-dir', runsDir, '--max-steps', '10']));
  assert.equal(first.code, 0, first.stderr);
  const runDir = onlyRun(runsDir)!;
  const resumed = await exited(spawnCli(['resume', runDir, '--patch', '2', '--max-steps', '20']));
  assert.equal(resumed.code, 0, resumed.stderr);
  const info = runInfo(runDir);
  assert.equal(info.status, 'completed');
  assert.equal(info.step, 20);
  const weights = readSafetensors(join(runDir, 'checkpoints', 'step-00000020', 'weights.safetensors'));
  assert.equal(weights.metadata.patch, '2');
  assert.deepEqual(weights.tensors.get('conv1.weight')!.shape, [16, 1, 2, 2]);
  assert.deepEqual(weights.tensors.get('pos_embedding')!.shape, [1, 65, 16]);
  assert.match(readFileSync(join(runDir, 'config.yaml'), 'utf8'), /patch: 2/);
  assert.ok(events(runDir).some((e) => e.type === 'log' && /with patch 2 \(resampled conv1\.weight, pos_embedding\)/.test(e.message)));
});
