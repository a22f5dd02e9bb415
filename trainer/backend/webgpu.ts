// The webgpu backend in Node: Dawn (npm `webgpu`) provides WebGPU, tfjs-backend-webgpu runs on it.
//
// tfjs-backend-webgpu registers itself only when `navigator.gpu` exists at import time and then
// asks for a core-feature-level adapter, which a GL-only machine (Mesa llvmpipe) cannot give.
// So this module finds the adapter and creates the device itself, then registers a factory that
// just wraps that device. tfjs reads GPU data asynchronously here: `dataSync()` goes through
// OffscreenCanvas, which Node lacks, so callers must read with `await t.data()`.
import { existsSync, readdirSync } from 'node:fs';
import { tf } from '../tf.js';
import {
  type AdapterRoute,
  type DeviceSelection,
  type ListedAdapter,
  adapterLabel,
  adapterRoutes,
  chooseAdapter,
  listedAdapters,
  parseAvailableAdapters,
  softwareAdapterName,
  unmatchedAdapterName,
} from './webgpuAdapters.js';

/** What Dawn's `create([...])` returns, kept to the parts used here. */
interface DawnModule {
  create(options: string[]): GPU;
  globals: Record<string, unknown>;
}

export interface FoundAdapter {
  gpu: GPU;
  adapter: GPUAdapter;
  globals: Record<string, unknown>;
  /** Its place in the list `--device` numbers, its name and route. */
  listed: ListedAdapter;
  /** What people call it: "NVIDIA H200 via Vulkan". */
  label: string;
  /** The driver as Dawn describes it, e.g. "NVIDIA: 580.159.04 580.159.4.0". */
  driver: string;
  software: boolean;
}

export interface WebgpuProbe {
  ok: boolean;
  /** True only for a real GPU; `backend: auto` uses webgpu only then. */
  hardware: boolean;
  detail: string;
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n').find((l) => l.trim() !== '')?.trim() ?? 'unknown error';
}

async function loadDawn(): Promise<DawnModule> {
  // Mesa's EGL otherwise looks for an X11/Wayland display and fails on a headless machine; it
  // reads this variable when Dawn first initialises EGL, so it must be set before that.
  if (process.platform === 'linux' && process.env.EGL_PLATFORM === undefined) {
    process.env.EGL_PLATFORM = 'surfaceless';
  }
  try {
    // `webgpu` is ESM and external to the bundle: a real dynamic import in both worlds.
    return (await import('webgpu')) as unknown as DawnModule;
  } catch (e) {
    throw new Error(`the webgpu package (Dawn) could not be loaded: ${firstLine(e)}`);
  }
}

/**
 * The adapters of one route, read from Dawn's rejection of a name that matches none. Should a
 * Dawn answer that with no list, the adapter it gives without a name is the one entry.
 */
async function listRoute(dawn: DawnModule, route: AdapterRoute): Promise<{ names: string[]; byName: boolean }> {
  let message: string;
  try {
    const adapter = await dawn.create([`backend=${route.backend}`, `adapter=${unmatchedAdapterName}`]).requestAdapter(route.request);
    if (adapter !== null) throw new Error(`Dawn gave an adapter for the name "${unmatchedAdapterName}"`);
    message = '';
  } catch (e) {
    message = e instanceof Error ? e.message : String(e);
  }
  if (/Available adapters/.test(message)) {
    const names = parseAvailableAdapters(message)
      .filter((a) => a.backend === route.backend)
      .map((a) => a.name);
    return { names, byName: true };
  }
  if (message !== '') throw new Error(firstLine(message));
  const adapter = await dawn.create([`backend=${route.backend}`]).requestAdapter(route.request);
  return { names: adapter ? [adapter.info.device || adapter.info.description || 'unnamed adapter'] : [], byName: false };
}

export interface AdapterList {
  adapters: ListedAdapter[];
  /** Routes that gave nothing, with why. */
  tried: string[];
}

/**
 * The adapters of every route (`all`), or of the routes up to the first that has a hardware
 * adapter: GL backends start EGL, which costs time and warnings when Vulkan already has a GPU.
 */
