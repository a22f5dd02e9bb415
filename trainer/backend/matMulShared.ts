// What the native and the XNNPACK matmul kernels share: tfjs kernel types, operand geometry,
// wasm heap access, and bias + activation run as wasm kernels.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf.js';

export type KernelConfig = ReturnType<typeof tf.getKernel>;
export type KernelArgs = Parameters<KernelConfig['kernelFunc']>[0];
export type TensorInfo = NonNullable<KernelArgs['inputs'][string]>;

// ---------------------------------------------------------------------------------------------
// Shared by both paths: shapes, heap access, bias and activation by wasm kernels

export interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

export interface FusedAttrs extends MatMulAttrs {
  activation: string;
  leakyreluAlpha: number;
}

export function matMulAttrs(attrs: KernelArgs['attrs']): MatMulAttrs {
  const { transposeA, transposeB } = (attrs ?? {}) as Partial<MatMulAttrs>;
  return { transposeA: transposeA === true, transposeB: transposeB === true };
}

export function fusedAttrs(attrs: KernelArgs['attrs']): FusedAttrs {
  const { activation, leakyreluAlpha } = (attrs ?? {}) as { activation?: string; leakyreluAlpha?: number };
  // tfjs-core's fused.matMul defaults the alpha to 0.2.
  return { ...matMulAttrs(attrs), activation: activation ?? 'linear', leakyreluAlpha: leakyreluAlpha ?? 0.2 };
}

export function operands(inputs: KernelArgs['inputs']): { a: TensorInfo; b: TensorInfo } {
  const { a, b } = inputs;
  if (a == null || b == null) throw new Error('matMul needs inputs a and b');
  return { a, b };
}

/** What these kernels handle; anything else (int32, rank < 2) gets the original and its errors. */
export function isFloatMatMul(a: TensorInfo, b: TensorInfo): boolean {
  return a.dtype === 'float32' && b.dtype === 'float32' && a.shape.length >= 2 && b.shape.length >= 2;
}

export function sizeOf(shape: number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

export function batchSize(t: TensorInfo): number {
  return sizeOf(t.shape.slice(0, -2));
}

export function isEmpty(t: TensorInfo): boolean {
  return t.shape.some((d) => d === 0);
}

/** n, the columns of op(B). */
export function columnsOf(b: TensorInfo, transposeB: boolean): number {
  return b.shape[b.shape.length - (transposeB ? 2 : 1)];
}

export interface MatMulGeometry {
  m: number;
  n: number;
  k: number;
  outShape: number[];
  /** For each output matrix, the index of the A and B matrix it reads (broadcast batch dims). */
  aIndex: Int32Array;
  bIndex: Int32Array;
}

export function matMulGeometry(aShape: number[], bShape: number[], transposeA: boolean, transposeB: boolean): MatMulGeometry {
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
export function broadcastSourceIndex(outShape: number[], inShape: number[]): Int32Array {
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

export interface WasmHeapModule {
  HEAPU8: Uint8Array;
  wasmMemory?: WebAssembly.Memory;
}

let heapView: Uint8Array | null = null;

/**
 * A view of the whole wasm memory; fetch it after the last allocation, which can grow the memory.
 * With threads the memory is shared and `wasmMemory.buffer` is always current (Module.HEAPU8 can
 * lag after another thread grows it); without threads Emscripten refreshes HEAPU8 on growth.
 */
export function wasmHeap(backend: BackendWasm): Uint8Array {
  const module = backend.wasm as unknown as WasmHeapModule;
  const buffer = module.wasmMemory?.buffer ?? module.HEAPU8.buffer;
  if (heapView == null || heapView.buffer !== buffer || heapView.byteLength !== buffer.byteLength) {
    heapView = new Uint8Array(buffer);
  }
  return heapView;
}

export function memoryOffset(backend: BackendWasm, tensor: TensorInfo): number {
  return backend.dataIdMap.get(tensor.dataId).memoryOffset;
}

/** Runs a wasm kernel by name on `backend`; the caller disposes the result. */
export function runWasmKernel(backend: BackendWasm, name: string, inputs: KernelArgs['inputs'], attrs: KernelArgs['attrs'] = {}): TensorInfo {
  return tf.getKernel(name, 'wasm').kernelFunc({ inputs, backend, attrs }) as TensorInfo;
}

/** The wasm kernel for each fused activation, applied to x. */
export function activate(backend: BackendWasm, x: TensorInfo, attrs: FusedAttrs, prelu: TensorInfo | undefined): TensorInfo {
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
export function biasAndActivationByKernels(
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
