// Which WebGPU adapters Dawn offers, what they are called, and which one a run uses (`--device`).
//
// The WebGPU API has no list of adapters. Dawn's Node binding takes `backend=` and `adapter=`
// options (the adapter's name, matched as a substring), and when no adapter of the backend has
// that name it rejects with the list: "Available adapters:\n * backend: 'vulkan', name: 'NVIDIA
// H200'". Asking for a name that cannot match is how the list is read. No tfjs here.

/** One Dawn backend to ask, best first. */
export interface AdapterRoute {
  /** The graphics API as a person names it: "NVIDIA H200 via Vulkan". */
  api: string;
  /** Dawn's name for it, in `backend=`. */
  backend: string;
  request: GPURequestAdapterOptions;
}

/**
 * The platform's native API first (core WebGPU); then Dawn's GL backends, which only offer
 * WebGPU's compatibility feature level: all a machine without Vulkan has (e.g. Mesa llvmpipe).
 */
export function adapterRoutes(platform: NodeJS.Platform): AdapterRoute[] {
  const core = { powerPreference: 'high-performance' } as GPURequestAdapterOptions;
  const compatibility = { featureLevel: 'compatibility' } as GPURequestAdapterOptions;
  const native: AdapterRoute[] =
    platform === 'darwin'
      ? [{ api: 'Metal', backend: 'metal', request: core }]
      : platform === 'win32'
        ? [
            { api: 'D3D12', backend: 'd3d12', request: core },
            { api: 'Vulkan', backend: 'vulkan', request: core },
          ]
        : [{ api: 'Vulkan', backend: 'vulkan', request: core }];
  return [
    ...native,
    { api: 'OpenGL ES', backend: 'opengles', request: compatibility },
    { api: 'OpenGL', backend: 'opengl', request: compatibility },
  ];
}

/** A name no adapter has, so that Dawn answers with the list. */
export const unmatchedAdapterName = '\u0001crate-lab lists adapters';

/** The adapters named in Dawn's "no adapter … found" rejection, in Dawn's order. */
export function parseAvailableAdapters(message: string): Array<{ backend: string; name: string }> {
  const out: Array<{ backend: string; name: string }> = [];
  for (const m of message.matchAll(/^ \* backend: '([^']*)', name: '(.*)'$/gm)) out.push({ backend: m[1], name: m[2] });
  return out;
}

/** Adapters that run on the CPU: tfjs on them is slower than the wasm backend. */
export const softwareAdapterName = /llvmpipe|lavapipe|softpipe|swiftshader|basic render driver|\bwarp\b|null-backend/i;

export interface ListedAdapter {
  /** Its number for `--device`: the order of `adapterRoutes`, then Dawn's order. */
  index: number;
  name: string;
  route: AdapterRoute;
  software: boolean;
  /** False when Dawn gave the adapter but no list: it is asked for without a name. */
  byName: boolean;
}

export function listedAdapters(found: Array<{ route: AdapterRoute; names: string[]; byName?: boolean }>): ListedAdapter[] {
  const out: ListedAdapter[] = [];
  for (const { route, names, byName = true } of found) {
    for (const name of names) out.push({ index: out.length, name, route, software: softwareAdapterName.test(name), byName });
  }
  return out;
}

/** "NVIDIA H200 via Vulkan", "llvmpipe (LLVM 15.0.6, 256 bits) via OpenGL ES (software)". */
export function adapterLabel(a: Pick<ListedAdapter, 'name' | 'route' | 'software'>): string {
  return `${a.name} via ${a.route.api}${a.software ? ' (software)' : ''}`;
}

/** `--device`: an adapter's number, or part of its name (case-insensitive). */
export type DeviceSelection = { index: number } | { name: string };

export function parseDeviceSelection(value: string): DeviceSelection {
  const v = value.trim();
  if (v === '') throw new Error('--device is empty: give an adapter number from `crate-lab doctor` or part of its name');
  return /^\d+$/.test(v) ? { index: Number(v) } : { name: v };
}

function listing(listed: ListedAdapter[]): string {
  return listed.length === 0 ? 'none found' : listed.map((a) => `${a.index}: ${adapterLabel(a)}`).join(', ');
}

/**
 * The adapter to use: the selected one, or else the first hardware adapter, or else the first.
 * Dawn picks by name within a backend (the first whose name contains it), so an adapter whose
 * name an earlier one's contains (two identical GPUs) cannot be picked: that is an error here,
 * not a silent switch to the other GPU.
 */
export function chooseAdapter(listed: ListedAdapter[], selection?: DeviceSelection): ListedAdapter {
  let chosen: ListedAdapter | undefined;
  if (selection === undefined) {
    chosen = listed.find((a) => !a.software) ?? listed[0];
    if (!chosen) throw new Error('no WebGPU adapter');
  } else if ('index' in selection) {
    chosen = listed[selection.index];
    if (!chosen) throw new Error(`--device ${selection.index}: there is no adapter ${selection.index} (adapters: ${listing(listed)})`);
  } else {
    const want = selection.name.toLowerCase();
    chosen = listed.find((a) => a.name.toLowerCase().includes(want));
    if (!chosen) throw new Error(`--device ${selection.name}: no adapter's name contains it (adapters: ${listing(listed)})`);
  }
  const c = chosen;
  const shadowing = listed.find((a) => a.index < c.index && a.route.backend === c.route.backend && a.name.includes(c.name));
  if (shadowing) {
    throw new Error(`adapter ${c.index} (${adapterLabel(c)}) cannot be told apart from adapter ${shadowing.index} (${shadowing.name}): Dawn picks adapters by name, so only ${shadowing.index} can be used`);
  }
  return c;
}
