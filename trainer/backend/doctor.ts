// `crate-lab doctor`: start every backend in turn and prove it computes.
import { tf } from '../tf.js';
import { type BackendName, backendNames, startBackend, startedDetail } from './select.js';
import { listWebgpuAdapters } from './webgpu.js';
import { adapterLabel } from './webgpuAdapters.js';
import { type NvidiaDiagnosis, diagnoseNvidia, readNvidiaFacts } from './nvidiaVulkan.js';

export interface BackendDiagnosis {
  name: BackendName;
  ok: boolean;
  detail: string;
}

const n = 32;

/** A fixed n×n matrix with small integer entries, so the float32 product is exact. */
function matrix(seed: number): number[] {
  return Array.from({ length: n * n }, (_, i) => ((i * seed + 3) % 7) - 3);
}

function expectedProduct(a: number[], b: number[]): number[] {
  const out = new Array<number>(n * n).fill(0);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      for (let j = 0; j < n; j++) out[i * n + j] += a[i * n + k] * b[k * n + j];
    }
  }
  return out;
}

/**
 * One n×n matmul on the active backend, checked against a JS product. Returns the time of a
 * second run (the first includes shader compilation / kernel set-up). Reads asynchronously:
 * webgpu cannot read synchronously in Node.
 */
async function checkMatMul(): Promise<string> {
  const a = matrix(5);
  const b = matrix(11);
  const want = expectedProduct(a, b);
  const ta = tf.tensor2d(a, [n, n]);
  const tb = tf.tensor2d(b, [n, n]);
  try {
    let ms = 0;
    for (let run = 0; run < 2; run++) {
      const start = performance.now();
      const c = tf.matMul(ta, tb);
      const got = await c.data();
      ms = performance.now() - start;
      c.dispose();
      const bad = want.findIndex((w, i) => Math.abs(w - got[i]) > 1e-3);
      if (bad >= 0) throw new Error(`${n}×${n} matmul is wrong at ${bad}: ${got[bad]} instead of ${want[bad]}`);
    }
    return `${n}×${n} matmul ok in ${ms.toFixed(1)} ms`;
  } finally {
    ta.dispose();
    tb.dispose();
  }
}

/** A backend this process already runs is reused, not restarted: restarting would drop its tensors. */
async function start(name: BackendName): Promise<string> {
  const known = startedDetail(name);
  if (known !== undefined && name in tf.engine().registry) {
    if (!(await tf.setBackend(name))) throw new Error(`tfjs could not switch back to ${name}`);
    return known;
  }
  return startBackend(name);
}

/**
 * Starts each backend in turn and runs a small matmul on it. Every tensor made here is disposed
 * and the backend that was active before is active again afterwards (tensors created on one
 * backend move lazily to another through a synchronous read, which webgpu cannot do in Node, so
 * nothing made here may outlive its backend).
 */
export async function diagnoseBackends(): Promise<BackendDiagnosis[]> {
  const before: string | null = tf.engine().backendName ?? null;
  const results: BackendDiagnosis[] = [];
  try {
    for (const name of backendNames) {
      try {
        const detail = await start(name);
        results.push({ name, ok: true, detail: `${detail}; ${await checkMatMul()}` });
      } catch (e) {
        const text = e instanceof Error ? e.message : String(e);
        results.push({ name, ok: false, detail: text.split('\n')[0] });
      }
    }
  } finally {
    if (before !== null && tf.engine().backendName !== before) await tf.setBackend(before);
  }
  return results;
}

export interface DeviceDiagnosis {
  /** WebGPU adapters by their `--device` number. */
  adapters: Array<{ index: number; label: string }>;
  /** Why the list is short: routes that gave nothing. */
  tried: string[];
  nvidia: NvidiaDiagnosis;
}

/** The WebGPU adapters and, on a machine with an NVIDIA GPU, what WebGPU needs to use it. */
export async function diagnoseDevices(): Promise<DeviceDiagnosis> {
  let adapters: DeviceDiagnosis['adapters'] = [];
  let tried: string[] = [];
  try {
    const list = await listWebgpuAdapters(true);
    adapters = list.adapters.map((a) => ({ index: a.index, label: adapterLabel(a) }));
    tried = list.tried;
  } catch (e) {
    tried = [(e instanceof Error ? e.message : String(e)).split('\n')[0]];
  }
  const nvidia = diagnoseNvidia(readNvidiaFacts(adapters.map((a) => a.label)));
  return { adapters, tried, nvidia };
}
