// A training step on the device: what the device reports during it fails the step (webgpu's
// error scopes), and running out of memory says which micro-batch to try.
import { guardWebgpu, WebgpuDeviceError } from '../backend/webgpu.js';

/** A training step whose device errors are reported; running out of memory names the micro-batch that might fit. */
export async function guardStep<T>(microBatch: number, step: () => Promise<T>): Promise<T> {
  try {
    return await guardWebgpu(step);
  } catch (e) {
    if (e instanceof WebgpuDeviceError && e.kind === 'out-of-memory') {
      const advice = microBatch > 1 ? `set optim.microBatch to ${Math.floor(microBatch / 2)} or less` : 'the model does not fit this device even one image at a time';
      throw new Error(`${e.message} in a training step with micro-batches of ${microBatch} images: ${advice}`);
    }
    throw e;
  }
}
