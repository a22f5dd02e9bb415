// --backend and --threads, shared by every command that computes.
import { type BackendChoice, backendChoices, initBackend } from '../backend/select.js';
import { positiveInt } from './shapeFlags.js';
import { UsageError } from './usageError.js';

export const backendOptions = {
  backend: { type: 'string' },
  threads: { type: 'string' },
} as const;

/** Initialises the requested backend (default auto) and returns its one-line description. */
export async function useBackend(value: string | undefined, threads?: string): Promise<string> {
  const choice = (value ?? 'auto') as BackendChoice;
  if (!backendChoices.includes(choice)) throw new UsageError(`--backend must be one of ${backendChoices.join(', ')}; got "${value}"`);
  try {
    const { detail } = await initBackend(choice, { threads: positiveInt('threads', threads) });
    return detail;
  } catch (e) {
    throw new UsageError(`backend ${choice}: ${(e as Error).message}`);
  }
}
