// Where a step's GPU time goes: `crate-lab bench --profile` runs one step under tf.time, which on
// webgpu puts every dispatch in its own timed compute pass (timestamp queries), and sums the
// kernel time per shader program. Timing each pass apart is slower than a normal step: the
// wall time here is not the throughput, the per-program split is the point.
import { tf } from '../tf.js';

export interface KernelProfile {
  wallMs: number;
  /** Sum of the timed dispatches (0 without timestamp queries). */
  kernelMs: number;
  dispatches: number;
  /** Heaviest first. */
  programs: Array<{ name: string; dispatches: number; ms: number }>;
}

/** Parses webgpu's "Program: 0.12, OtherProgram: 3.4" (one entry per dispatch). */
export function programTimes(extra: string): Array<{ name: string; ms: number }> {
  return extra
    .split(', ')
    .map((entry) => entry.split(': '))
    .filter((parts) => parts.length === 2 && parts[0] !== '')
    .map(([name, ms]) => ({ name, ms: Number(ms) }));
}

export async function profileKernels(step: () => void, top = 15): Promise<KernelProfile> {
  const t0 = performance.now();
  const info = (await tf.time(step)) as tf.TimingInfo & { getExtraProfileInfo?: () => string };
  const wallMs = performance.now() - t0;
  const dispatches = programTimes(info.getExtraProfileInfo?.() ?? '');
  const byName = new Map<string, { name: string; dispatches: number; ms: number }>();
  for (const { name, ms } of dispatches) {
    const e = byName.get(name) ?? { name, dispatches: 0, ms: 0 };
    e.dispatches += 1;
    e.ms += ms;
    byName.set(name, e);
  }
  const programs = [...byName.values()].sort((a, b) => b.ms - a.ms).slice(0, top);
  const kernelMs = typeof info.kernelMs === 'number' ? info.kernelMs : 0;
  return { wallMs, kernelMs, dispatches: dispatches.length, programs };
}
