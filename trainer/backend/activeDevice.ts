// The device the active backend computes on, named for people ("NVIDIA H200 via Vulkan",
// "CPU: AMD EPYC 7B13 (wasm)"): the backend sets it when it starts, run.json records it
// (RunInfo.device). No tfjs here.
import { cpus } from 'node:os';

let current: string | undefined;

export function setActiveDevice(label: string): void {
  current = label;
}

/** Undefined until a backend has started in this process. */
export function activeDevice(): string | undefined {
  return current;
}

export function cpuDeviceLabel(backend: string): string {
  const model = cpus()[0]?.model.trim();
  return `CPU: ${model || 'unknown model'} (${backend})`;
}
