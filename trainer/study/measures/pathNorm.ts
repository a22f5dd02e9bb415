// Path-norm as Jiang et al. 2020 compute it (eq. (44); docs/models.md): the network's output summed
// over classes, with every parameter squared, on an all-ones input, Σ_c f_{w²}(1)_c. For a ReLU
// network without biases this is the sum over input–output paths of the product of the squared
// weights along the path. A transformer is not such a network (LayerNorm, softmax, the biases):
// here it is the recipe's value, kept so that the table compares like with like.
import { tf } from '../../tf.js';
import type { ModelShape } from '../../model/architecture.js';
import { forward } from '../../model/forward.js';
import type { Params } from '../../model/params.js';

export async function pathNorm(s: ModelShape, params: Params): Promise<number> {
  const out = tf.tidy(() => {
    const squared: Params = {};
    for (const [name, t] of Object.entries(params)) squared[name] = t.square();
    const ones = tf.ones([1, s.channels, s.image, s.image]);
    return forward(ones, squared, s).logits.sum();
  });
  const [value] = await out.data();
  out.dispose();
  return value;
}
