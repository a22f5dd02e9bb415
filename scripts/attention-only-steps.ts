// The SRR study's attention-only question (Hu, Zou & Xu 2024, Fig. 1a) asked of each layer of an
// attention-only run (model.attentionOnly) against one set of subspaces: does the layer's step
// Z^{ℓ+1} = Z^ℓ ± MSSA(LN Z^ℓ) lower Rc(·|U^ℓ), its own subspaces', before and after the step,
// both on what MSSA sees (LN_ℓ of the stream) and on the stream itself? The per-layer Rc the
// trainer logs compares each layer's MSSA input with that layer's own U, which differs from layer
// to layer; this holds U (and the LayerNorm) fixed across the one step.
// On the run's probe images (probe.bin), at its initialisation (the same seed) and its final
// checkpoint. docs/study.md, "The attention-only experiment".
//
//   npx tsx scripts/attention-only-steps.ts RUN_DIR
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tf, type Tensor } from '../trainer/tf.js';
import { loadConfigFile, modelShape } from '../trainer/config/index.js';
import { blockConstants, type ModelShape } from '../trainer/model/architecture.js';
import { forward } from '../trainer/model/forward.js';
import { initializeParameters } from '../trainer/model/initialize.js';
import { layerNorm } from '../trainer/model/layerNorm.js';
import { type Params, toParams } from '../trainer/model/params.js';
import { embedPatches } from '../trainer/model/patchEmbedding.js';
import { readSafetensors } from '../trainer/io/safetensors.js';
import { compressionRate } from '../trainer/metrics/codingRate.js';
import { Rng } from '../trainer/random/rng.js';

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

function meanRc(z: Tensor, u: Float32Array, heads: number, eps: number): number {
  const [b, n, d] = z.shape;
  const data = z.dataSync() as Float32Array;
  return mean(Array.from({ length: b }, (_, i) => compressionRate(data.subarray(i * n * d, (i + 1) * n * d), n, d, u, heads, eps)));
}

interface Step {
  /** Rc(LN_ℓ Z^ℓ | U^ℓ) → Rc(LN_ℓ Z^{ℓ+1} | U^ℓ): what MSSA sees, before and after the step. */
  normed: { before: number; after: number };
  /** Rc(Z^ℓ | U^ℓ) → Rc(Z^{ℓ+1} | U^ℓ): the stream itself, without the LayerNorm. */
  stream: { before: number; after: number };
}

/** Per layer, means over the images. */
function steps(images: Tensor, p: Params, s: ModelShape, eps: number): Step[] {
  const { layers } = forward(images, p, s, { trace: true });
  const embedded = embedPatches(images, p, s);
  return layers.map((t, l) => {
    const pre = `transformer.layers.${l}.0.norm`;
    const input = l === 0 ? embedded : layers[l - 1].code; // an attention-only layer's trace code is its output
    const normedAfter = layerNorm(t.code, p[`${pre}.weight`], p[`${pre}.bias`], blockConstants.layerNormEps(s.arch));
    const u = p[`transformer.layers.${l}.0.fn.qkv.weight`].dataSync() as Float32Array;
    const rc = (z: Tensor): number => meanRc(z, u, s.heads, eps);
    return { normed: { before: rc(t.mssaInput), after: rc(normedAfter) }, stream: { before: rc(input), after: rc(t.code) } };
  });
}

async function main(): Promise<void> {
  const runDir = process.argv[2];
  if (!runDir) throw new Error('usage: npx tsx scripts/attention-only-steps.ts RUN_DIR');
  await tf.setBackend('cpu');
  const { config } = loadConfigFile(join(runDir, 'config.yaml'), { files: false });
  const shape = modelShape(config.model);
  if (!shape.attentionOnly) throw new Error(`${runDir}: not an attention-only run (model.attentionOnly is off)`);
  const bytes = readFileSync(join(runDir, 'probe.bin'));
  const pixels = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const count = pixels.length / (shape.channels * shape.image * shape.image);
  const images = tf.tensor(pixels, [count, shape.channels, shape.image, shape.image]);
  const latest = readFileSync(join(runDir, 'checkpoints', 'latest'), 'utf8').trim();
  const weights: Array<[string, Params]> = [
    [`initialisation (seed ${config.seed})`, toParams(initializeParameters(shape, new Rng(config.seed)))],
    [`${latest}`, toParams(readSafetensors(join(runDir, 'checkpoints', latest, 'weights.safetensors')).tensors)],
  ];
  const eps = config.introspect.codingRateEps;
  process.stdout.write(`${shape.arch}, attention-only, depth ${shape.depth}, width ${shape.dim}, ${shape.heads} heads; ${count} probe images, ε = ${eps}\n`);
  for (const [label, p] of weights) {
    process.stdout.write(`${label}\nlayer  Rc(LN Z^ℓ|U^ℓ) → Rc(LN Z^ℓ⁺¹|U^ℓ)  change   Rc(Z^ℓ|U^ℓ) → Rc(Z^ℓ⁺¹|U^ℓ)  change\n`);
    const cell = (x: number, w: number): string => x.toFixed(3).padStart(w);
    steps(images, p, shape, eps).forEach((r, l) =>
      process.stdout.write(
        `${String(l).padStart(5)} ${cell(r.normed.before, 14)} ${cell(r.normed.after, 19)} ${cell(r.normed.after - r.normed.before, 7)} ${cell(r.stream.before, 13)} ${cell(r.stream.after, 16)} ${cell(r.stream.after - r.stream.before, 7)}\n`,
      ),
    );
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
});
