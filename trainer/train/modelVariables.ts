// The model's parameters as tfjs variables, from host arrays (fresh weights or a checkpoint's),
// with the names AdamW steps and decays. The trainer, `crate-lab bench` and the profile script
// all make them here, so they train the same variables.
import { tf } from '../tf.js';
import type { ModelShape } from '../model/architecture.js';
import { parameterSpecs } from '../model/parameters.js';
import type { NamedTensor } from '../io/safetensors.js';
import { TrainingSetupError } from './setupError.js';

export interface ModelVariables {
  vars: Record<string, tf.Variable>;
  trainable: string[];
  decays: Set<string>;
}

export function modelVariables(shape: ModelShape, host: Map<string, Pick<NamedTensor, 'data'>>): ModelVariables {
  const specs = parameterSpecs(shape);
  const vars: Record<string, tf.Variable> = {};
  for (const spec of specs) {
    const t = host.get(spec.name);
    if (!t) throw new TrainingSetupError(`checkpoint lacks ${spec.name}`);
    // The variable alone holds its data (tidy disposes the tensor): AdamW then updates it in place.
    vars[spec.name] = tf.tidy(() => tf.variable(tf.tensor(t.data, spec.shape), spec.trainable, spec.name));
  }
  return { vars, trainable: specs.filter((s) => s.trainable).map((s) => s.name), decays: new Set(specs.filter((s) => s.decay).map((s) => s.name)) };
}
