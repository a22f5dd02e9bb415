// How many images to push through forward+backward at once. The wasm heap stops at 4 GiB and
// never shrinks, so a batch is split into micro-batches (gradients summed) that fit a budget.
import type { ModelShape } from '../model/architecture.js';
import { activationBytesPerImage } from '../model/cost.js';

/**
 * Training holds about 4× the forward activations per image (the tape keeps inputs and outputs
 * of every op, and gradients of the same size): measured 62 MB per image for CRATE-α d=192,
 * depth 12, 50 tokens, whose forward activations are 16 MiB (docs/performance.md).
 */
const trainingBytesPerActivationByte = 4;
export const defaultTrainingMemoryBudget = 1024 * 2 ** 20;

export function memorySafeMicroBatch(shape: ModelShape, batch: number, budgetBytes = defaultTrainingMemoryBudget): number {
  const perImage = trainingBytesPerActivationByte * activationBytesPerImage(shape);
  return Math.max(1, Math.min(batch, Math.floor(budgetBytes / perImage)));
}
