// Where one CPU training step of CRATE-α goes on the wasm backend (issue 17's profile):
//
//   node --import tsx scripts/profile-train-step.ts [--shape mnist|cifar] [--steps N]
//
// 1. The step's wall time, unprofiled (median of --steps, after two warm-up steps).
// 2. The same step under tf.profile: the wall time of each kernel call (wasm kernels and the
//    OpenBLAS addon run synchronously on this thread, so each call's time is its whole cost),
//    summed by kernel and grouped: GEMM, softmax, elementwise and reductions, layout copies.
//    The step's wall time minus all kernels is tfjs's bookkeeping (engine, tape, gradient
//    closures, tensor allocation and disposal) and JavaScript.
// 3. Each block of the model alone, forward and backward at the step's micro-batch shape
//    (LayerNorm, MSSA and its attention core, ODL), times the model's depth, so the groups
//    above can be read per block.
import { parseArgs } from 'node:util';
import { tf } from '../trainer/tf.js';
import { useBackend } from '../trainer/cli/backendFlag.js';
import { resolveShape } from '../trainer/model/architecture.js';
import { initializeParameters } from '../trainer/model/initialize.js';
import { layerNorm } from '../trainer/model/layerNorm.js';
import { mssa, multiHeadAttention } from '../trainer/model/mssa.js';
import { odl } from '../trainer/model/odl.js';
import { Rng } from '../trainer/random/rng.js';
import { configSchema } from '../trainer/config/schema.js';
import { adamWFor, scaleToNorm } from '../trainer/train/adamw.js';
import { modelVariables } from '../trainer/train/modelVariables.js';
import { batchGradients, readStatistics } from '../trainer/train/gradients.js';
import { backendMicroBatch } from '../trainer/train/microBatch.js';