export async function listWebgpuAdapters(all = true): Promise<AdapterList> {
  const dawn = await loadDawn();
  const found: Array<{ route: AdapterRoute; names: string[]; byName: boolean }> = [];
  const tried: string[] = [];
  for (const route of adapterRoutes(process.platform)) {
    try {
      const { names, byName } = await listRoute(dawn, route);
      if (names.length === 0) tried.push(`${route.api}: no adapter`);
      found.push({ route, names, byName });
      if (!all && names.some((n) => !softwareAdapterName.test(n))) break;
    } catch (e) {
      tried.push(`${route.api}: ${firstLine(e)}`);
    }
  }
  return { adapters: listedAdapters(found), tried };
}

async function searchAdapter(selection: DeviceSelection | undefined): Promise<FoundAdapter> {
  const dawn = await loadDawn();
  const { adapters, tried } = await listWebgpuAdapters(selection !== undefined);
  if (adapters.length === 0) {
    let hint = '';
    if (process.platform === 'linux') {
      const egl = process.env.EGL_PLATFORM;
      hint =
        egl === 'surfaceless'
          ? ' (needs a Vulkan driver, or Mesa EGL/GLES: libegl-mesa0 libgles2 libgl1-mesa-dri; crate-lab doctor says which)'
          : ` (EGL_PLATFORM=${egl} is set; headless GL needs it unset or surfaceless)`;
    }
    throw new Error(`no WebGPU adapter${hint}; tried ${tried.join('; ')}`);
  }
  const listed = chooseAdapter(adapters, selection);
  const gpu = dawn.create([`backend=${listed.route.backend}`, ...(listed.byName ? [`adapter=${listed.name}`] : [])]);
  const adapter = await gpu.requestAdapter(listed.route.request);
  if (!adapter) throw new Error(`Dawn listed ${adapterLabel(listed)} but gave no adapter for it`);
  const info = adapter.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
  const software = listed.software || info.isFallbackAdapter === true;
  return { gpu, adapter, globals: dawn.globals, listed, label: adapterLabel({ ...listed, software }), driver: info.description, software };
}

let selected: DeviceSelection | undefined;
let adapterSearch: Promise<FoundAdapter> | undefined;

/** `--device`: which adapter this process uses; before the first search only. */
export function selectWebgpuDevice(selection: DeviceSelection | undefined): void {
  if (adapterSearch && JSON.stringify(selection) !== JSON.stringify(selected)) throw new Error('the WebGPU adapter is already chosen in this process');
  selected = selection;
}

/** Finds a WebGPU adapter once per process; rejects with a one-line reason. */
export function findAdapter(): Promise<FoundAdapter> {
  adapterSearch ??= searchAdapter(selected);
  return adapterSearch;
}

function describe(found: FoundAdapter): string {
  const driver = found.driver ? `; ${found.driver}` : '';
  return `webgpu (${found.label}, adapter ${found.listed.index}${driver}${found.software ? '; software adapter' : ''})`;
}

/**
 * On Linux, whether a GPU device node exists. Without one only a software adapter can exist, and
 * asking Dawn costs its warnings on stderr (e.g. "Couldn't load Vulkan"), so `auto` asks this
 * first. Elsewhere there is no cheap answer: true.
 */
export function gpuDevicePresent(): boolean {
  if (process.platform !== 'linux') return true;
  let render: string[] = [];
  try {
    render = readdirSync('/dev/dri').filter((f) => f.startsWith('renderD'));
  } catch {
    // No /dev/dri at all.
  }
  // NVIDIA's proprietary driver, and WSL2's GPU paravirtualisation.
  return render.length > 0 || existsSync('/dev/nvidia0') || existsSync('/dev/dxg');
}

/**
 * Finds an adapter without creating a device or touching the tfjs engine. With `hardwareOnly`,
 * a Linux machine without a GPU device node is answered without loading Dawn.
 */
export async function probeWebgpu(opts: { hardwareOnly?: boolean } = {}): Promise<WebgpuProbe> {
  if (opts.hardwareOnly && !gpuDevicePresent()) {
    return { ok: false, hardware: false, detail: 'no GPU device (/dev/dri/renderD*, /dev/nvidia0, /dev/dxg)' };
  }
  try {
    const found = await findAdapter();
    return { ok: true, hardware: !found.software, detail: describe(found) };
  } catch (e) {
    return { ok: false, hardware: false, detail: firstLine(e) };
  }
}

