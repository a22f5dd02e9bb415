// Images (N×C×H×W) to token rows: P×P patches flattened in (p1 p2 c) order, the order of the
// official CRATE's Rearrange; CRATE-α's conv1 kernel (d×C×P×P) is permuted to match, so both
// share one patchify and the convolution becomes a matmul.
import { tf, type Tensor } from '../tf.js';
import type { ModelShape } from './architecture.js';
import { layerNorm } from './layerNorm.js';
import { linear, type Params } from './params.js';

/** [B, C, H, W] → [B, (H/P)(W/P), P·P·C]; only rank ≤ 4 transposes (cheap on every backend). */
export function patchify(images: Tensor, patch: number): Tensor {
  const [b, c, h, w] = images.shape;
  const gh = h / patch;
  const gw = w / patch;
  const nhwc = images.transpose([0, 2, 3, 1]); // [B, H, W, C]
  const rows = nhwc.reshape([b * gh, patch, gw, patch * c]).transpose([0, 2, 1, 3]); // [B·gh, gw, p1, (p2 c)]
  return rows.reshape([b, gh * gw, patch * patch * c]);
}

/** Token rows [B, N, d] with the CLS token first and positions added. */
export function embedPatches(images: Tensor, p: Params, s: ModelShape): Tensor {
  return tf.tidy(() => {
    const patches = patchify(images, s.patch);
    const [b, n, patchDim] = patches.shape;
    let x: Tensor;
    if (s.arch === 'crate-alpha') {
      // conv1 with stride P is a matmul with the kernel flattened in (p1 p2 c) order.
      const kernel = p['conv1.weight'].transpose([0, 2, 3, 1]).reshape([s.dim, patchDim]);
      x = tf.matMul(patches.reshape([b * n, patchDim]), kernel, false, true).add(p['conv1.bias']);
    } else {
      const eps = 1e-5;
      const normed = layerNorm(patches, p['to_patch_embedding.1.weight'], p['to_patch_embedding.1.bias'], eps);
      const projected = linear(normed.reshape([b * n, patchDim]), p, 'to_patch_embedding.2');
      x = layerNorm(projected, p['to_patch_embedding.3.weight'], p['to_patch_embedding.3.bias'], eps);
    }
    const cls = p['cls_token'].reshape([1, 1, s.dim]).tile([b, 1, 1]);
    return tf.concat([cls, x.reshape([b, n, s.dim])], 1).add(p['pos_embedding']);
  });
}
