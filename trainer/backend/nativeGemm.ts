// The OpenBLAS addon (trainer/native/gemm.c) and the wasm kernels built on it: products computed
// where the tensors lie in the wasm heap, for every transpose flag and batch shape.
//
// Why: tfjs-backend-wasm 4.22 hands BatchMatMul to XNNPACK only for a single, untransposed
// product; every other case (all matmul gradients, batched attention) runs a naive scalar loop.
// matMulKernels.ts installs these kernels, or xnnpackMatMul.ts's when the addon is not built.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { biasAndActivationByKernels, fusedAttrs, isFloatMatMul, type KernelConfig, type MatMulAttrs, matMulAttrs, matMulGeometry, memoryOffset, operands, sizeOf, type TensorInfo, wasmHeap } from './matMulShared.js';

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
  /** out = op(big, small) (op(small, big) when smallFirst) over rows × n; small holds one value per row or per column (nativeElementwise.ts). */
  binaryBroadcast(heap: Uint8Array, op: number, bigOffset: number, smallOffset: number, outOffset: number, rows: number, n: number, smallPerRow: boolean, smallFirst: boolean): void;
  /** out = op(in) over count floats (nativeElementwise.ts). */
  unary(heap: Uint8Array, op: number, inOffset: number, outOffset: number, count: number): void;
  /** LayerNorm of `rows` rows of n (nativeLayerNorm.ts): y, and each row's mean and 1/√(σ² + eps). */
  layerNorm(heap: Uint8Array, xOffset: number, weightOffset: number, biasOffset: number, yOffset: number, meanOffset: number, rstdOffset: number, rows: number, n: number, eps: number): void;
  /** LayerNorm's gradient from dy and the forward's x, weight, mean and rstd: dx, dweight, dbias. */
  layerNormGrad(heap: Uint8Array, dyOffset: number, xOffset: number, weightOffset: number, meanOffset: number, rstdOffset: number, dxOffset: number, dwOffset: number, dbOffset: number, rows: number, n: number): void;
  /** MSSA's attention core per example and head (nativeAttention.ts): heads and weights from the projections [B, N, K·p]. */
  subspaceAttention(heap: Uint8Array, wOffset: number, headsOffset: number, attentionOffset: number, batch: number, tokens: number, heads: number, headDim: number, scale: number): void;
  /** Its gradient with respect to the projections, from the weights and the gradients of both outputs. */
  subspaceAttentionGrad(heap: Uint8Array, wOffset: number, attentionOffset: number, dHeadsOffset: number, dAttentionOffset: number, dwOffset: number, batch: number, tokens: number, heads: number, headDim: number, scale: number): void;
  /** The ODL block's forward pass (nativeOdl.ts): offsets of y, D, D̂, out, a2, a1, r. */
  crateOdl(heap: Uint8Array, offsets: Float64Array, rows: number, d: number, m: number, eta: number, lambda: number): void;
  /** Its gradient (nativeOdl.ts): offsets of dy, dcode, y, D, D̂, a1, r, a2, and the outputs gy, gD, gD̂. */
  crateOdlGrad(heap: Uint8Array, offsets: Float64Array, rows: number, d: number, m: number, eta: number): void;
  /** One AdamW step of a parameter (nativeAdamW.ts): offsets of p, g, m, v and the outputs p', m', v'; scalars β₁, 1 − β₁, β₂, 1 − β₂, c1, c2, ε, lr, decay. */
  adamW(heap: Uint8Array, offsets: Float64Array, count: number, scalars: Float64Array): void;
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
// Native kernels

/** Multiplies into a new output tensor; returns it and its geometry. */
export function nativeProduct(addon: NativeGemmAddon, backend: BackendWasm, a: TensorInfo, b: TensorInfo, attrs: MatMulAttrs) {
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

export function nativeBatchMatMul(addon: NativeGemmAddon, original: KernelConfig): KernelConfig['kernelFunc'] {
  return (args) => {
    const { a, b } = operands(args.inputs);
    if (!isFloatMatMul(a, b)) return original.kernelFunc(args);
    return nativeProduct(addon, args.backend as BackendWasm, a, b, matMulAttrs(args.attrs)).out;
  };
}

/** Activation codes of gemm.c, by tfjs fused activation name. */
export const ACTIVATION_CODES: Record<string, number> = {
  linear: 0,
  relu: 1,
  relu6: 2,
  prelu: 3,
  leakyrelu: 4,
  sigmoid: 5,
  elu: 6,
};

/** True for a tensor that repeats along the rows of an [..., n] output: 1 value, or n in its last dim. */
export function repeatsAlongRows(t: TensorInfo, n: number): boolean {
  const size = sizeOf(t.shape);
  return t.dtype === 'float32' && (size === 1 || (size === n && t.shape[t.shape.length - 1] === n));
}

/**
 * _FusedMatMul: the product by OpenBLAS, then bias and activation in one pass in C when they
 * repeat along rows (the usual [n] bias), else by wasm kernels.
 */
export function nativeFusedMatMul(addon: NativeGemmAddon, original: KernelConfig): KernelConfig['kernelFunc'] {
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
