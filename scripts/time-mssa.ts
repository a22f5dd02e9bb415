// MSSA's attention core and the whole MSSA block alone on the wasm backend, forward and
// forward+backward, at the micro-batch shapes of issue 17 (mnist: 15 × 50 tokens, 3 heads;
// cifar: 6 × 65 tokens, 6 heads; p = 64): the before/after figures of the fused attention kernel.
//
//   node --import tsx scripts/time-mssa.ts [--repeats N]
//
// Each row runs twice: with the fused kernel (backend/nativeAttention.ts) and with the composed
// ops (the kernel unregistered), interleaved so that both see the same load.
import { parseArgs } from 'node:util';
import { tf } from '../trainer/tf.js';
import { useBackend } from '../trainer/cli/backendFlag.js';
import { resolveShape } from '../trainer/model/architecture.js';
import { initializeParameters } from '../trainer/model/initialize.js';
import { parameterSpecs } from '../trainer/model/parameters.js';
import { mssa, multiHeadAttention } from '../trainer/model/mssa.js';
import { Rng } from '../trainer/random/rng.js';
import { loadNativeGemm } from '../trainer/backend/nativeGemm.js';
import { registerAttentionKernels, unregisterAttentionKernels } from '../trainer/backend/nativeAttention.js';

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { repeats: { type: 'string', default: '20' } } });
  const repeats = Number(values.repeats);
  await useBackend('wasm');
  const gemm = loadNativeGemm();
  if (!gemm.ok) throw new Error(`the addon is needed: ${gemm.reason}`);
  tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
  const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  // Median and minimum: on a shared machine the minimum is the steadier of the two.
  const time = (f: () => void): string => {
    f();
    const ms: number[] = [];
    for (let i = 0; i < repeats; i++) {
      const t0 = performance.now();
      f();
      ms.push(performance.now() - t0);
    }
    return `${median(ms).toFixed(2)} (min ${Math.min(...ms).toFixed(2)})`;
  };
  const shapes = {
    mnist: { micro: 15, dim: 192, heads: 3, image: 28, channels: 1 },
    cifar: { micro: 6, dim: 384, heads: 6, image: 32, channels: 3 },
  };
  console.log('| shape | block | path | forward ms | forward+backward ms | kernel calls forward+backward |\n|---|---|---|---|---|---|');
  for (const [name, c] of Object.entries(shapes)) {
    const shape = resolveShape('crate-alpha', undefined, { classes: 10, dim: c.dim, depth: 1, heads: c.heads, image: c.image, patch: 4, channels: c.channels });
    const host = initializeParameters(shape, new Rng(0));
    const vars: Record<string, tf.Variable> = {};
    for (const spec of parameterSpecs(shape)) vars[spec.name] = tf.variable(tf.tensor(host.get(spec.name)!.data, spec.shape), spec.trainable, spec.name);
    const tokens = (shape.image / shape.patch) ** 2 + 1;
    const x = tf.variable(tf.randomNormal([c.micro, tokens, shape.dim], 0, 1, 'float32', 2), true, 'input');
    const blocks: Record<string, () => tf.Tensor> = {
      'attention core': () => multiHeadAttention(x, shape.heads, (shape.dim / shape.heads) ** -0.5).heads,
      MSSA: () => mssa(x, vars, 'transformer.layers.0.0.fn', shape).out,
    };
    for (const [block, f] of Object.entries(blocks)) {
      for (const path of ['composed', 'fused']) {
        if (path === 'fused') registerAttentionKernels(gemm.addon);
        else unregisterAttentionKernels();
        const fwd = time(() => tf.dispose(f()));
        const fwdBwd = (): void => {
          const { value, grads } = tf.variableGrads(() => f().square().mean() as tf.Scalar);
          tf.dispose([value, ...Object.values(grads)]);
        };
        const both = time(fwdBwd);
        const calls = (await tf.profile(fwdBwd)).kernels.length;
        console.log(`| ${name} | ${block} | ${path} | ${fwd} | ${both} | ${calls} |`);
      }
    }
    tf.dispose([x, ...Object.values(vars)]);
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
