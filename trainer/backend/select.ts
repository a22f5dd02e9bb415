// Choosing and starting the tfjs backend (config `backend`, CLI `--backend`).
import { tf } from '../tf.js';
import { initTensorflowBackend } from './tensorflow.js';
import { initWasmBackend } from './wasm.js';
import { initWebgpuBackend, probeWebgpu, webgpuAdapter } from './webgpu.js';
import { cpuDeviceLabel, setActiveDevice } from './activeDevice.js';
import { type BackendChoice, type BackendName, backendChoices, backendNames, isBackendChoice } from './names.js';

export { type BackendChoice, type BackendName, backendChoices, backendNames, isBackendChoice } from './names.js';

export interface BackendOptions {
  /** Threads for the wasm backend (default: all cores). */
  threads?: number;
}

export interface StartedBackend {
  name: BackendName;
  /** One line for the run log, e.g. "wasm (SIMD, 2 threads, ...)". */
  detail: string;
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n').find((l) => l.trim() !== '')?.trim() ?? 'unknown error';
}

/** What each backend printed when this process started it, for `doctor` to reuse. */
const started = new Map<BackendName, string>();

export function startedDetail(name: BackendName): string | undefined {
  return started.get(name);
}

/**
 * Starts one backend and makes it active. Throws an Error whose message is the one-line reason
 * when it cannot load.
 */
export async function startBackend(name: BackendName, opts: BackendOptions = {}): Promise<string> {
  let detail: string;
  switch (name) {
    case 'tensorflow':
      ({ detail } = await initTensorflowBackend());
      break;
    case 'webgpu':
      ({ detail } = await initWebgpuBackend());
      break;
    case 'wasm':
      ({ detail } = await initWasmBackend({ threads: opts.threads }));
      break;
    case 'cpu':
      if (!(await tf.setBackend('cpu'))) throw new Error('tfjs-backend-cpu did not initialise');
      detail = 'cpu (tfjs-backend-cpu, plain JavaScript)';
      break;
  }
  // The init functions set the backend themselves; this guards against one that does not.
  if (tf.getBackend() !== name && !(await tf.setBackend(name))) throw new Error(`tfjs could not switch to ${name}`);
  started.set(name, detail);
  setActiveDevice(deviceLabel(name, detail));
  return detail;
}

function deviceLabel(name: BackendName, detail: string): string {
  switch (name) {
    case 'webgpu':
      return webgpuAdapter()?.label ?? 'unknown WebGPU adapter';
    case 'tensorflow':
      // libtensorflow names its devices only in its own log; the detail says CPU or GPU build.
      return detail;
    case 'wasm':
    case 'cpu':
      return cpuDeviceLabel(name);
  }
}

/**
 * `auto`: the first of tensorflow, webgpu, wasm, cpu that starts. webgpu only counts with a real
 * GPU: on a software adapter (Mesa llvmpipe, SwiftShader) it is slower than wasm. The detail says
 * why the better ones were passed over.
 */
async function startAuto(opts: BackendOptions): Promise<StartedBackend> {
  const skipped: string[] = [];
  for (const name of backendNames) {
    if (name === 'webgpu') {
      const probe = await probeWebgpu({ hardwareOnly: true });
      if (!probe.hardware) {
        skipped.push(`webgpu: ${probe.ok ? 'software adapter only' : brief(probe.detail)}`);
        continue;
      }
    }
    try {
      const detail = await startBackend(name, opts);
      return { name, detail: skipped.length === 0 ? detail : `${detail}; skipped ${skipped.join('; ')}` };
    } catch (e) {
      // tensorflow is missing on most machines: its reason's headline is enough in the run log.
      skipped.push(`${name}: ${name === 'tensorflow' ? brief(firstLine(e)) : firstLine(e)}`);
    }
  }
  throw new Error(`no backend starts: ${skipped.join('; ')}`);
}

/** The headline of a reason, before its parenthesised explanation. */
function brief(reason: string): string {
  return reason.split(' (')[0];
}

/**
 * Starts the chosen backend. An explicit choice that cannot load is an Error whose message is the
 * one-line reason; it never falls back to another backend.
 */
export async function initBackend(choice: BackendChoice, opts: BackendOptions = {}): Promise<StartedBackend> {
  // Configs and flags arrive as strings: the type alone does not guarantee this.
  if (!isBackendChoice(choice)) {
    throw new Error(`unknown backend "${String(choice)}" (expected one of ${backendChoices.join(', ')})`);
  }
  if (choice === 'auto') return startAuto(opts);
  try {
    return { name: choice, detail: await startBackend(choice, opts) };
  } catch (e) {
    throw new Error(firstLine(e), { cause: e });
  }
}
