// A weights file in the official layout (SPEC §3) to a validated shape and parameters.
import { readSafetensors } from '../io/safetensors.js';
import type { ArchId, ModelShape, ShapeOverrides } from './architecture.js';
import { checkpointShape, checkTensorsMatch } from './checkpointShape.js';
import { type Params, toParams } from './params.js';

export function loadCheckpoint(path: string, flags: ShapeOverrides & { arch?: ArchId } = {}): { shape: ModelShape; params: Params } {
  const file = readSafetensors(path);
  const shape = checkpointShape(file, flags, path);
  checkTensorsMatch(file, shape, path);
  return { shape, params: toParams(file.tensors) };
}
