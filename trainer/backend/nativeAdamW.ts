// An AdamW step of one parameter as one wasm kernel, CrateAdamW, run by the OpenBLAS addon
// (trainer/native/adamw.c) on the wasm heap. train/adamw.ts uses it where it is registered; its
// tfjs ops are a dozen kernels per parameter, each a single-threaded pass with its own result
// (issue 17's profile: with the blocks fused, the optimizer was most of the elementwise time left).
//
// CrateAdamW: inputs p, g, m, v (one shape); attrs beta1, beta2, eps, c1, c2, lr, decay; outputs
// [p', m', v']. Not differentiable (the optimizer runs outside the gradient).
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { fusedKernels } from '../model/fusedBlock.js';
import { tf } from '../tf.js';
import { type KernelConfig, memoryOffset, sizeOf, type TensorInfo, wasmHeap } from './matMulShared.js';
import type { NativeGemmAddon } from './nativeGemm.js';
import { sharedData } from './sharedIdentity.js';

/** The step's scalars; train/adamw.ts computes them in float64, the kernel rounds each to float32 as tfjs would. */
export interface AdamWAttrs {
  beta1: number;
  beta2: number;
  eps: number;
  c1: number;
  c2: number;
  lr: number;
  /** 1 − lr·weightDecay, or 1 where the parameter takes no decay. */
  decay: number;
}

function adamWKernel(addon: NativeGemmAddon): KernelConfig['kernelFunc'] {
  return ({ inputs, attrs, backend }) => {
    const { p, g, m, v } = inputs as Record<'p' | 'g' | 'm' | 'v', TensorInfo>;
    const count = sizeOf(p.shape);
    for (const t of [p, g, m, v]) {
      if (t == null || t.dtype !== 'float32' || sizeOf(t.shape) !== count) throw new Error(`CrateAdamW needs float32 p, g, m and v of ${count} values`);
    }
    const a = attrs as unknown as AdamWAttrs;
    const wasm = backend as BackendWasm;
    const outputs = inPlace(wasm, [p, m, v]) ?? [0, 1, 2].map(() => wasm.makeOutput(p.shape, 'float32'));
    const offsets = Float64Array.from([p, g, m, v, ...outputs].map((t) => memoryOffset(wasm, t)));
    const scalars = Float64Array.of(a.beta1, 1 - a.beta1, a.beta2, 1 - a.beta2, a.c1, a.c2, a.eps, a.lr, a.decay);
    addon.adamW(wasmHeap(wasm), offsets, count, scalars);
    return outputs;
  };
}

/**
 * p, m and v as the step's outputs, written in place, when no other tensor shares their data (each
 * held by its variable alone; a clone shares it: backend/sharedIdentity.ts); else undefined. In
 * place, the optimizer's state stays where it is in the heap step after step; three new buffers
 * per parameter per step moved it into the space the activations had just freed, and the heap
 * grew by 190 MiB at the cifar shape (docs/performance.md). The kernel reads each element before
 * it writes it.
 */
function inPlace(wasm: BackendWasm, state: TensorInfo[]): TensorInfo[] | undefined {
  if (!state.every((t) => wasm.refCount(t.dataId) === 1)) return undefined;
  return state.map((t) => sharedData(wasm, t));
}

/** Registers CrateAdamW on 'wasm' (matMulKernels.ts, with the addon). */
export function registerAdamW(addon: NativeGemmAddon): void {
  unregisterAdamW();
  tf.registerKernel({ kernelName: fusedKernels.adamW, backendName: 'wasm', kernelFunc: adamWKernel(addon) });
}

/** Leaves the step to its tfjs ops (tests compare both paths). */
export function unregisterAdamW(): void {
  if (tf.getKernel(fusedKernels.adamW, 'wasm') != null) tf.unregisterKernel(fusedKernels.adamW, 'wasm');
}
