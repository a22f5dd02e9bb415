// A weights file in the official layout (docs/models.md) to a validated shape and parameters.
import { FileFormatError } from '../io/fileFormatError.js';
import { type NamedTensor, readSafetensors } from '../io/safetensors.js';
import type { ArchId, ModelShape, ShapeOverrides } from './architecture.js';
import { checkpointShape, checkTensorsMatch } from './checkpointShape.js';
import { type Params, toParams } from './params.js';

export function loadCheckpoint(path: string, flags: ShapeOverrides & { arch?: ArchId } = {}): { shape: ModelShape; params: Params } {
  const file = readSafetensors(path);
  const shape = checkpointShape(file, flags, path);
  checkTensorsMatch(file, shape, path);
  checkFinite(file.tensors, path);
  return { shape, params: toParams(file.tensors) };
}

/** Weights with a NaN or infinity (a diverged run's) are named, not run. */
function checkFinite(tensors: Map<string, NamedTensor>, path: string): void {
  for (const [name, t] of tensors) {
    const bad = t.data.findIndex((v) => !Number.isFinite(v));
    if (bad >= 0) throw new FileFormatError(path, `tensor ${name} holds ${t.data[bad]} at element ${bad}; the weights must be finite`);
  }
}

/**
 * Weights for a model whose shape the run config fixes (`model.initFrom`): the file must hold
 * exactly the tensors of that shape. The shape is the config's, not the file's, so a checkpoint of
 * another shape fails on the first tensor that differs, naming it and both shapes.
 */
export function loadWeightsForShape(path: string, shape: ModelShape): Map<string, NamedTensor> {
  const file = readSafetensors(path);
  checkTensorsMatch(file, shape, path);
  checkFinite(file.tensors, path);
  return file.tensors;
}