/** `navigator.gpu` and the GPU* constants (GPUBufferUsage, ...) that tfjs-backend-webgpu reads. */
function installGlobals(found: FoundAdapter): void {
  const g = globalThis as Record<string, unknown>;
  for (const [key, value] of Object.entries(found.globals)) {
    if (!(key in g)) g[key] = value;
  }
  // Node 20 has no `navigator`; Node 21+ has one without `gpu`.
  if (g.navigator === undefined) {
    Object.defineProperty(g, 'navigator', { value: {}, configurable: true, writable: true });
  }
  const nav = g.navigator as Record<string, unknown>;
  if (nav.gpu !== found.gpu) {
    Object.defineProperty(nav, 'gpu', { value: found.gpu, configurable: true, writable: true });
  }
}

async function requestDevice(adapter: GPUAdapter): Promise<GPUDevice> {
  // The limits tfjs-backend-webgpu itself asks for (its base.ts): the adapter's maxima.
  const l = adapter.limits;
  const device = await adapter.requestDevice({
    requiredLimits: {
      maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      maxBufferSize: l.maxBufferSize,
      maxComputeWorkgroupSizeX: l.maxComputeWorkgroupSizeX,
      maxComputeInvocationsPerWorkgroup: l.maxComputeInvocationsPerWorkgroup,
    },
    requiredFeatures: adapter.features.has('timestamp-query') ? ['timestamp-query'] : [],
  });
  // tfjs does not watch for these; without a line on stderr a lost device would only show up as
  // wrong numbers.
  void device.lost.then((info) => {
    if (info.reason !== 'destroyed') process.stderr.write(`webgpu: device lost: ${firstLine(info.message)}\n`);
  });
  device.addEventListener('uncapturederror', (event) => {
    process.stderr.write(`webgpu: ${firstLine((event as GPUUncapturedErrorEvent).error.message)}\n`);
  });
  return device;
}

/** The device tfjs runs on, once registered; its error scopes catch what tfjs would let pass. */
let registeredDevice: GPUDevice | undefined;

/** The adapter's limits and name, once the backend is registered (for sizing micro-batches). */
let activeAdapter: FoundAdapter | undefined;

export function webgpuAdapter(): FoundAdapter | undefined {
  return activeAdapter;
}

export interface WebgpuMemory {
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  /** What the probe asked for. */
  askedBytes: number;
  /** What the device let allocate of that; undefined on a software adapter, whose memory is the host's. */
  measuredBytes?: number;
}

/**
 * The probe allocates in chunks of at most 1 GiB and stops at 192 GiB (the largest GPUs' memory),
 * so that a driver that lets allocations oversubscribe still yields a budget the device holds.
 */
const probeChunkBytes = 2 ** 30;
const probeCapBytes = 192 * 2 ** 30;

/**
 * How many bytes `device` lets allocate, up to `capBytes`, in chunks, then frees them. WebGPU
 * has no memory query; an allocation that fails is an out-of-memory error in its scope. The
 * buffers are never written, so the driver commits nothing for most of them, and it takes a
 * fraction of a second on a GPU.
 */
export async function allocatableBytes(device: GPUDevice, chunkBytes: number, capBytes: number): Promise<number> {
  const chunk = Math.min(chunkBytes, device.limits.maxBufferSize);
  const usage = (activeAdapter!.globals.GPUBufferUsage as { STORAGE: number }).STORAGE;
  const buffers: GPUBuffer[] = [];
  try {
    while ((buffers.length + 1) * chunk <= capBytes) {
      device.pushErrorScope('out-of-memory');
      const buffer = device.createBuffer({ size: chunk, usage });
      if (await device.popErrorScope()) {
        buffer.destroy();
        break;
      }
      buffers.push(buffer);
    }
  } finally {
    for (const b of buffers) b.destroy();
    // Dawn frees destroyed buffers' memory once the queue passes the current serial: finish a
    // submission so the memory is back before tfjs allocates.
    device.queue.submit([device.createCommandEncoder().finish()]);
    await device.queue.onSubmittedWorkDone();
  }
  return buffers.length * chunk;
}

