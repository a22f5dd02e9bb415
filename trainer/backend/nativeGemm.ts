// Matmul kernels for the wasm backend.
//
// tfjs-backend-wasm 4.22 hands BatchMatMul to XNNPACK only for a single, untransposed product;
// every other case (all matmul gradients, batched attention) runs a naive scalar loop. This file
// replaces BatchMatMul and _FusedMatMul on 'wasm' with either
//  - the OpenBLAS addon (trainer/native/gemm.c), which multiplies the tensors where they lie in
//    the wasm heap, for every transpose flag and batch shape, or, when the addon is not built,
//  - XNNPACK reached the long way: transposes made explicit, and batches run as one XNNPACK
//    product per matrix.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf.js';

/** The functions trainer/native/gemm.c exports. Offsets are byte offsets into `heap`. */
export interface NativeGemmAddon {
  /** C_i = op(A_i)·op(B_i) for each (a, b, c) offset triple; op(A) is m×k, op(B) is k×n. */
  sgemmBatch(heap: Uint8Array, offsets: Float64Array, m: number, n: number, k: number, transA: boolean, transB: boolean): void;
  /** C = act(C + bias) over `rows` rows of n; bias and prelu weights hold 1 or n values, offset < 0 = none. */
  biasActivation(
    heap: Uint8Array,
    cOffset: number,
    rows: number,
    n: number,
    biasOffset: number,
    biasLength: number,
    activation: number,
    preluOffset: number,
    preluLength: number,
    leakyAlpha: number,
  ): void;
  /** Resizes the addon's thread pool; returns the number of threads now in use. */
  setThreads(threads: number): number;
  /** OpenBLAS build configuration and thread count. */
  describe(): string;
}

export type NativeGemmLoad = { ok: true; addon: NativeGemmAddon; path: string } | { ok: false; reason: string };

/** Which matmul implementation the wasm backend ended up with. */
export interface MatMulPath {
  native: boolean;
  detail: string;
}

/** Loads the addon at run time; esbuild must not try to bundle a .node file. */
const runtimeRequire = createRequire(__filename);

const ADDON_RELATIVE_PATH = join('trainer', 'native', 'build', 'Release', 'gemm.node');

/**
 * The project root: the nearest ancestor with crate-lab's package.json. Walking up from this file
 * works both from trainer/backend (tsx) and from dist/trainer (the esbuild bundle).
 */
function projectRoot(): string | null {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest)) {
      try {
        if ((JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'crate-lab') return dir;
      } catch {
        // An unreadable package.json further down is not ours; keep walking.
      }
    }
    if (dirname(dir) === dir) return null;
  }
}

let loaded: NativeGemmLoad | null = null;

/** Loads the OpenBLAS addon once; never throws, a failure carries the reason. */
export function loadNativeGemm(): NativeGemmLoad {
  if (loaded != null) return loaded;
  const root = projectRoot();
  if (root == null) {
    loaded = { ok: false, reason: `crate-lab's package.json not found above ${__dirname}` };
    return loaded;
  }
  const path = join(root, ADDON_RELATIVE_PATH);
  if (!existsSync(path)) {
    loaded = { ok: false, reason: `${ADDON_RELATIVE_PATH} is not built (node scripts/setup.mjs builds it; needs libopenblas-dev and a C compiler)` };
    return loaded;
  }
  try {
    const addon = runtimeRequire(path) as NativeGemmAddon;
    addon.setThreads(availableParallelism());
    loaded = { ok: true, addon, path };
  } catch (err) {
    // dlopen errors name the missing library on their first line; reasons stay one line.
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    loaded = { ok: false, reason: `${ADDON_RELATIVE_PATH} failed to load: ${message}` };
  }
  return loaded;
}

// ---------------------------------------------------------------------------------------------
// Kernel registration

type KernelConfig = ReturnType<typeof tf.getKernel>;
type KernelArgs = Parameters<KernelConfig['kernelFunc']>[0];
type TensorInfo = NonNullable<KernelArgs['inputs'][string]>;

/**
 * The kernels tfjs-backend-wasm registered, captured before the first override. Kept on
 * globalThis (like tfjs's own kernel registry) so that a second copy of this module, e.g. one
 * loaded through both ESM and CJS, still finds the library's kernels and not an override.
 */
