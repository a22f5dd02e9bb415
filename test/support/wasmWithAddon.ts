// The wasm backend with the OpenBLAS addon's kernels, as the fused-kernel tests need it. The addon
// is built by scripts/setup.mjs (npm test stops there when it cannot), so a missing one fails.
import assert from 'node:assert/strict';
import { initWasmBackend } from '../../trainer/backend/wasm.js';
import { loadNativeGemm, type NativeGemmAddon } from '../../trainer/backend/nativeGemm.js';

/** Starts wasm (2 threads) with the addon installed; returns the addon. */
export async function wasmWithAddon(): Promise<NativeGemmAddon> {
  const gemm = loadNativeGemm();
  assert.ok(gemm.ok, 'native GEMM addon unavailable (node scripts/setup.mjs builds it)');
  await initWasmBackend({ threads: 2, nativeGemm: true });
  return gemm.addon;
}
