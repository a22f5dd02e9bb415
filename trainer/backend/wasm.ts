// The tfjs wasm backend, set up for Node: SIMD, real threads, and matmul kernels that do not fall
// into tfjs-backend-wasm's naive scalar loop (see nativeGemm.ts).
//
// tfjs-backend-wasm's own init() cannot start threads under Node: it reports no thread support
// there, and even when forced it hands Emscripten its pthread worker and main script as `blob:`
// URLs, which Node's worker_threads cannot load. So this module registers its own factory for the
// 'wasm' backend that loads the same Emscripten glue and .wasm files from node_modules by path
// (resolved at run time, so it works from tsx and from the esbuild bundle alike).
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { Worker as NodeWorker } from 'node:worker_threads';
import { BackendWasm, getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf.js';
import { installMatMulKernels } from './matMulKernels.js';
import { loadNativeGemm, type MatMulPath } from './nativeGemm.js';

/**
 * Loads files from node_modules at run time. A plain `require` of a computed path would do too,
 * but esbuild warns about (and tries to bundle) `require.resolve` of a literal package name.
 */
const runtimeRequire = createRequire(__filename);

/** The priority tfjs-backend-wasm registers itself with; kept so `auto` selection is unchanged. */
const WASM_PRIORITY = 2;

export interface WasmBackendOptions {
  /** Threads for the wasm kernels (XNNPACK and friends). Default: all logical cores. */
  threads?: number;
  /** Use the OpenBLAS addon for matmuls when it is built (default true). */
  nativeGemm?: boolean;
}

/** What Emscripten's module object offers that this file uses. */
interface EmscriptenModule {
  HEAPU8: Uint8Array;
  _malloc(bytes: number): number;
  /** The raw wasm exports. */
  asm?: { malloc?: (bytes: number) => number };
  wasmMemory?: WebAssembly.Memory;
  cwrap(name: string, returnType: string | null, argTypes: string[]): (...args: number[]) => number;
  tfjs?: unknown;
  /** Present in the threaded build only. */
  PThread?: { unusedWorkers: NodeWorker[]; runningWorkers: NodeWorker[] };
}

type EmscriptenFactory = (config: {
  locateFile(path: string, prefix: string): string;
  mainScriptUrlOrBlob?: string;
  instantiateWasm?(imports: WebAssembly.Imports, receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void): object;
}) => Promise<EmscriptenModule>;

/** Files of one variant of the tfjs wasm binary. */
interface WasmVariant {
  name: 'threaded-simd' | 'simd' | 'plain';
  glue: string;
  wasm: string;
}

/**
 * Where tfjs-backend-wasm's `wasm-out/` is: beside the bundle when the build copied it there (the
 * packaged extension ships no node_modules), else in node_modules.
 */
function wasmPackageDir(): string {
  const besideBundle = join(__dirname, 'tfjs-backend-wasm');
  if (existsSync(join(besideBundle, 'wasm-out'))) return besideBundle;
  return dirname(runtimeRequire.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
}

function wasmVariant(threaded: boolean, simd: boolean): WasmVariant {
  const out = join(wasmPackageDir(), 'wasm-out');
  if (threaded) {
    return {
      name: 'threaded-simd',
      glue: join(out, 'tfjs-backend-wasm-threaded-simd.js'),
      wasm: join(out, 'tfjs-backend-wasm-threaded-simd.wasm'),
    };
  }
  // The non-threaded glue serves both the SIMD and the plain binary.
  const wasm = simd ? 'tfjs-backend-wasm-simd.wasm' : 'tfjs-backend-wasm.wasm';
  return { name: simd ? 'simd' : 'plain', glue: join(out, 'tfjs-backend-wasm.js'), wasm: join(out, wasm) };
}

/**
 * The pthread worker script as a file. The package ships it only as a JS string
 * (`wasmWorkerContents`); Node's Worker needs a path, so it is written once per content hash.
 */
function pthreadWorkerFile(): string {
  const source = join(wasmPackageDir(), 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js');
  const { wasmWorkerContents } = runtimeRequire(source) as { wasmWorkerContents: string };
  // The string came out of a template literal, so its "\n" escapes are real newlines, which
  // break string literals in the script; tfjs undoes this the same way before making its Blob.
  const script = wasmWorkerContents.replace(/\n/g, '\\n');
  const hash = createHash('sha256').update(script).digest('hex').slice(0, 16);
  const file = join(tmpdir(), `crate-lab-tfjs-wasm-worker-${hash}.cjs`);
  if (!existsSync(file)) {
    // Write-then-rename so concurrent processes never load a half-written worker.
    const partial = `${file}.${process.pid}.tmp`;
    writeFileSync(partial, script);
    renameSync(partial, file);
  }
  return file;
}

/**
 * tfjs-backend-wasm's C++ caps its thread pool at emscripten_num_logical_cores() / 2 (it assumes
 * hyper-threading), i.e. one thread on a 2-core machine. Answering that import with twice the
 * requested count makes the cap equal to what the caller asked for. Only this module instance
 * sees the answer; the import is read once, by a static constructor on the main thread.
 * Instantiation is synchronous so that a failure rejects the factory's promise.
 */
function instantiateWithCoreCount(compiled: WebAssembly.Module, threads: number) {
  return (imports: WebAssembly.Imports, receive: (instance: WebAssembly.Instance, module: WebAssembly.Module) => void) => {
    const env = imports.env as Record<string, unknown>;
    env.emscripten_num_logical_cores = () => 2 * threads;
    receive(new WebAssembly.Instance(compiled, imports), compiled);
    return {};
  };
}

async function instantiate(variant: WasmVariant, threads: number): Promise<EmscriptenModule> {
  const factory = runtimeRequire(variant.glue) as EmscriptenFactory;
  const worker = variant.name === 'threaded-simd' ? pthreadWorkerFile() : '';
  const compiled = await WebAssembly.compile(readFileSync(variant.wasm));
  const module = await factory({
    locateFile: (path, prefix) => {
      if (path.endsWith('.worker.js')) return worker;
      if (path.endsWith('.wasm')) return variant.wasm;
      return prefix + path;
    },
    instantiateWasm: instantiateWithCoreCount(compiled, threads),
    // Workers re-evaluate the glue from this path (tfjs passes a Blob here, which Node cannot).
    mainScriptUrlOrBlob: variant.glue,
  });
  failLoudlyOnExhaustedHeap(module);
  // The same bindings tfjs-backend-wasm's init() attaches; BackendWasm relies on them.
  module.tfjs = {
    init: module.cwrap('init', null, []),
    initWithThreadsCount: module.cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: module.cwrap('get_threads_count', 'number', []),
    registerTensor: module.cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: module.cwrap('dispose_data', null, ['number']),
    dispose: module.cwrap('dispose', null, []),
  };
  return module;
}

/**
 * When the wasm heap reaches wasm32's 4 GiB, malloc returns 0 and tfjs-backend-wasm registers the
 * tensor at address 0: the next kernel overwrites the heap's start and the process hangs or
 * computes garbage. Every tensor allocation goes through Module._malloc, so that throws instead.
 * The property is pinned because Emscripten's lazy export wrapper reassigns it on first call.
 */
function failLoudlyOnExhaustedHeap(module: EmscriptenModule): void {
  const malloc = module.asm?.malloc ?? module._malloc.bind(module);
  const guarded = (bytes: number) => {
    const address = malloc(bytes);
    if (address === 0 && bytes > 0) {
      const heapBytes = (module.wasmMemory?.buffer ?? module.HEAPU8.buffer).byteLength;
      throw new Error(
        `wasm heap exhausted: cannot allocate ${megabytes(bytes)} MB with ${megabytes(heapBytes)} MB in use ` +
          '(wasm32 stops at 4096 MB); train with smaller (micro-)batches',
      );
    }
    return address;
  };
  Object.defineProperty(module, '_malloc', { get: () => guarded, set: () => undefined, configurable: true });
}

function megabytes(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(0);
}

/**
 * Emscripten keeps the workers that run pthreads referenced, so a process that used the backend
 * would never exit; and it pre-spawns 8 workers (a full wasm instance each) whatever the thread
 * count. XNNPACK's pool has created all its threads by now (in BackendWasm's constructor), so the
 * spares are terminated and the rest unreferenced.
 */
function releaseIdleWorkers(module: EmscriptenModule): void {
  const pthreads = module.PThread;
  if (pthreads == null) return;
  for (const worker of pthreads.unusedWorkers.splice(0)) void worker.terminate();
  for (const worker of pthreads.runningWorkers) worker.unref();
}

async function simdSupported(): Promise<boolean> {
  return (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
}

function threadsSupported(): boolean {
  return typeof SharedArrayBuffer === 'function';
}

/** What `activate` ended up with, for the one-line description. */
interface WasmSetup {
  variant: WasmVariant['name'];
  threads: number;
  matMul: MatMulPath;
}

/**
 * Registers the 'wasm' backend with SIMD and threads, installs the matmul kernels (OpenBLAS when
 * the addon is built, otherwise a transpose-then-XNNPACK path) and makes it the active backend.
 * Throws when the backend cannot start at all; returns a one-line description otherwise.
 */
export async function initWasmBackend(opts: WasmBackendOptions = {}): Promise<{ detail: string }> {
  const wanted = Math.max(1, Math.floor(opts.threads ?? availableParallelism()));
  const simd = await simdSupported();
  const threaded = wanted > 1 && simd && threadsSupported();
  const notes: string[] = [];
  if (wanted > 1 && !threaded) notes.push(simd ? 'no SharedArrayBuffer' : 'no wasm SIMD, so no threads');

  let setup: WasmSetup;
  try {
    setup = await activate(wasmVariant(threaded, simd), wanted, wanted, opts.nativeGemm ?? true);
  } catch (err) {
    if (!threaded) throw err;
    // A threaded start can fail where a single-threaded one works (e.g. tmpdir not writable for
    // the worker script, or workers not allowed).
    notes.push(`threads failed: ${errorMessage(err)}`);
    setup = await activate(wasmVariant(false, simd), 1, wanted, opts.nativeGemm ?? true);
  }
  return { detail: describe(setup, notes) };
}

/** Starts the backend; the OpenBLAS pool has its own thread count (native threads need no workers). */
async function activate(variant: WasmVariant, threads: number, gemmThreads: number, nativeGemm: boolean): Promise<WasmSetup> {
  let failure: unknown = null;
  if (tf.findBackendFactory('wasm') != null) tf.removeBackend('wasm');
  tf.registerBackend(
    'wasm',
    async () => {
      try {
        const module = await instantiate(variant, threads);
        // BackendWasm's constructor reads the count set here and passes it to XNNPACK's pool.
        setThreadsCount(threads);
        const backend = new BackendWasm(module as unknown as ConstructorParameters<typeof BackendWasm>[0]);
        releaseIdleWorkers(module);
        return backend;
      } catch (err) {
        failure = err;
        throw err;
      }
    },
    WASM_PRIORITY,
  );
  const gemm = nativeGemm ? loadNativeGemm() : { ok: false as const, reason: 'disabled by option' };
  // Kernels are swapped before setBackend so that setBackend runs their setup functions.
  const matMul = installMatMulKernels(gemm, gemmThreads);
  const ok = await tf.setBackend('wasm');
  if (!ok || tf.getBackend() !== 'wasm') {
    tf.removeBackend('wasm');
    throw new Error(`wasm backend (${variant.name}) did not start: ${failure == null ? 'unknown reason' : errorMessage(failure)}`);
  }
  return { variant: variant.name, threads: getThreadsCount(), matMul };
}

function describe(setup: WasmSetup, notes: string[]): string {
  const simd = setup.variant === 'plain' ? 'no SIMD' : 'SIMD';
  const threads = setup.threads === 1 ? '1 thread' : `${setup.threads} threads`;
  const matMul = setup.matMul.native ? setup.matMul.detail : `XNNPACK; ${setup.matMul.detail}`;
  return `wasm (${[simd, threads, matMul, ...notes].join(', ')})`;
}

/**
 * Cheap check for a `doctor` command: no backend is started and no worker spawned. Reports whether
 * the wasm files, SIMD, threads and the native GEMM addon are available.
 */
export async function probeWasm(): Promise<{ ok: boolean; detail: string }> {
  let variant: WasmVariant;
  const simd = await simdSupported();
  try {
    variant = wasmVariant(threadsSupported() && simd, simd);
    for (const file of [variant.glue, variant.wasm]) {
      if (!existsSync(file)) return { ok: false, detail: `missing ${file}` };
    }
    if (!WebAssembly.validate(readFileSync(variant.wasm))) return { ok: false, detail: `${variant.wasm} does not validate` };
  } catch (err) {
    return { ok: false, detail: `@tensorflow/tfjs-backend-wasm not loadable: ${errorMessage(err)}` };
  }
  const gemm = loadNativeGemm();
  const features = [simd ? 'SIMD' : 'no SIMD', variant.name === 'threaded-simd' ? `threads (${availableParallelism()} cores)` : 'no threads'];
  features.push(gemm.ok ? `native GEMM: ${gemm.addon.describe()}` : `native GEMM unavailable: ${gemm.reason}`);
  return { ok: true, detail: `wasm: ${features.join(', ')}` };
}

function errorMessage(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (typeof err === 'object' && err != null && 'message' in err) return String((err as { message: unknown }).message);
  return String(err);
}
