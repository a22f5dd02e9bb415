// Training on webgpu (issue 12): the same steps as on wasm within float32 rounding, with
// micro-batches and the SRR regularizer (whose logdets run on the device there), and a run killed
// with SIGKILL then resumed ends bit-identical to an uninterrupted webgpu run. Without a GPU,
// webgpu runs on Mesa llvmpipe through Dawn's OpenGL ES route (scripts/setup.mjs installs Mesa),
// so a webgpu that does not start fails these tests.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { initBackend } from '../trainer/backend/select.js';
import { trainingMemory } from '../trainer/backend/trainingMemory.js';
import { allocatableBytes, guardWebgpu, probeWebgpu, WebgpuDeviceError, webgpuDevice } from '../trainer/backend/webgpu.js';
import { resolveShape } from '../trainer/model/architecture.js';
import { memorySafeMicroBatch } from '../trainer/train/microBatch.js';
import { guardStep } from '../trainer/train/stepGuard.js';
import { readSafetensors } from '../trainer/io/safetensors.js';
import { derivedRng } from '../trainer/random/derivedRng.js';
import { heartbeatIntervalMs } from '../trainer/run/format.js';
import { events, exited, firstCheckpoint, onlyRun, runInfo, spawnCli, watchOneLongStep } from './support/runs.js';
import { waitFor } from './support/waitFor.js';

const tmp = mkdtempSync(join(tmpdir(), 'crate-webgpu-train-'));

/** Fails the test when webgpu cannot start; names the adapter when it can. */
async function requireWebgpu(t: TestContext): Promise<void> {
  const probe = await probeWebgpu();
  assert.ok(probe.ok, `webgpu did not start: ${probe.detail}`);
  t.diagnostic(probe.detail);
}

function writeConfig(name: string, body: string): string {
  const file = join(tmp, `${name}.crate.yaml`);
  writeFileSync(file, `name: ${name}\n${body}`);
  return file;
}

interface Trained {
  runDir: string;
  losses: number[];
  srrLosses: Array<number | undefined>;
  weights: Map<string, Float32Array>;
}

async function train(config: string, backend: 'webgpu' | 'wasm', steps: number): Promise<Trained> {
  const runsDir = join(tmp, `${backend}-${config.split('/').pop()}`);
  const r = await exited(spawnCli(['train', config, '--backend', backend, '--runs-dir', runsDir]));
  assert.equal(r.code, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /^webgpu: /m, 'the device reported an error');
  const runDir = onlyRun(runsDir)!;
  assert.equal(runInfo(runDir).status, 'completed');
  assert.match(runInfo(runDir).backend, new RegExp(`^${backend}`));
  const scalars = events(runDir).flatMap((e) => (e.type === 'scalars' ? [e] : []));
  assert.deepEqual(scalars.map((e) => e.step), Array.from({ length: steps }, (_, i) => i + 1));
  const file = readSafetensors(join(runDir, 'checkpoints', `step-${String(steps).padStart(8, '0')}`, 'weights.safetensors'));
  const weights = new Map([...file.tensors].map(([name, t]) => [name, t.data as Float32Array]));
  return { runDir, losses: scalars.map((e) => e.loss), srrLosses: scalars.map((e) => e.srrLoss), weights };
}

/** Largest |a − b| over every tensor, both runs having the same tensors. */
function maxWeightDiff(a: Map<string, Float32Array>, b: Map<string, Float32Array>): { diff: number; name: string } {
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort());
  let worst = { diff: 0, name: '' };
  for (const [name, x] of a) {
    const y = b.get(name)!;
    assert.equal(x.length, y.length, name);
    for (let i = 0; i < x.length; i++) {
      const d = Math.abs(x[i] - y[i]);
      if (!(d <= worst.diff)) worst = { diff: d, name }; // NaN counts as the worst
    }
  }
  return worst;
}

