// How many images to push through forward+backward at once. A batch is split into micro-batches
// (gradients summed) that fit the memory the backend gives training: a budget (the wasm heap
// stops at 4 GiB and never shrinks; a GPU has its own memory) and, on WebGPU, the largest buffer
// one kernel may bind.
import type { ModelShape } from '../model/architecture.js';
import { largestTensorBytesPerImage, trainingBytesPerImage } from '../model/cost.js';
import { cpuTrainingMemory, type TrainingMemory, trainingMemory } from '../backend/trainingMemory.js';

export function memorySafeMicroBatch(shape: ModelShape, batch: number, m: TrainingMemory = cpuTrainingMemory): number {
  let fit = Math.floor(m.budgetBytes / trainingBytesPerImage(shape));
  if (m.maxTensorBytes !== undefined) fit = Math.min(fit, Math.floor(m.maxTensorBytes / largestTensorBytesPerImage(shape)));
  return Math.max(1, Math.min(batch, fit));
}

/** The micro-batch that fits the active backend (on a GPU, probed for the whole batch), and the memory it was sized from. */
export async function backendMicroBatch(shape: ModelShape, batch: number): Promise<{ microBatch: number; memory: TrainingMemory }> {
  const memory = await trainingMemory(batch * trainingBytesPerImage(shape));
  return { microBatch: memorySafeMicroBatch(shape, batch, memory), memory };
}
