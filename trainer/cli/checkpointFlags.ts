// Flags of the commands that run a weights file on images (infer, metrics).
import { readNpy } from '../io/npy.js';
import { asImageBatch } from '../model/imageBatch.js';
import { loadCheckpoint } from '../model/loadCheckpoint.js';
import type { ModelShape } from '../model/architecture.js';
import type { Params } from '../model/params.js';
import type { NpyArray } from '../io/npy.js';
import { backendOptions, useBackend } from './backendFlag.js';
import { parseArch, positiveInt, shapeOptions, shapeOverrides } from './shapeFlags.js';
import { UsageError } from './usageError.js';

const { size: _size, ...checkpointShapeOptions } = shapeOptions;

export const checkpointOptions = {
  ...checkpointShapeOptions,
  ...backendOptions,
  checkpoint: { type: 'string' },
  input: { type: 'string' },
  batch: { type: 'string' },
  json: { type: 'boolean' },
} as const;

export interface LoadedRun {
  shape: ModelShape;
  params: Params;
  images: NpyArray;
  batch: number;
  backend: string;
}

export async function loadCheckpointAndInput(command: string, values: Record<string, string | boolean | undefined>): Promise<LoadedRun> {
  const str = (k: string): string | undefined => values[k] as string | undefined;
  const checkpoint = str('checkpoint');
  const input = str('input');
  if (!checkpoint) throw new UsageError(`${command} needs --checkpoint W.safetensors`);
  if (!input) throw new UsageError(`${command} needs --input X.npy`);
  const batch = positiveInt('batch', str('batch')) ?? 64;
  const backend = await useBackend(str('backend'), str('threads'), str('device'));
  const { shape, params } = loadCheckpoint(checkpoint, { ...shapeOverrides(values), arch: parseArch(str('arch')) });
  const images = asImageBatch(readNpy(input), shape, input);
  return { shape, params, images, batch, backend };
}
