// --backend and --threads, shared by every command that computes.
import { type BackendChoice, backendChoices, initBackend } from '../backend/select.js';
import { positiveInt } from './shapeFlags.js';
import { UsageError } from './usageError.js';
import { selectWebgpuDevice } from '../backend/webgpu.js';
import { parseDeviceSelection } from '../backend/webgpuAdapters.js';

export const backendOptions = {
  backend: { type: 'string' },
  threads: { type: 'string' },
  device: { type: 'string' },
} as const;

/** `--device N|NAME` (or a config's `device`): the WebGPU adapter to use (numbers as `crate-lab doctor` lists them). */
export function useDevice(value: string | number | undefined, backend: string | undefined): void {
  if (value === undefined) return;
  if (backend !== undefined && backend !== 'auto' && backend !== 'webgpu') throw new UsageError(`--device picks a WebGPU adapter; backend ${backend} has none`);
  try {
    selectWebgpuDevice(parseDeviceSelection(String(value)));
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** Initialises the requested backend (default auto) and returns its one-line description. */
export async function useBackend(value: string | undefined, threads?: string, device?: string): Promise<string> {
  useDevice(device, value);
  const choice = (value ?? 'auto') as BackendChoice;
  if (!backendChoices.includes(choice)) throw new UsageError(`--backend must be one of ${backendChoices.join(', ')}; got "${value}"`);
  try {
    const { detail } = await initBackend(choice, { threads: positiveInt('threads', threads) });
    return detail;
  } catch (e) {
    throw new UsageError(`backend ${choice}: ${(e as Error).message}`);
  }
}
