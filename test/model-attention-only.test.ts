// The SRR study's attention-only model (`model.attentionOnly`; Hu, Zou & Xu 2024, Fig. 1a): every
// layer is MSSA with its skip connection, no sparse-coding block. Its forward pass against layers
// composed here from the parameters, in the paper's orientation (tokens as the columns of Z ∈ R^{d×N},
// one head's subspace at a time), and what its checkpoints say about it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tf, type Tensor } from '../trainer/tf.js';
import { type ArchId, resolveShape } from '../trainer/model/architecture.js';
import { checkpointShape, shapeMetadata } from '../trainer/model/checkpointShape.js';
import { forward } from '../trainer/model/forward.js';
import { initializeParameters } from '../trainer/model/initialize.js';
import { parameterSpecs } from '../trainer/model/parameters.js';
import { type Params, toParams } from '../trainer/model/params.js';
import { embedPatches } from '../trainer/model/patchEmbedding.js';
import { Rng } from '../trainer/random/rng.js';
import { maxScaledDiff } from './support/reference.js';

/** LayerNorm of each column of z [d, N] (torch's: biased variance, eps 1e-5). */
function normColumns(z: Tensor, weight: Tensor, bias: Tensor): Tensor {
  const { mean, variance } = tf.moments(z, 0, true);
  return z.sub(mean).div(variance.add(1e-5).sqrt()).mul(weight.reshape([-1, 1])).add(bias.reshape([-1, 1]));
}

/**
 * One image's layers Z^{ℓ+1} = Z^ℓ ± MSSA(LN Z^ℓ), eq. (5) head by head: U_kᵀ the k-th p rows of
 * Wqkv, W_k = U_kᵀ LN(Z), H_k = W_k softmax_keys(W_kᵀW_k / √p)ᵀ; crate maps [H_1; …; H_K] by
 * to_out (Wout · + b), crate-n sums U_k H_k and subtracts. Returns each layer's LN(Z^ℓ) and Z^L.
 */
function composeLayers(z0: Tensor, p: Params, arch: ArchId, depth: number, heads: number): { inputs: Tensor[]; out: Tensor } {
  const [d] = z0.shape;
  const width = d / heads;
  const inputs: Tensor[] = [];
  let z = z0;
  for (let l = 0; l < depth; l++) {
    const pre = `transformer.layers.${l}.0`;
    const y = normColumns(z, p[`${pre}.norm.weight`], p[`${pre}.norm.bias`]);
    inputs.push(y);
    const perHead: Tensor[] = [];
    for (let k = 0; k < heads; k++) {
      const ukT = p[`${pre}.fn.qkv.weight`].slice([k * width, 0], [width, d]); // U_kᵀ [p, d]
      const w = tf.matMul(ukT, y); // [p, N]
      const weights = tf.softmax(tf.matMul(w, w, true, false).div(Math.sqrt(width))); // row i: query i over keys
      const h = tf.matMul(w, weights, false, true); // column i = Σ_j a_ij w_j
      perHead.push(arch === 'crate-n' ? tf.matMul(ukT, h, true, false) : h); // U_k H_k for the tied map
    }
    if (arch === 'crate-n') z = z.sub(tf.addN(perHead));
    else z = z.add(tf.matMul(p[`${pre}.fn.to_out.0.weight`], tf.concat(perHead, 0)).add(p[`${pre}.fn.to_out.0.bias`].reshape([-1, 1])));
  }
  return { inputs, out: z };
}

for (const arch of ['crate', 'crate-n'] as const) {
  test(`${arch} attention-only: the logits and each layer's MSSA input are those of layers of MSSA with its skip connection composed from the parameters`, () => {
    tf.setBackend('cpu');
    const shape = resolveShape(arch, undefined, { image: 8, patch: 4, channels: 1, dim: 12, depth: 3, heads: 3, classes: 4, attentionOnly: true });
    const rng = new Rng(21);
    const host = initializeParameters(shape, rng);
    // Larger than the default init so that every layer moves the tokens.
    for (const t of host.values()) if (t.data.some((v) => v !== 0 && v !== 1)) t.data.forEach((v, i) => (t.data[i] = v * 3));
    const p = toParams(host);
    const images = tf.tensor(rng.fill(new Float32Array(2 * 64), () => rng.normal()), [2, 1, 8, 8]);
    const result = forward(images, p, shape, { trace: true });
    assert.equal(result.layers.length, shape.depth);
    const tokens = embedPatches(images, p, shape); // [B, N, d]: the embedding is checked elsewhere (model-shapes)
    for (let b = 0; b < 2; b++) {
      const z0 = tokens.slice([b, 0, 0], [1, -1, -1]).reshape([-1, shape.dim]).transpose(); // [d, N]
      const { inputs, out } = composeLayers(z0, p, arch, shape.depth, shape.heads);
      inputs.forEach((want, l) => {
        const got = result.layers[l].mssaInput.slice([b, 0, 0], [1, -1, -1]).reshape([-1, shape.dim]).transpose();
        assert.ok(maxScaledDiff(got.dataSync(), want.dataSync()) < 1e-4, `image ${b}, layer ${l}: MSSA inputs differ by ${maxScaledDiff(got.dataSync(), want.dataSync())}`);
      });
      const cls = out.slice([0, 0], [-1, 1]).reshape([1, -1]);
      const { mean, variance } = tf.moments(cls, 1, true);
      const headIn = cls.sub(mean).div(variance.add(1e-5).sqrt()).mul(p['mlp_head.0.weight']).add(p['mlp_head.0.bias']);
      const want = tf.matMul(headIn, p['mlp_head.1.weight'], false, true).add(p['mlp_head.1.bias']).dataSync();
      const got = result.logits.slice([b, 0], [1, -1]).dataSync();
      assert.ok(maxScaledDiff(got, want) < 1e-4, `image ${b}: logits ${Array.from(got)} vs ${Array.from(want)}`);
      // The layers did something: Z^L is not the embedding.
      assert.ok(maxScaledDiff(out.dataSync(), z0.dataSync()) > 0.1, 'the layers leave the tokens as they were');
    }
  });
}

test('attention-only: the parameters are the full model\'s without the second half of each layer; a checkpoint says so with or without metadata', () => {
  const o = { image: 8, patch: 4, channels: 1, dim: 8, depth: 2, heads: 2, classes: 3 };
  const full = parameterSpecs(resolveShape('crate-n', undefined, o)).map((s) => s.name);
  const shape = resolveShape('crate-n', undefined, { ...o, attentionOnly: true });
  const names = parameterSpecs(shape).map((s) => s.name);
  assert.deepEqual(names, full.filter((n) => !/^transformer\.layers\.\d+\.1\./.test(n)));
  assert.ok(names.some((n) => n === 'transformer.layers.1.0.fn.qkv.weight'));

  const tensors = initializeParameters(shape, new Rng(1));
  assert.equal(shapeMetadata(shape).attentionOnly, 'true');
  assert.deepEqual(checkpointShape({ tensors, metadata: shapeMetadata(shape) }, {}, 'with.safetensors'), shape);
  // Without metadata the missing second halves tell (heads and the tied arch are not in the tensors).
  assert.deepEqual(checkpointShape({ tensors, metadata: {} }, { heads: 2, arch: 'crate-n' }, 'without.safetensors'), shape);
  const fullTensors = initializeParameters(resolveShape('crate', undefined, o), new Rng(1));
  assert.equal(checkpointShape({ tensors: fullTensors, metadata: {} }, { heads: 2 }, 'full.safetensors').attentionOnly, false);
});