/** The registered device's limits and (on a hardware adapter) how much of `wantedBytes` it lets allocate, up to 192 GiB. */
export async function webgpuMemory(wantedBytes: number): Promise<WebgpuMemory> {
  const device = registeredDevice;
  const found = activeAdapter;
  if (!device || !found) throw new Error('webgpu is not initialised');
  const askedBytes = Math.min(probeCapBytes, Math.max(probeChunkBytes, wantedBytes));
  return {
    maxBufferSize: device.limits.maxBufferSize,
    maxStorageBufferBindingSize: device.limits.maxStorageBufferBindingSize,
    askedBytes,
    measuredBytes: found.software ? undefined : await allocatableBytes(device, probeChunkBytes, askedBytes),
  };
}

/** The registered device, for tests and probes. */
export function webgpuDevice(): GPUDevice | undefined {
  return registeredDevice;
}

/** What the device reported while a guarded piece of work ran. */
export class WebgpuDeviceError extends Error {
  constructor(
    readonly kind: 'out-of-memory' | 'validation' | 'internal',
    message: string,
  ) {
    super(message);
  }
}

/**
 * Runs `work` inside WebGPU error scopes and throws a WebgpuDeviceError if the device reported an
 * error meanwhile: tfjs does not check, and a failed allocation or an invalid kernel would
 * otherwise only show as wrong numbers (e.g. a loss of 0). On other backends it just runs `work`.
 */
export async function guardWebgpu<T>(work: () => Promise<T>): Promise<T> {
  const device = registeredDevice;
  if (!device || tf.getBackend() !== 'webgpu') return work();
  const kinds = ['internal', 'out-of-memory', 'validation'] as const;
  for (const kind of kinds) device.pushErrorScope(kind);
  let result: T | undefined;
  let failure: unknown;
  let failed = false;
  try {
    result = await work();
  } catch (e) {
    failure = e;
    failed = true;
  }
  let reported: WebgpuDeviceError | undefined;
  for (const kind of [...kinds].reverse()) {
    const error = await device.popErrorScope();
    if (error && !reported) reported = new WebgpuDeviceError(kind, `webgpu ${kind === 'out-of-memory' ? 'ran out of memory' : `${kind} error`}: ${firstLine(error.message)}`);
  }
  if (reported) throw reported;
  if (failed) throw failure;
  return result as T;
}

async function register(): Promise<string> {
  const found = await findAdapter();
  installGlobals(found);
  const device = await requestDevice(found.adapter).catch((e: unknown) => {
    throw new Error(`${describe(found)}: requestDevice failed: ${firstLine(e)}`);
  });
  registeredDevice = device;
  activeAdapter = found;
  const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
  // tfjs reads GPU buffers synchronously through OffscreenCanvas, which Node lacks; say so
  // instead of "OffscreenCanvas is not defined". This also covers a webgpu tensor used after a
  // switch to another backend (the engine moves it with a synchronous read).
  class NodeWebGPUBackend extends WebGPUBackend {
    override readSync(dataId: object): ReturnType<InstanceType<typeof WebGPUBackend>['readSync']> {
      try {
        return super.readSync(dataId);
      } catch (e) {
        if (typeof OffscreenCanvas !== 'undefined') throw e;
        throw new Error('webgpu cannot read GPU data synchronously in Node (dataSync, arraySync, moving a tensor to another backend); use await tensor.data()');
      }
    }
  }
  // Drop the self-registration (made when navigator.gpu already existed at import): it would
  // request its own core-level adapter.
  if (tf.findBackendFactory('webgpu') !== null) tf.removeBackend('webgpu');
  // Priority 0: registering must never change which backend tfjs picks implicitly; select.ts
  // decides.
  tf.registerBackend('webgpu', () => new NodeWebGPUBackend(device, found.adapter.info), 0);
  return describe(found);
}

let registration: Promise<string> | undefined;

/** Registers the webgpu backend (once) and makes it the active one. */
export async function initWebgpuBackend(): Promise<{ detail: string }> {
  registration ??= register();
  const detail = await registration;
  if (!(await tf.setBackend('webgpu'))) throw new Error(`${detail}: tfjs could not initialise the webgpu backend`);
  return { detail };
}
