// The one place the trainer imports tfjs-core. tfjs-core alone registers neither gradients nor
// chained ops (tensor.add(...)), so both are registered here, once, for every backend.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import '@tensorflow/tfjs-backend-cpu';

// PROD silences tfjs's console advice ("install tfjs-node" on first cpu use): `crate-lab doctor`
// explains the backends instead.
tf.env().set('PROD', true);

export { tf };
export type Tensor = import('@tensorflow/tfjs-core').Tensor;
