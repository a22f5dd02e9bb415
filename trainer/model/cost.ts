// Analytical cost of one image through the forward pass, counted from the matmuls of the
// blocks (elementwise ops, softmax and norms are O(N·d) and left out), 2 FLOPs per multiply-add.
import { type ModelShape, mssaOutput, tokenCount } from './architecture.js';
import { countParameters } from './parameters.js';

export function forwardFlopsPerImage(s: ModelShape): number {
  const n = tokenCount(s);
  const d = s.dim;
  const patches = n - 1;
  let macs = patches * s.channels * s.patch * s.patch * d; // patch embedding
  const attention = 2 * n * n * d; // w wᵀ and attn · w over all heads
  let perLayer: number;
  if (s.arch === 'vit') {
    perLayer = 3 * n * d * d + attention + n * d * d + (s.attentionOnly ? 0 : 2 * n * d * 4 * d);
  } else {
    const outMap = mssaOutput(s.arch) === 'identity' ? 0 : n * d * d;
    const mssa = n * d * d + attention + outMap;
    const sparse = s.arch === 'crate-alpha' ? 4 * n * d * s.overcomplete * d : 3 * n * d * d;
    perLayer = mssa + (s.attentionOnly ? 0 : sparse);
  }
  macs += s.depth * perLayer + d * s.classes;
  return 2 * macs;
}

/**
 * float32 bytes of the intermediate tensors one image creates in a forward pass: what
 * backpropagation keeps alive, so a guide to memory per training image.
 */
export function activationBytesPerImage(s: ModelShape): number {
  const n = tokenCount(s);
  const d = s.dim;
  const m = s.arch === 'crate-alpha' ? s.overcomplete * d : s.arch === 'vit' ? 4 * d : d;
  const halves = s.attentionOnly ? 1 : 2;
  const norms = halves * 3 * n * d; // a LayerNorm per half: centred, normalised, scaled
  const attention = 3 * n * d + 3 * s.heads * n * n + n * d; // projections, scores, softmax, heads
  const sparse = s.attentionOnly ? 0 : s.arch === 'crate-alpha' ? 5 * n * m + 2 * n * d : s.arch === 'vit' ? 3 * n * m + n * d : 5 * n * d;
  const embed = (n - 1) * s.channels * s.patch * s.patch + 2 * n * d;
  return 4 * (embed + s.depth * (norms + attention + sparse + halves * n * d));
}

/**
 * Training holds about 4× the forward activations per image when the model runs as tfjs ops (the
 * tape keeps inputs and outputs of every op, and gradients of the same size): measured 62 MB per
 * image for CRATE-α d=192, depth 12, 50 tokens, whose forward activations are 16 MiB.
 */
const trainingBytesPerActivationByte = 4;

/**
 * With its blocks fused (model/fusedBlock.ts: the wasm backend with the addon), CRATE-α keeps less
 * than its forward activations per training image (the kernels save only what backward reads):
 * peak RSS grows by 12.0 MiB per image at d 192 (activations 16.8 MB) and 31.4 MiB at d 384
 * (44.6 MB), 0.75× at both; planned at 0.8× (docs/performance.md, "Micro-batches planned from
 * measured bytes").
 */
const fusedTrainingBytesPerActivationByte = 0.8;

/**
 * Estimated bytes one image takes in training (micro-batches and bench:gpu's batches are sized by
 * it); `fusedBlocks` when the backend runs the model's fused kernels.
 */
export function trainingBytesPerImage(s: ModelShape, fusedBlocks = false): number {
  const perActivationByte = fusedBlocks && s.arch === 'crate-alpha' ? fusedTrainingBytesPerActivationByte : trainingBytesPerActivationByte;
  return perActivationByte * activationBytesPerImage(s);
}

/**
 * Bytes training holds whatever the micro-batch: the weights, AdamW's two moments, the batch's
 * summed gradients and one micro-batch's (float32).
 */
export function trainingStateBytes(s: ModelShape): number {
  return 5 * 4 * countParameters(s);
}

/**
 * float32 bytes of the largest single tensor one image contributes to in training (attention
 * scores [K, N, N], the sparse code [N, m], the MLP's or ISTA's hidden [N, ·], the patches): a
 * batch of b images needs b times this in one device buffer, which WebGPU caps per binding.
 */
export function largestTensorBytesPerImage(s: ModelShape): number {
  const n = tokenCount(s);
  const d = s.dim;
  const hidden = s.arch === 'crate-alpha' ? s.overcomplete * d : s.arch === 'vit' ? 4 * d : d;
  return 4 * Math.max(s.heads * n * n, n * hidden, 3 * n * d, (n - 1) * s.channels * s.patch * s.patch);
}
