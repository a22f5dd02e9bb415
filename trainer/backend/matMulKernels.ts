// Installs the wasm backend's matmul kernels: OpenBLAS (nativeGemm.ts) when the addon loads,
// else the XNNPACK route (xnnpackMatMul.ts); with the addon, also its elementwise kernels
// (nativeElementwise.ts), the fused blocks (nativeLayerNorm.ts, nativeAttention.ts, nativeOdl.ts)
// and AdamW's step (nativeAdamW.ts); with or without it, an Identity that shares its input's data (sharedIdentity.ts).
// The library's own kernels stay restorable.
import { availableParallelism } from 'node:os';
import { tf } from '../tf.js';
import type { KernelConfig } from './matMulShared.js';
import { registerAdamW, unregisterAdamW } from './nativeAdamW.js';
import { registerAttentionKernels, unregisterAttentionKernels } from './nativeAttention.js';
import { BINARY_OPS, nativeBinary, nativeUnary, UNARY_OPS } from './nativeElementwise.js';
import { registerLayerNorm, unregisterLayerNorm } from './nativeLayerNorm.js';
import { registerNativeOdl, unregisterNativeOdl } from './nativeOdl.js';
import { sharedIdentity } from './sharedIdentity.js';
import { type MatMulPath, type NativeGemmLoad, nativeBatchMatMul, nativeFusedMatMul } from './nativeGemm.js';
import { xnnpackBatchMatMul, xnnpackFusedMatMul } from './xnnpackMatMul.js';

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

/** The model's blocks the addon computes as one kernel each way, and the optimizer's step (model/fusedBlock.ts). */
const fusedBlocks = [
  { register: registerLayerNorm, unregister: unregisterLayerNorm },
  { register: registerAttentionKernels, unregister: unregisterAttentionKernels },
  { register: registerNativeOdl, unregister: unregisterNativeOdl },
  { register: registerAdamW, unregister: unregisterAdamW },
];

function override(name: string, kernelFunc: KernelConfig['kernelFunc']): void {
  const original = originalKernel(name);
  tf.unregisterKernel(name, 'wasm');
  // The original setup still runs: the fallbacks below call the original kernel functions.
  tf.registerKernel({ kernelName: name, backendName: 'wasm', setupFunc: original.setupFunc, kernelFunc });
}

/**
 * Replaces BatchMatMul and _FusedMatMul (and with the addon, the elementwise kernels above) on 'wasm'. Call before tf.setBackend('wasm') so their
 * setup functions run. `threads` sizes the addon's pool (default: all logical cores).
 */
export function installMatMulKernels(gemm: NativeGemmLoad, threads = availableParallelism()): MatMulPath {
  const batchMatMul = originalKernel(tf.BatchMatMul);
  const fusedMatMul = originalKernel(tf._FusedMatMul);
  override(tf.Identity, sharedIdentity(originalKernel(tf.Identity)));
  if (gemm.ok) {
    const used = gemm.addon.setThreads(threads);
    override(tf.BatchMatMul, nativeBatchMatMul(gemm.addon, batchMatMul));
    override(tf._FusedMatMul, nativeFusedMatMul(gemm.addon, fusedMatMul));
    for (const name of Object.keys(BINARY_OPS)) override(name, nativeBinary(gemm.addon, name, originalKernel(name)));
    for (const name of Object.keys(UNARY_OPS)) override(name, nativeUnary(gemm.addon, name, originalKernel(name)));
    for (const block of fusedBlocks) block.register(gemm.addon);
    return { native: true, detail: `OpenBLAS GEMM on ${used} thread${used === 1 ? '' : 's'}` };
  }
  for (const block of fusedBlocks) block.unregister();
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
  for (const block of fusedBlocks) block.unregister();
}