const originals: Map<string, KernelConfig> = ((globalThis as Record<symbol, unknown>)[
  Symbol.for('crate-lab.wasmMatMulOriginals')
] ??= new Map<string, KernelConfig>()) as Map<string, KernelConfig>;

function originalKernel(name: string): KernelConfig {
  let config = originals.get(name);
  if (config == null) {
    config = tf.getKernel(name, 'wasm');
    if (config == null) throw new Error(`tfjs-backend-wasm registered no ${name} kernel`);
    originals.set(name, config);
  }
  return config;
}

function override(name: string, kernelFunc: KernelConfig['kernelFunc']): void {
  const original = originalKernel(name);
  tf.unregisterKernel(name, 'wasm');
  // The original setup still runs: the fallbacks below call the original kernel functions.
  tf.registerKernel({ kernelName: name, backendName: 'wasm', setupFunc: original.setupFunc, kernelFunc });
}

/**
 * Replaces BatchMatMul and _FusedMatMul on 'wasm'. Call before tf.setBackend('wasm') so their
 * setup functions run. `threads` sizes the addon's pool (default: all logical cores).
 */
export function installMatMulKernels(gemm: NativeGemmLoad, threads = availableParallelism()): MatMulPath {
  const batchMatMul = originalKernel(tf.BatchMatMul);
  const fusedMatMul = originalKernel(tf._FusedMatMul);
  if (gemm.ok) {
    const used = gemm.addon.setThreads(threads);
    override(tf.BatchMatMul, nativeBatchMatMul(gemm.addon, batchMatMul));
    override(tf._FusedMatMul, nativeFusedMatMul(gemm.addon, fusedMatMul));
    return { native: true, detail: `OpenBLAS GEMM on ${used} thread${used === 1 ? '' : 's'}` };
  }
  const fallback = xnnpackBatchMatMul(batchMatMul);
  override(tf.BatchMatMul, fallback);
  override(tf._FusedMatMul, xnnpackFusedMatMul(fusedMatMul, fallback));
  return { native: false, detail: `native GEMM unavailable: ${gemm.reason}` };
}

/** Puts the original kernels back (tests compare both paths). */
export function restoreOriginalMatMulKernels(): void {
  for (const [name, config] of originals) {
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel(config);
  }
}

// ---------------------------------------------------------------------------------------------
// Shared by both paths: shapes, heap access, bias and activation by wasm kernels

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

interface FusedAttrs extends MatMulAttrs {
  activation: string;
  leakyreluAlpha: number;
}

function matMulAttrs(attrs: KernelArgs['attrs']): MatMulAttrs {
  const { transposeA, transposeB } = (attrs ?? {}) as Partial<MatMulAttrs>;
  return { transposeA: transposeA === true, transposeB: transposeB === true };
}

function fusedAttrs(attrs: KernelArgs['attrs']): FusedAttrs {
  const { activation, leakyreluAlpha } = (attrs ?? {}) as { activation?: string; leakyreluAlpha?: number };
  // tfjs-core's fused.matMul defaults the alpha to 0.2.
  return { ...matMulAttrs(attrs), activation: activation ?? 'linear', leakyreluAlpha: leakyreluAlpha ?? 0.2 };
}

function operands(inputs: KernelArgs['inputs']): { a: TensorInfo; b: TensorInfo } {
  const { a, b } = inputs;
  if (a == null || b == null) throw new Error('matMul needs inputs a and b');
  return { a, b };
}

/** What these kernels handle; anything else (int32, rank < 2) gets the original and its errors. */
function isFloatMatMul(a: TensorInfo, b: TensorInfo): boolean {
  return a.dtype === 'float32' && b.dtype === 'float32' && a.shape.length >= 2 && b.shape.length >= 2;
}