/**
 * Tolerances: both backends compute in float32 with different kernels (summation orders) and
 * the SRR logdets in float32 on webgpu (float64 on wasm), so losses and weights agree to a few
 * float32 ulps; measured on llvmpipe after 6 steps: ≤ 2e-7 relative for losses, ≤ 2e-7 for
 * weights. The bounds leave 50× room and stay far below one step's update (lr 2e-3).
 */
const lossTolerance = 1e-5;
const weightTolerance = 1e-5;

function assertSameTraining(t: TestContext, gpu: Trained, cpu: Trained): void {
  const worstLoss = Math.max(...gpu.losses.map((l, i) => Math.abs(l - cpu.losses[i]) / Math.abs(cpu.losses[i])));
  t.diagnostic(`largest relative loss difference ${worstLoss.toExponential(2)}, largest weight difference ${maxWeightDiff(gpu.weights, cpu.weights).diff.toExponential(2)}`);
  gpu.losses.forEach((l, i) => assert.ok(Math.abs(l - cpu.losses[i]) <= lossTolerance * Math.abs(cpu.losses[i]), `step ${i + 1}: loss ${l} on webgpu, ${cpu.losses[i]} on wasm`));
  gpu.srrLosses.forEach((l, i) => {
    const want = cpu.srrLosses[i];
    if (want === undefined) return assert.equal(l, undefined);
    assert.ok(l !== undefined && Math.abs(l - want) <= lossTolerance * Math.abs(want), `step ${i + 1}: srrLoss ${l} on webgpu, ${want} on wasm`);
  });
  const { diff, name } = maxWeightDiff(gpu.weights, cpu.weights);
  assert.ok(diff <= weightTolerance, `final weights differ by ${diff} (${name})`);
}

test('crate-alpha with micro-batches and dropout: 6 steps on webgpu match wasm (loss per step, final weights)', async (t) => {
  await requireWebgpu(t);
  // Dropout's masks come from the host (model/dropout.ts): the same on both backends.
  const config = writeConfig(
    'alpha',
    `seed: 4
model: { arch: crate-alpha, depth: 2, width: 16, heads: 2, dropout: 0.2 }
data: { kind: synthetic-subspaces, trainSize: 256, testSize: 32 }
optim: { batchSize: 16, microBatch: 6, maxSteps: 6, lr: 0.002, warmup: 2 }
eval: { every: 3 }
introspect: { every: 3, probeImages: 4 }
checkpoint: { every: 3 }
`,
  );
  const gpu = await train(config, 'webgpu', 6);
  const cpu = await train(config, 'wasm', 6);
  assertSameTraining(t, gpu, cpu);
  // Evaluation and introspection ran on the device too, and agree.
  // Validation at steps 3 and 6 with the training subset's, then the final test evaluation.
  const evals = (run: Trained): number[] => events(run.runDir).flatMap((e) => (e.type === 'eval' ? [e.loss, ...(e.train ? [e.train.loss] : [])] : []));
  assert.equal(evals(gpu).length, 2 * 2 + 1);
  evals(gpu).forEach((l, i) => assert.ok(Math.abs(l - evals(cpu)[i]) <= lossTolerance * Math.abs(l), `evaluated loss ${l} vs ${evals(cpu)[i]}`));
  const layers = (run: Trained): number[] => events(run.runDir).flatMap((e) => (e.type === 'layers' ? e.layers.flatMap((l) => [l.R, l.Rc]) : []));
  assert.equal(layers(gpu).length, 2 * 2 * 2);
  layers(gpu).forEach((v, i) => assert.ok(Math.abs(v - layers(cpu)[i]) <= 1e-3 * Math.abs(v), `layer metric ${v} vs ${layers(cpu)[i]}`));
});

