// Fresh parameters from a seeded generator, drawn in parameterSpecs order so that the same
// seed gives the same model on every backend.
import type { ModelShape } from './architecture.js';
import { type Init, parameterSpecs } from './parameters.js';
import type { Rng } from '../random/rng.js';

export type HostParams = Map<string, { shape: number[]; data: Float32Array }>;

function draw(init: Init, rng: Rng): () => number {
  switch (init.kind) {
    case 'ones':
      return () => 1;
    case 'zeros':
      return () => 0;
    case 'torch-default': {
      const b = 1 / Math.sqrt(init.fanIn);
      return () => rng.uniform(-b, b);
    }
    case 'kaiming-uniform': {
      const b = Math.sqrt(6 / init.fanIn);
      return () => rng.uniform(-b, b);
    }
    case 'normal':
      return () => init.std * rng.normal();
  }
}

export function initializeParameters(shape: ModelShape, rng: Rng): HostParams {
  const out: HostParams = new Map();
  for (const spec of parameterSpecs(shape)) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    out.set(spec.name, { shape: spec.shape, data: rng.fill(new Float32Array(size), draw(spec.init, rng)) });
  }
  return out;
}
