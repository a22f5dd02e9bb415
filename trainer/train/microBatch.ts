// How many images to push through forward+backward at once. A batch is split into micro-batches
// (gradients summed) that fit the memory the backend gives training: a budget (the wasm heap
// stops at 4 GiB and never shrinks; a GPU has its own memory) and, on WebGPU, the largest buffer
// one kernel may bind.
import type { ModelShape } from '../model/architecture.js';
import { activationBytesPerImage, largestTensorBytesPerImage } from '../model/cost.js';
import { cpuTrainingMemory, type TrainingMemory } from '../backend/trainingMemory.js';

/**
 * Training holds about 4× the forward activations per image (the tape keeps inputs and outputs
 * of every op, and gradients of the same size): measured 62 MB per image for CRATE-α d=192,
 * depth 12, 50 tokens, whose forward activations are 16 MiB (docs/performance.md).
 */
const trainingBytesPerActivationByte = 4;

/** Estimated bytes one image takes in training. */
export function trainingBytesPerImage(shape: ModelShape): number {
  return trainingBytesPerActivationByte * activationBytesPerImage(shape);
}

export function memorySafeMicroBatch(shape: ModelShape, batch: number, m: TrainingMemory = cpuTrainingMemory): number {
  let fit = Math.floor(m.budgetBytes / trainingBytesPerImage(shape));
  if (m.maxTensorBytes !== undefined) fit = Math.min(fit, Math.floor(m.maxTensorBytes / largestTensorBytesPerImage(shape)));
  return Math.max(1, Math.min(batch, fit));
}
