// Fallback without the OpenBLAS addon: reach XNNPACK, which tfjs-backend-wasm uses only for a
// single untransposed product, by making transposes explicit and running batches per matrix.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf.js';
import { batchSize, biasAndActivationByKernels, columnsOf, fusedAttrs, isEmpty, isFloatMatMul, type KernelConfig, type MatMulAttrs, matMulAttrs, matMulGeometry, memoryOffset, operands, runWasmKernel, sizeOf, type TensorInfo, wasmHeap } from './matMulShared.js';

/** The last two dims swapped, by the wasm Transpose kernel; the caller disposes the result. */
export function swapLastTwoDims(backend: BackendWasm, x: TensorInfo): TensorInfo {
  const rank = x.shape.length;
  const perm = [...Array(rank).keys()];
  [perm[rank - 2], perm[rank - 1]] = [perm[rank - 1], perm[rank - 2]];
  return runWasmKernel(backend, tf.Transpose, { x }, { perm });
}

/** Runs `use` on untransposed copies of a and b (or a and b themselves), then frees the copies. */
export function withUntransposed<T>(backend: BackendWasm, a: TensorInfo, b: TensorInfo, attrs: MatMulAttrs, use: (a: TensorInfo, b: TensorInfo) => T): T {
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
export function emptyOperandProduct(backend: BackendWasm, a: TensorInfo, b: TensorInfo, attrs: MatMulAttrs): TensorInfo {
  const { outShape } = matMulGeometry(a.shape, b.shape, attrs.transposeA, attrs.transposeB);
  const out = backend.makeOutput(outShape, 'float32');
  const start = memoryOffset(backend, out);
  wasmHeap(backend).fill(0, start, start + sizeOf(outShape) * 4);
  return out;
}

export type WasmBatchMatMul = (
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

export const wasmBatchMatMuls = new WeakMap<BackendWasm, WasmBatchMatMul>();

/** tfjs-backend-wasm's exported C BatchMatMul, bound the way its own kernel binds it. */
export function wasmBatchMatMul(backend: BackendWasm): WasmBatchMatMul {
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
export function registerView(backend: BackendWasm, shape: number[], offset: number): TensorInfo {
  return backend.makeOutput(shape, 'float32', offset);
}

export function releaseView(backend: BackendWasm, view: TensorInfo): void {
  // Unregisters the id in C++ (dropping XNNPACK operators cached for it) without free().
  backend.wasm.tfjs.disposeData(backend.dataIdMap.get(view.dataId).id);
  backend.dataIdMap.delete(view.dataId);
}

export function shapeBytes(shape: number[]): Uint8Array {
  return new Uint8Array(new Int32Array(shape).buffer);
}

/**
 * A batched, untransposed product as one XNNPACK call per matrix, on views of the operands:
 * the library's batched path is the naive loop (about 3 GFLOP/s against 15 to 25 this way).
 */
export function perMatrixXnnpack(backend: BackendWasm, a: TensorInfo, b: TensorInfo): TensorInfo {
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
export function xnnpackBatchMatMul(original: KernelConfig): KernelConfig['kernelFunc'] {
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
export function xnnpackFusedMatMul(original: KernelConfig, batchMatMul: KernelConfig['kernelFunc']): KernelConfig['kernelFunc'] {
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