test('crate with the SRR regularizer and micro-batches: 6 steps on webgpu match wasm (loss, srrLoss, final weights)', async (t) => {
  await requireWebgpu(t);
  const config = writeConfig(
    'srr',
    `seed: 5
model: { arch: crate, depth: 2, width: 16, heads: 2 }
data: { kind: synthetic-subspaces, trainSize: 256, testSize: 32 }
optim: { batchSize: 16, microBatch: 8, maxSteps: 6, lr: 0.002, warmup: 2 }
srr: { weight: 0.05, layers: [0, 1] }
introspect: { every: 0 }
checkpoint: { every: 6 }
`,
  );
  const gpu = await train(config, 'webgpu', 6);
  const cpu = await train(config, 'wasm', 6);
  assert.ok(gpu.srrLosses.every((l) => l !== undefined && Number.isFinite(l)), 'srrLoss on every step');
  assertSameTraining(t, gpu, cpu);
});

test('webgpu: SIGKILL after the first checkpoint, then resume, is bit-identical to an uninterrupted webgpu run', async (t) => {
  await requireWebgpu(t);
  const steps = 10;
  const config = writeConfig(
    'resume',
    `seed: 6
model: { arch: crate-alpha, depth: 2, width: 16, heads: 2 }
data: { kind: synthetic-subspaces, trainSize: 256, testSize: 32 }
optim: { batchSize: 16, microBatch: 8, maxSteps: ${steps}, lr: 0.002, warmup: 2 }
srr: { weight: 0.05, layers: random }
eval: { every: 5 }
introspect: { every: 0 }
checkpoint: { every: 3, keep: 2 }
`,
  );
  const straight = await train(config, 'webgpu', steps);

  const runsDir = join(tmp, 'killed');
  const child = spawnCli(['train', config, '--backend', 'webgpu', '--runs-dir', runsDir]);
  const result = exited(child);
  const runDir = await firstCheckpoint(runsDir);
  // A seeded kill point after the first checkpoint (step 3), printed so a failure can be replayed.
  const target = 4 + derivedRng(12, 0x6b1, 0).int(steps - 5);
  t.diagnostic(`killing at step ${target}`);
  await waitFor(`step ${target}`, () => (runInfo(runDir).step >= target ? true : undefined), 60_000);
  child.kill('SIGKILL');
  assert.equal((await result).signal, 'SIGKILL');
  const stepAtKill = runInfo(runDir).step;
  assert.ok(stepAtKill < steps, `killed too late (step ${stepAtKill})`);

  const resumed = await exited(spawnCli(['resume', runDir]));
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(runInfo(runDir).status, 'completed');
  assert.match(runInfo(runDir).backend, /^webgpu/, 'resume keeps the run on webgpu');
  const final = (dir: string, file: string): Buffer => readFileSync(join(dir, 'checkpoints', `step-${String(steps).padStart(8, '0')}`, file));
  assert.ok(final(runDir, 'weights.safetensors').equals(final(straight.runDir, 'weights.safetensors')), 'final weights differ from the uninterrupted run');
  assert.ok(final(runDir, 'optimizer.safetensors').equals(final(straight.runDir, 'optimizer.safetensors')), 'final optimizer state differs');
  const scalars = events(runDir).flatMap((e) => (e.type === 'scalars' ? [e] : []));
  assert.deepEqual(scalars.map((e) => e.step), Array.from({ length: steps }, (_, i) => i + 1), 'every step exactly once');
  assert.deepEqual(scalars.map((e) => e.loss), straight.losses);
});

