// The memory the active backend gives training, which sizes its micro-batches (train/microBatch.ts).
import { tf } from '../tf.js';
import { webgpuMemory } from './webgpu.js';

export interface TrainingMemory {
  /** Bytes training may fill. */
  budgetBytes: number;
  /** The largest single buffer a kernel may use (WebGPU's binding limit); none on the CPU backends. */
  maxTensorBytes?: number;
  /** Where the figures come from, for the run log. */
  source: string;
}

/**
 * The wasm heap stops at 4 GiB and never shrinks: training keeps to 1.25 GiB of it. Measured at
 * issue 17's shapes with the fused blocks, the process then peaks at 1.0 GiB (mnist, the whole
 * batch of 64 at once) and 1.25 GiB (cifar, 3 × ≤ 22, which trained 6–14 % faster than 4 × 16).
 */
export const cpuTrainingMemory: TrainingMemory = { budgetBytes: 1.25 * 2 ** 30, source: 'the 1.25 GiB budget of the CPU backends' };

/**
 * Share of the device memory measured free that training may plan for: tfjs keeps freed buffers
 * in a pool for reuse (sizes do not always match), and the weights, optimizer moments and
 * evaluation need room too.
 */
const deviceShare = 0.5;

/**
 * The memory for training on the active backend. On a GPU the device is asked for up to twice
 * `wantedBytes` (what the whole batch would take), so that a batch that fits never exhausts it.
 */
export async function trainingMemory(wantedBytes: number): Promise<TrainingMemory> {
  if (tf.getBackend() !== 'webgpu') return cpuTrainingMemory;
  const m = await webgpuMemory(wantedBytes / deviceShare);
  const maxTensorBytes = Math.min(m.maxBufferSize, m.maxStorageBufferBindingSize);
  const binding = `buffers up to ${mib(maxTensorBytes)}`;
  // A software adapter's memory is the host's: the CPU backends' budget applies.
  if (m.measuredBytes === undefined) return { ...cpuTrainingMemory, maxTensorBytes, source: `${cpuTrainingMemory.source}, ${binding}` };
  return {
    budgetBytes: deviceShare * m.measuredBytes,
    maxTensorBytes,
    source: `half of the ${mib(m.measuredBytes)} the device let allocate${m.measuredBytes < m.askedBytes ? '' : ' (all that was asked)'}, ${binding}`,
  };
}

function mib(bytes: number): string {
  return bytes >= 2 ** 30 ? `${(bytes / 2 ** 30).toFixed(1)} GiB` : `${Math.round(bytes / 2 ** 20)} MiB`;
}