function sizeOf(shape: number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

function batchSize(t: TensorInfo): number {
  return sizeOf(t.shape.slice(0, -2));
}

function isEmpty(t: TensorInfo): boolean {
  return t.shape.some((d) => d === 0);
}

/** n, the columns of op(B). */
function columnsOf(b: TensorInfo, transposeB: boolean): number {
  return b.shape[b.shape.length - (transposeB ? 2 : 1)];
}

interface MatMulGeometry {
  m: number;
  n: number;
  k: number;
  outShape: number[];
  /** For each output matrix, the index of the A and B matrix it reads (broadcast batch dims). */
  aIndex: Int32Array;
  bIndex: Int32Array;
}

function matMulGeometry(aShape: number[], bShape: number[], transposeA: boolean, transposeB: boolean): MatMulGeometry {
  const aRank = aShape.length;
  const bRank = bShape.length;
  const m = transposeA ? aShape[aRank - 1] : aShape[aRank - 2];
  const kA = transposeA ? aShape[aRank - 2] : aShape[aRank - 1];
  const kB = transposeB ? bShape[bRank - 1] : bShape[bRank - 2];
  const n = transposeB ? bShape[bRank - 2] : bShape[bRank - 1];
  if (kA !== kB) {
    throw new Error(
      `Error in matMul: inner shapes (${kA}) and (${kB}) of Tensors with shapes ${aShape} and ${bShape} ` +
        `and transposeA=${transposeA} and transposeB=${transposeB} must match.`,
    );
  }
  const aBatch = aShape.slice(0, -2);
  const bBatch = bShape.slice(0, -2);
  const outBatch = tf.broadcast_util.assertAndGetBroadcastShape(aBatch, bBatch);
  return {
    m,
    n,
    k: kA,
    outShape: [...outBatch, m, n],
    aIndex: broadcastSourceIndex(outBatch, aBatch),
    bIndex: broadcastSourceIndex(outBatch, bBatch),
  };
}

/**
 * Maps each flat index of `outShape` to the flat index of `inShape` it broadcasts from, as NumPy
 * does. (tfjs's own kernels take the index modulo the batch size, which agrees except for shapes
 * like [2,1] against [1,3].)
 */
function broadcastSourceIndex(outShape: number[], inShape: number[]): Int32Array {
  const size = sizeOf(outShape);
  const index = new Int32Array(size);
  const inSize = sizeOf(inShape);
  if (inSize === size) {
    for (let i = 0; i < size; i++) index[i] = i;
    return index;
  }
  if (inSize === 1) return index;
  // Dims are right-aligned; a dim of 1 (or a missing one) repeats.
  const rankGap = outShape.length - inShape.length;
  const inStrides = new Array<number>(outShape.length).fill(0);
  for (let d = inShape.length - 1, stride = 1; d >= 0; d--) {
    if (inShape[d] !== 1) inStrides[d + rankGap] = stride;
    stride *= inShape[d];
  }
  for (let i = 0; i < size; i++) {
    let rest = i;
    let source = 0;
    for (let d = outShape.length - 1; d >= 0; d--) {
      source += (rest % outShape[d]) * inStrides[d];
      rest = Math.floor(rest / outShape[d]);
    }
    index[i] = source;
  }
  return index;
}

interface WasmHeapModule {
  HEAPU8: Uint8Array;
  wasmMemory?: WebAssembly.Memory;
}

let heapView: Uint8Array | null = null;

/**
 * A view of the whole wasm memory; fetch it after the last allocation, which can grow the memory.
 * With threads the memory is shared and `wasmMemory.buffer` is always current (Module.HEAPU8 can
 * lag after another thread grows it); without threads Emscripten refreshes HEAPU8 on growth.
 */
function wasmHeap(backend: BackendWasm): Uint8Array {
  const module = backend.wasm as unknown as WasmHeapModule;
  const buffer = module.wasmMemory?.buffer ?? module.HEAPU8.buffer;
  if (heapView == null || heapView.buffer !== buffer || heapView.byteLength !== buffer.byteLength) {
    heapView = new Uint8Array(buffer);
  }
  return heapView;
}

function memoryOffset(backend: BackendWasm, tensor: TensorInfo): number {
  return backend.dataIdMap.get(tensor.dataId).memoryOffset;
}

/** Runs a wasm kernel by name on `backend`; the caller disposes the result. */
function runWasmKernel(backend: BackendWasm, name: string, inputs: KernelArgs['inputs'], attrs: KernelArgs['attrs'] = {}): TensorInfo {
  return tf.getKernel(name, 'wasm').kernelFunc({ inputs, backend, attrs }) as TensorInfo;
}

/** The wasm kernel for each fused activation, applied to x. */
function activate(backend: BackendWasm, x: TensorInfo, attrs: FusedAttrs, prelu: TensorInfo | undefined): TensorInfo {
  switch (attrs.activation) {
    case 'relu':
      return runWasmKernel(backend, tf.Relu, { x });
    case 'relu6':
      return runWasmKernel(backend, tf.Relu6, { x });
    case 'elu':
      return runWasmKernel(backend, tf.Elu, { x });
    case 'sigmoid':
      return runWasmKernel(backend, tf.Sigmoid, { x });
    case 'leakyrelu':
      return runWasmKernel(backend, tf.LeakyRelu, { x }, { alpha: attrs.leakyreluAlpha });
    case 'prelu':
      if (prelu == null) throw new Error('prelu activation without preluActivationWeights');
      return runWasmKernel(backend, tf.Prelu, { x, alpha: prelu });
    default:
      throw new Error(`${attrs.activation} activation is not supported by _FusedMatMul on wasm`);
  }
}

/** act(product + bias) as separate wasm kernels; consumes `product`. */
function biasAndActivationByKernels(
  backend: BackendWasm,
  product: TensorInfo,
  bias: TensorInfo | undefined,
  prelu: TensorInfo | undefined,
  attrs: FusedAttrs,
): TensorInfo {
  let out = product;
  const replace = (next: TensorInfo) => {
    backend.disposeData(out.dataId);
    out = next;
  };
  if (bias != null) replace(runWasmKernel(backend, tf.Add, { a: out, b: bias }));
  if (attrs.activation !== 'linear') replace(activate(backend, out, attrs, prelu));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Native kernels

/** Multiplies into a new output tensor; returns it and its geometry. */
function nativeProduct(addon: NativeGemmAddon, backend: BackendWasm, a: TensorInfo, b: TensorInfo, attrs: MatMulAttrs) {
  const geometry = matMulGeometry(a.shape, b.shape, attrs.transposeA, attrs.transposeB);
  const { m, n, k, aIndex, bIndex } = geometry;
  const out = backend.makeOutput(geometry.outShape, 'float32');
  const batch = aIndex.length;
  if (batch === 0 || m === 0 || n === 0) return { out, geometry };
  const aBase = memoryOffset(backend, a);
  const bBase = memoryOffset(backend, b);
  const cBase = memoryOffset(backend, out);
  const offsets = new Float64Array(3 * batch);
  for (let i = 0; i < batch; i++) {
    offsets[3 * i] = aBase + aIndex[i] * m * k * 4;
    offsets[3 * i + 1] = bBase + bIndex[i] * k * n * 4;
    offsets[3 * i + 2] = cBase + i * m * n * 4;
  }
  addon.sgemmBatch(wasmHeap(backend), offsets, m, n, k, attrs.transposeA, attrs.transposeB);
  return { out, geometry };
}

function nativeBatchMatMul(addon: NativeGemmAddon, original: KernelConfig): KernelConfig['kernelFunc'] {
  return (args) => {
    const { a, b } = operands(args.inputs);
    if (!isFloatMatMul(a, b)) return original.kernelFunc(args);
    return nativeProduct(addon, args.backend as BackendWasm, a, b, matMulAttrs(args.attrs)).out;
  };
}

/** Activation codes of gemm.c, by tfjs fused activation name. */
const ACTIVATION_CODES: Record<string, number> = {
  linear: 0,
  relu: 1,
  relu6: 2,
  prelu: 3,
  leakyrelu: 4,
  sigmoid: 5,
  elu: 6,
};

/** True for a tensor that repeats along the rows of an [..., n] output: 1 value, or n in its last dim. */
function repeatsAlongRows(t: TensorInfo, n: number): boolean {
  const size = sizeOf(t.shape);
  return t.dtype === 'float32' && (size === 1 || (size === n && t.shape[t.shape.length - 1] === n));
}

/**
 * _FusedMatMul: the product by OpenBLAS, then bias and activation in one pass in C when they
 * repeat along rows (the usual [n] bias), else by wasm kernels.
 */
function nativeFusedMatMul(addon: NativeGemmAddon, original: KernelConfig): KernelConfig['kernelFunc'] {
  return (args) => {
    const { a, b } = operands(args.inputs);
    const { bias, preluActivationWeights: prelu } = args.inputs;
    const attrs = fusedAttrs(args.attrs);
    const code = ACTIVATION_CODES[attrs.activation];
    if (!isFloatMatMul(a, b) || code == null) return original.kernelFunc(args);
    const backend = args.backend as BackendWasm;
    const { out, geometry } = nativeProduct(addon, backend, a, b, attrs);
    const { n } = geometry;
    const usesPrelu = attrs.activation === 'prelu';
    const inC = (bias == null || repeatsAlongRows(bias, n)) && (!usesPrelu || (prelu != null && repeatsAlongRows(prelu, n)));
    if (!inC) return biasAndActivationByKernels(backend, out, bias, prelu, attrs);
    const rows = geometry.aIndex.length * geometry.m;
    if (rows === 0 || n === 0 || (bias == null && attrs.activation === 'linear')) return out;
    addon.biasActivation(
      wasmHeap(backend),
      memoryOffset(backend, out),
      rows,
      n,
      bias == null ? -1 : memoryOffset(backend, bias),
      bias == null ? 0 : sizeOf(bias.shape),
      code,
      usesPrelu && prelu != null ? memoryOffset(backend, prelu) : -1,
      usesPrelu && prelu != null ? sizeOf(prelu.shape) : 0,
      attrs.leakyreluAlpha,
    );
    return out;
  };
}

// ---------------------------------------------------------------------------------------------
// Fallback without the addon: reach XNNPACK, which tfjs-backend-wasm uses only for a single,
// untransposed product.

/** The last two dims swapped, by the wasm Transpose kernel; the caller disposes the result. */
function swapLastTwoDims(backend: BackendWasm, x: TensorInfo): TensorInfo {
  const rank = x.shape.length;
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return runWasmKernel(backend, tf.Transpose, { x }, { perm });
}

/** Runs `use` on untransposed copies of a and b (or a and b themselves), then frees the copies. */
function withUntransposed<T>(backend: BackendWasm, a: TensorInfo, b: TensorInfo, attrs: MatMulAttrs, use: (a: TensorInfo, b: TensorInfo) => T): T {
  const aT = attrs.transposeA ? swapLastTwoDims(backend, a) : a;
  const bT = attrs.transposeB ? swapLastTwoDims(backend, b) : b;
  try {
    return use(aT, bT);
  } finally {
    if (aT !== a) backend.disposeData(aT.dataId);
    if (bT !== b) backend.disposeData(bT.dataId);
  }
}

/** A product with an empty operand: all zeros (k = 0) or empty. wasm's Transpose traps on these. */
function emptyOperandProduct(backend: BackendWasm, a: TensorInfo, b: TensorInfo, attrs: MatMulAttrs): TensorInfo {
  const { outShape } = matMulGeometry(a.shape, b.shape, attrs.transposeA, attrs.transposeB);
  const out = backend.makeOutput(outShape, 'float32');
  const start = memoryOffset(backend, out);
  wasmHeap(backend).fill(0, start, start + sizeOf(outShape) * 4);
  return out;
}

type WasmBatchMatMul = (
  aId: number,
  aShape: Uint8Array,
  aRank: number,
  bId: number,
  bShape: Uint8Array,
  bRank: number,
  transposeA: number,
  transposeB: number,
  outId: number,
) => void;

const wasmBatchMatMuls = new WeakMap<BackendWasm, WasmBatchMatMul>();

/** tfjs-backend-wasm's exported C BatchMatMul, bound the way its own kernel binds it. */
function wasmBatchMatMul(backend: BackendWasm): WasmBatchMatMul {
  let fn = wasmBatchMatMuls.get(backend);
  if (fn == null) {
    const module = backend.wasm as unknown as { cwrap(name: string, ret: null, args: string[]): WasmBatchMatMul };
    const args = ['number', 'array', 'number', 'number', 'array', 'number', 'number', 'number', 'number'];
    fn = module.cwrap(tf.BatchMatMul, null, args);
    wasmBatchMatMuls.set(backend, fn);
  }
  return fn;
}

/**
 * A tensor id for memory that belongs to another tensor (one matrix of a batch). It must be
 * released with `releaseView`, never disposed: disposing would free() an interior pointer.
 */
function registerView(backend: BackendWasm, shape: number[], offset: number): TensorInfo {
  return backend.makeOutput(shape, 'float32', offset);
}

function releaseView(backend: BackendWasm, view: TensorInfo): void {
  // Unregisters the id in C++ (dropping XNNPACK operators cached for it) without free().
  backend.wasm.tfjs.disposeData(backend.dataIdMap.get(view.dataId).id);
  backend.dataIdMap.delete(view.dataId);
}

function shapeBytes(shape: number[]): Uint8Array {
  return new Uint8Array(new Int32Array(shape).buffer);
}

/**
 * A batched, untransposed product as one XNNPACK call per matrix, on views of the operands:
 * the library's batched path is the naive loop (about 3 GFLOP/s against 15 to 25 this way).
 */
function perMatrixXnnpack(backend: BackendWasm, a: TensorInfo, b: TensorInfo): TensorInfo {
  const { m, n, k, outShape, aIndex, bIndex } = matMulGeometry(a.shape, b.shape, false, false);
  const out = backend.makeOutput(outShape, 'float32');
  const aBase = memoryOffset(backend, a);
  const bBase = memoryOffset(backend, b);
  const cBase = memoryOffset(backend, out);
  const multiply = wasmBatchMatMul(backend);
  const aShape = shapeBytes([1, m, k]);
  const bShape = shapeBytes([1, k, n]);
  const id = (t: TensorInfo) => backend.dataIdMap.get(t.dataId).id;
  for (let i = 0; i < aIndex.length; i++) {
    const views = [
      registerView(backend, [1, m, k], aBase + aIndex[i] * m * k * 4),
      registerView(backend, [1, k, n], bBase + bIndex[i] * k * n * 4),
      registerView(backend, [1, m, n], cBase + i * m * n * 4),
    ];
    try {
      multiply(id(views[0]), aShape, 3, id(views[1]), bShape, 3, 0, 0, id(views[2]));
    } finally {
      for (const view of views) releaseView(backend, view);
    }
  }
  return out;
}

/** BatchMatMul without the addon: transposes made explicit, batches split into single products. */
function xnnpackBatchMatMul(original: KernelConfig): KernelConfig['kernelFunc'] {
  return (args) => {
    const { a, b } = operands(args.inputs);
    const attrs = matMulAttrs(args.attrs);
    const single = batchSize(a) === 1 && batchSize(b) === 1;
    if (!isFloatMatMul(a, b) || (single && !attrs.transposeA && !attrs.transposeB)) return original.kernelFunc(args);
    const backend = args.backend as BackendWasm;
    if (isEmpty(a) || isEmpty(b)) return emptyOperandProduct(backend, a, b, attrs);
    const untransposed = { transposeA: false, transposeB: false };
    return withUntransposed(backend, a, b, attrs, (aT, bT) =>
      single
        ? original.kernelFunc({ inputs: { a: aT, b: bT }, backend, attrs: untransposed })
        : perMatrixXnnpack(backend, aT, bT),
    );
  };
}

/**
 * _FusedMatMul without the addon. A single product with a full [n] bias (or none) goes to the
 * library's kernel (XNNPACK with bias and activation) after explicit transposes. Anything else is
 * computed as product, bias add and activation: the library's fused kernel adds the bias wrongly
 * to batched products and reads a [1] bias as if it had n values.
 */
function xnnpackFusedMatMul(original: KernelConfig, batchMatMul: KernelConfig['kernelFunc']): KernelConfig['kernelFunc'] {
  return (args) => {
    const { a, b } = operands(args.inputs);
    const { bias, preluActivationWeights: prelu } = args.inputs;
    const attrs = fusedAttrs(args.attrs);
    if (!isFloatMatMul(a, b)) return original.kernelFunc(args);
    const backend = args.backend as BackendWasm;
    const n = columnsOf(b, attrs.transposeB);
    const fullBias = bias == null || (bias.shape.length === 1 && bias.shape[0] === n);
    if (batchSize(a) === 1 && batchSize(b) === 1 && !isEmpty(a) && !isEmpty(b) && fullBias) {
      if (!attrs.transposeA && !attrs.transposeB) return original.kernelFunc(args);
      return withUntransposed(backend, a, b, attrs, (aT, bT) =>
        original.kernelFunc({ inputs: { ...args.inputs, a: aT, b: bT }, backend, attrs: { ...args.attrs, transposeA: false, transposeB: false } }),
      );
    }
    const product = batchMatMul({ inputs: { a, b }, backend, attrs: { transposeA: attrs.transposeA, transposeB: attrs.transposeB } });
    return biasAndActivationByKernels(backend, product as TensorInfo, bias, prelu, attrs);
  };
}