test('on webgpu the micro-batch respects the device: its binding limit, a measured allocation, and device errors fail loudly', async (t) => {
  await requireWebgpu(t);
  await initBackend('webgpu');
  try {
    const device = webgpuDevice()!;
    const memory = await trainingMemory(2 ** 30);
    const binding = Math.min(device.limits.maxBufferSize, device.limits.maxStorageBufferBindingSize);
    assert.equal(memory.maxTensorBytes, binding);
    t.diagnostic(`${memory.source}; budget ${memory.budgetBytes} bytes`);
    // 224×224 images in patches of 8: 785 tokens, so one image's attention scores are
    // 12 heads × 785² float32 = 29.6 MB; a batch of them must fit one binding.
    const shape = resolveShape('crate-alpha', undefined, { image: 224, patch: 8, channels: 3, dim: 48, depth: 1, heads: 12, classes: 10 });
    const perImage = 12 * 785 * 785 * 4;
    const micro = memorySafeMicroBatch(shape, 4096, { budgetBytes: 2 ** 50, maxTensorBytes: binding, source: 'test' });
    assert.equal(micro, Math.floor(binding / perImage));

    // The allocation probe counts what the device lets allocate, up to its cap.
    assert.equal(await allocatableBytes(device, 2 ** 24, 2 ** 26), 2 ** 26);

    // A device error inside a guarded step is thrown, not printed and trained through.
    await assert.rejects(
      guardWebgpu(async () => {
        device.createBuffer({ size: 16, usage: 0 }); // no usage: invalid
      }),
      (e: unknown) => e instanceof WebgpuDeviceError && e.kind === 'validation',
    );
    assert.equal(await guardWebgpu(async () => 7), 7, 'a clean step passes through');

    // Running out of device memory in a step names the micro-batch to use. (A real out-of-memory
    // cannot be provoked on llvmpipe, whose buffers are lazily committed host memory: this is the
    // error guardWebgpu raises for one.)
    const oom = new WebgpuDeviceError('out-of-memory', 'webgpu ran out of memory: Out of memory allocating 2147483648 bytes');
    await assert.rejects(
      guardStep(24, async () => {
        throw oom;
      }),
      { message: 'webgpu ran out of memory: Out of memory allocating 2147483648 bytes in a training step with micro-batches of 24 images: set optim.microBatch to 12 or less' },
    );
  } finally {
    await initBackend('cpu');
  }
});

test('webgpu: during a long training step the heartbeat stays fresh and SIGTERM is taken at once; the run stops after the step', async (t) => {
  await requireWebgpu(t);
  // One step of 2048 images in 64 micro-batches takes several seconds on llvmpipe (12 s here).
  const config = writeConfig(
    'long',
    `seed: 1
model: { arch: crate-alpha, depth: 1, width: 8, heads: 2 }
data: { kind: synthetic-subspaces, trainSize: 2400, testSize: 32 }
optim: { batchSize: 2048, microBatch: 32, maxSteps: 3 }
introspect: { every: 0 }
checkpoint: { every: 100 }
`,
  );
  const runsDir = join(tmp, 'long');
  const child = spawnCli(['train', config, '--backend', 'webgpu', '--runs-dir', runsDir]);
  const result = exited(child);
  t.after(() => child.kill('SIGKILL'));
  const runDir = await waitFor('run.json', () => (onlyRun(runsDir) && readdirSync(onlyRun(runsDir)!).includes('run.json') ? onlyRun(runsDir) : undefined));
  await waitFor('the webgpu backend', () => /^webgpu/.test(runInfo(runDir).backend));

  // Watch until one step has lasted 2.5 heartbeat intervals: the heartbeat may never be older than two.
  const { beats } = await watchOneLongStep(runDir, 3);
  assert.ok(beats.size >= 2, 'the heartbeat advanced during the step');

  child.kill('SIGTERM');
  const signalled = Date.now();
  await waitFor('status stopping', () => runInfo(runDir).status === 'stopping', 2 * heartbeatIntervalMs);
  t.diagnostic(`SIGTERM taken after ${Date.now() - signalled} ms, at step ${runInfo(runDir).step}`);
  const r = await result;
  assert.equal(r.code, 0, r.stderr);
  const info = runInfo(runDir);
  assert.equal(info.status, 'stopped');
  assert.ok(info.step < 3, `stopped at step ${info.step}, after the run's end`);
});
