// How many images to push through forward+backward at once. A batch is split into micro-batches
// (gradients summed) that fit the memory the backend gives training: a budget (the wasm heap
// stops at 4 GiB and never shrinks; a GPU has its own memory) and, on WebGPU, the largest buffer
// one kernel may bind.
import type { ModelShape } from '../model/architecture.js';
import { largestTensorBytesPerImage, trainingBytesPerImage, trainingStateBytes } from '../model/cost.js';
import { fusedKernels, hasFusedKernel } from '../model/fusedBlock.js';
import { cpuTrainingMemory, type TrainingMemory, trainingMemory } from '../backend/trainingMemory.js';

/**
 * The largest micro-batch whose activations fit the budget beside the model's state, then evened
 * out: as few micro-batches as that allows, of equal size (64 images that fit 44 at a time go as
 * 32 + 32, not 44 + 20: the products of the smaller one run slower per image).
 */
export function memorySafeMicroBatch(shape: ModelShape, batch: number, m: TrainingMemory = cpuTrainingMemory, fusedBlocks = false): number {
  let fit = Math.floor((m.budgetBytes - trainingStateBytes(shape)) / trainingBytesPerImage(shape, fusedBlocks));
  if (m.maxTensorBytes !== undefined) fit = Math.min(fit, Math.floor(m.maxTensorBytes / largestTensorBytesPerImage(shape)));
  fit = Math.max(1, Math.min(batch, fit));
  return Math.ceil(batch / Math.ceil(batch / fit));
}

/** The micro-batch that fits the active backend (on a GPU, probed for the whole batch), and the memory it was sized from. */
export async function backendMicroBatch(shape: ModelShape, batch: number): Promise<{ microBatch: number; memory: TrainingMemory }> {
  const fused = hasFusedKernel(fusedKernels.odl);
  const memory = await trainingMemory(trainingStateBytes(shape) + batch * trainingBytesPerImage(shape, fused));
  return { microBatch: memorySafeMicroBatch(shape, batch, memory, fused), memory };
}
