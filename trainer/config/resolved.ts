// The type of a fully resolved config: the schema's output type with the computed defaults made
// required. Derived, never written out field by field, so it follows schema.ts.
import type { ModelShape } from '../model/architecture.js';
import type { ConfigValues, DataValues } from './schema.js';

type Simplify<T> = { [K in keyof T]: T[K] } & {};
/** T with the fields K required and defined. */
type Filled<T, K extends keyof T> = Simplify<Omit<T, K> & { [P in K]-?: Exclude<T[P], undefined> }>;

export type ResolvedModel = Filled<ConfigValues['model'], 'depth' | 'width' | 'heads' | 'patch' | 'image' | 'channels' | 'classes'>;
export type ResolvedOptim = Filled<ConfigValues['optim'], 'microBatch' | 'epochs' | 'maxSteps'>;
/** Per kind: the image folder's size and channels, the synthetic set's subspace count. */
export type ResolvedData = DataValues extends infer D
  ? D extends { kind: 'image-folder' }
    ? Filled<D, ('size' | 'channels') & keyof D>
    : D extends { kind: 'synthetic-subspaces' }
      ? Filled<D, 'subspaces' & keyof D>
      : D
  : never;

/**
 * Every field present, paths absolute. This is what the trainer runs and writes to the run's
 * config.yaml; parsing that file gives it back unchanged.
 */
export type ResolvedConfig = Simplify<
  Omit<ConfigValues, 'name' | 'model' | 'data' | 'optim' | 'sweep'> & { name: string; model: ResolvedModel; data: ResolvedData; optim: ResolvedOptim }
>;

/** The model section in the model zoo's terms (the config says width where ModelShape says dim). */
export function modelShape(m: ResolvedModel): ModelShape {
  return {
    arch: m.arch,
    image: m.image,
    patch: m.patch,
    channels: m.channels,
    dim: m.width,
    depth: m.depth,
    heads: m.heads,
    classes: m.classes,
    overcomplete: m.overcomplete,
    decoupled: m.decoupled,
    residual: m.residual,
    attentionOnly: m.attentionOnly,
  };
}
