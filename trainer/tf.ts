// The one place the trainer imports tfjs-core. tfjs-core alone registers neither gradients nor
// chained ops (tensor.add(...)), so both are registered here, once, for every backend.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import '@tensorflow/tfjs-backend-cpu';

// PROD silences tfjs's console advice ("install tfjs-node" on first cpu use): `crate-lab doctor`
// explains the backends instead.
tf.env().set('PROD', true);

// The gradients of Sum and Mean, replaced: tfjs's own multiply dy by `ones(x.shape)`, a tensor
// built in host memory and uploaded on every backward pass. On a GPU that was most of a training
// step (CRATE-α tiny/16, batch 256, on an H200: 15 of 17 s in building and uploading ones; see
// docs/performance.md). Here the ones are a Fill kernel on the device: the same product, so the
// same values bit for bit, with no host work. (Broadcasting dy with a Tile kernel instead halves
// wasm's training speed.)
for (const kernelName of [tf.Sum, tf.Mean]) {
  tf.registerGradient({
    kernelName,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const axes = tf.util.parseAxisParam((attrs as unknown as tf.SumAttrs).axis, x.shape);
      const expandedShape = x.shape.map((size, i) => (axes.includes(i) ? 1 : size));
      const spread = () => (dy as tf.Tensor).reshape(expandedShape).mul(tf.fill(x.shape, 1, 'float32'));
      if (kernelName === tf.Sum) return { x: spread };
      const reduceSize = axes.reduce((n, axis) => n * x.shape[axis], 1);
      return { x: () => spread().div(reduceSize) };
    },
  });
}

export { tf };
export type Tensor = import('@tensorflow/tfjs-core').Tensor;