/** Binary kernels apart by operand shapes: tfjs-backend-wasm takes other paths for broadcasts. */
function kernelKey(name: string, inputShapes: number[][]): string {
  if (inputShapes.length !== 2 || !['Add', 'Sub', 'Multiply', 'RealDiv'].includes(name)) return name;
  const [a, b] = inputShapes.map((s) => s.reduce((x, y) => x * y, 1));
  if (a === b) return `${name} (same shape)`;
  if (a === 1 || b === 1) return `${name} (scalar)`;
  return `${name} (broadcast)`;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { shape: { type: 'string', default: 'mnist' }, steps: { type: 'string', default: '3' } } });
  const shapes = {
    mnist: { dim: 192, depth: 12, heads: 3, image: 28, patch: 4, channels: 1 },
    cifar: { dim: 384, depth: 12, heads: 6, image: 32, patch: 4, channels: 3 },
  } as const;
  const chosen = shapes[values.shape as keyof typeof shapes];
  if (!chosen) throw new Error(`--shape ${values.shape}: mnist or cifar`);
  const steps = Number(values.steps);
  const batch = 64;

  const backend = await useBackend('wasm');
  const shape = resolveShape('crate-alpha', undefined, { classes: 10, ...chosen });
  const { microBatch } = await backendMicroBatch(shape, batch);
  const rng = new Rng(0);
  const host = initializeParameters(shape, rng);
  const model = modelVariables(shape, host);
  const { vars, trainable } = model;
  const images = tf.randomNormal([batch, shape.channels, shape.image, shape.image], 0, 1, 'float32', 1);
  const labels = tf.tensor(Float32Array.from({ length: batch }, (_, i) => i % 10), [batch]);
  // The trainer's step with the config's defaults, as `crate-lab bench` takes it: AdamW, clipping.
  const optim = configSchema.shape.optim.parse({});
  const optimizer = adamWFor(optim, model);

  async function step(): Promise<void> {
    const computed = await batchGradients(vars, trainable, images, labels, shape, microBatch, 0, undefined, optim.gradClip > 0);
    const { gradNorm } = await readStatistics(computed, batch, false);
    if (gradNorm !== undefined) scaleToNorm(computed.grads, gradNorm, optim.gradClip);
    optimizer.apply(computed.grads, 1e-4);
    tf.dispose(Object.values(computed.grads));
  }

  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  async function timeMs(f: () => Promise<void> | void, repeats: number): Promise<number> {
    const times: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      await f();
      times.push(performance.now() - t0);
    }
    return median(times);
  }

  // The profiler would read every kernel's output back to check for NaN: not part of a step.
  tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
  for (let i = 0; i < 2; i++) await step();
  const stepMs = await timeMs(step, steps);

  const groups: Record<string, string> = {
    BatchMatMul: 'GEMM (OpenBLAS addon)',
    _FusedMatMul: 'GEMM (OpenBLAS addon)',
    CrateOdl: 'fused ODL block (addon: its products and passes)',
    CrateOdlGrad: 'fused ODL block (addon: its products and passes)',
    CrateLayerNorm: 'fused LayerNorm and attention core (addon)',
    CrateLayerNormGrad: 'fused LayerNorm and attention core (addon)',
    CrateSubspaceAttention: 'fused LayerNorm and attention core (addon)',
    CrateSubspaceAttentionGrad: 'fused LayerNorm and attention core (addon)',
    Conv2D: 'patch embedding (Conv2D)',
    Conv2DBackpropFilter: 'patch embedding (Conv2D)',
    Softmax: 'softmax',
    Transpose: 'layout copies (Transpose, Slice, Concat, Pad, Tile)',
    Slice: 'layout copies (Transpose, Slice, Concat, Pad, Tile)',
    Concat: 'layout copies (Transpose, Slice, Concat, Pad, Tile)',
    Pad: 'layout copies (Transpose, Slice, Concat, Pad, Tile)',
    Tile: 'layout copies (Transpose, Slice, Concat, Pad, Tile)',
    Reshape: 'no-copy views (Reshape, Identity, Cast)',
    Identity: 'no-copy views (Reshape, Identity, Cast)',
    Cast: 'no-copy views (Reshape, Identity, Cast)',
  };
  const profileStart = performance.now();
  const info = await tf.profile(step);
  const profiledMs = performance.now() - profileStart;
  const byKernel = new Map<string, { calls: number; ms: number }>();
  for (const k of info.kernels) {
    // A custom gradient's forward (ODL's: model/odl.ts) is listed as an unnamed scope around the
    // kernels it runs, which are listed too: counting it would count them twice.
    if (k.name === 'unnamed scope') continue;
    const ms = Number(await k.kernelTimeMs) || 0;
    const key = kernelKey(k.name, k.inputShapes);
    const e = byKernel.get(key) ?? { calls: 0, ms: 0 };
    e.calls += 1;
    e.ms += ms;
    byKernel.set(key, e);
  }
  const byGroup = new Map<string, number>();
  for (const [key, e] of byKernel) {
    const g = groups[key.split(' ')[0]] ?? 'elementwise and reductions (AdamW, clipping, residual adds, gradient sums, …)';
    byGroup.set(g, (byGroup.get(g) ?? 0) + e.ms);
  }
  const kernelMs = [...byKernel.values()].reduce((s, e) => s + e.ms, 0);

  // Each block alone, forward + backward (gradients of its input and its parameters), ×depth.
  const tokens = (shape.image / shape.patch) ** 2 + 1;
  // A variable, so that each block's backward includes the gradient of its input, as in a step.
  const x = tf.variable(tf.randomNormal([microBatch, tokens, shape.dim], 0, 1, 'float32', 2), true, 'profile.input');
  const v = (name: string): tf.Variable => vars[name];
  const layer = 'transformer.layers.0';
  const blocks: Record<string, () => tf.Tensor> = {
    LayerNorm: () => layerNorm(x, v(`${layer}.0.norm.weight`), v(`${layer}.0.norm.bias`), 1e-6),
    MSSA: () => mssa(x, vars, `${layer}.0.fn`, shape).out,
    'MSSA attention core (w wᵀ, softmax, ·w)': () => multiHeadAttention(x, shape.heads, (shape.dim / shape.heads) ** -0.5).heads,
    ODL: () => odl(x.reshape([microBatch * tokens, shape.dim]), vars, `${layer}.1.fn`).out,
  };
  const blockRows: string[] = [];
  const micro = Math.ceil(batch / microBatch);
  for (const [name, f] of Object.entries(blocks)) {
    tf.dispose(f());
    // One forward+backward of the block for the micro-batch; a step does depth × micro-batches.
    const fwd = await timeMs(() => tf.dispose(f()), 5);
    const both = await timeMs(() => {
      const { value, grads } = tf.variableGrads(() => f().square().mean() as tf.Scalar);
      tf.dispose([value, ...Object.values(grads)]);
    }, 5);
    const perStep = (ms: number): string => (ms * shape.depth * micro).toFixed(0);
    blockRows.push(`| ${name} | ${fwd.toFixed(2)} | ${both.toFixed(2)} | ${perStep(both)} |`);
  }

  const pct = (ms: number): string => `${((100 * ms) / profiledMs).toFixed(1)}%`;
  console.log(`## ${values.shape}: CRATE-α d ${shape.dim}, depth ${shape.depth}, ${shape.heads} heads, ${shape.image}×${shape.image}×${shape.channels} patch ${shape.patch}, batch ${batch}, micro-batch ${microBatch}, backend ${backend}`);
  console.log(`step ${stepMs.toFixed(0)} ms unprofiled (${((batch * 1000) / stepMs).toFixed(1)} images/s); profiled step ${profiledMs.toFixed(0)} ms, ${info.kernels.length} kernel calls, ${info.newTensors} tensors left, peak ${(info.peakBytes / 2 ** 20).toFixed(0)} MiB\n`);
  console.log('| group | ms per step | share |\n|---|---|---|');
  for (const [g, ms] of [...byGroup].sort((a, b) => b[1] - a[1])) console.log(`| ${g} | ${ms.toFixed(0)} | ${pct(ms)} |`);
  console.log(`| tfjs bookkeeping and JavaScript (step − kernels) | ${(profiledMs - kernelMs).toFixed(0)} | ${pct(profiledMs - kernelMs)} |`);
  console.log('\n| kernel | calls | ms per step |\n|---|---|---|');
  for (const [name, e] of [...byKernel].sort((a, b) => b[1].ms - a[1].ms).slice(0, 25)) console.log(`| ${name} | ${e.calls} | ${e.ms.toFixed(1)} |`);
  console.log(`\n| block (one micro-batch of ${microBatch}) | forward ms | forward+backward ms | ×${shape.depth} layers ×${micro} micro-batches, ms per step |\n|---|---|---|---|`);
  for (const row of blockRows) console.log(row);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
