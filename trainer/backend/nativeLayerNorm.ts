// LayerNorm as one wasm kernel, CrateLayerNorm, and its gradient as another, CrateLayerNormGrad,
// run by the OpenBLAS addon (trainer/native/layerNorm.c) on the wasm heap. model/layerNorm.ts
// uses them where they are registered (model/fusedBlock.ts); composed in tfjs ops, a LayerNorm
// and its gradient are ~40 small kernels with broadcasts (issue 17's profile: ~13 ms a call at
// [750, 192]).
//
// CrateLayerNorm: inputs x [..., n], weight [n], bias [n]; attr eps; outputs y (x's shape) and,
// for the gradient, each row's mean and 1/√(σ² + ε) (x's shape without its last axis). Only y is
// differentiable: the gradient ignores the other two outputs' dy (layerNorm returns y alone).
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { fusedKernels } from '../model/fusedBlock.js';
import { tf, type Tensor } from '../tf.js';
import { type KernelConfig, memoryOffset, sizeOf, type TensorInfo, wasmHeap } from './matMulShared.js';
import type { NativeGemmAddon } from './nativeGemm.js';

/** Rows and row length of x [..., n], after checking the operands' types and sizes. */
function geometry(kernel: string, x: TensorInfo, ...perColumn: TensorInfo[]): { rows: number; n: number } {
  const n = x.shape[x.shape.length - 1] ?? 0;
  if (x.shape.length === 0 || n < 1) throw new Error(`${kernel}: x must have a last axis of at least 1, not [${x.shape}]`);
  for (const t of [x, ...perColumn]) if (t.dtype !== 'float32') throw new Error(`${kernel}: float32 tensors only, not ${t.dtype}`);
  for (const t of perColumn) {
    if (sizeOf(t.shape) !== n) throw new Error(`${kernel}: weight and bias must hold ${n} values, not [${t.shape}]`);
  }
  return { rows: sizeOf(x.shape) / n, n };
}

function forwardKernel(addon: NativeGemmAddon): KernelConfig['kernelFunc'] {
  return ({ inputs, backend, attrs }) => {
    const { x, weight, bias } = inputs as { x: TensorInfo; weight: TensorInfo; bias: TensorInfo };
    const { rows, n } = geometry(fusedKernels.layerNorm, x, weight, bias);
    const wasm = backend as BackendWasm;
    const y = wasm.makeOutput(x.shape, 'float32');
    const mean = wasm.makeOutput(x.shape.slice(0, -1), 'float32');
    const rstd = wasm.makeOutput(x.shape.slice(0, -1), 'float32');
    const offset = (t: TensorInfo) => memoryOffset(wasm, t);
    addon.layerNorm(wasmHeap(wasm), offset(x), offset(weight), offset(bias), offset(y), offset(mean), offset(rstd), rows, n, (attrs as { eps: number }).eps);
    return [y, mean, rstd];
  };
}

function gradientKernel(addon: NativeGemmAddon): KernelConfig['kernelFunc'] {
  return ({ inputs, backend }) => {
    const { dy, x, weight, mean, rstd } = inputs as Record<'dy' | 'x' | 'weight' | 'mean' | 'rstd', TensorInfo>;
    const { rows, n } = geometry(fusedKernels.layerNormGrad, x, weight);
    const wasm = backend as BackendWasm;
    const dx = wasm.makeOutput(x.shape, 'float32');
    const dw = wasm.makeOutput(weight.shape, 'float32');
    const db = wasm.makeOutput(weight.shape, 'float32');
    const offset = (t: TensorInfo) => memoryOffset(wasm, t);
    addon.layerNormGrad(wasmHeap(wasm), offset(dy), offset(x), offset(weight), offset(mean), offset(rstd), offset(dx), offset(dw), offset(db), rows, n);
    return [dx, dw, db];
  };
}

/** Registers CrateLayerNorm and CrateLayerNormGrad on 'wasm' (matMulKernels.ts, with the addon). */
export function registerLayerNorm(addon: NativeGemmAddon): void {
  unregisterLayerNorm();
  tf.registerKernel({ kernelName: fusedKernels.layerNorm, backendName: 'wasm', kernelFunc: forwardKernel(addon) });
  tf.registerKernel({ kernelName: fusedKernels.layerNormGrad, backendName: 'wasm', kernelFunc: gradientKernel(addon) });
  tf.registerGradient({
    kernelName: fusedKernels.layerNorm,
    inputsToSave: ['x', 'weight', 'bias'],
    outputsToSave: [false, true, true],
    gradFunc: (dys, saved) => {
      const [x, weight, bias, mean, rstd] = saved;
      const dy = (dys as Tensor[])[0];
      const [dx, dw, db] = tf.engine().runKernel(fusedKernels.layerNormGrad, { dy, x, weight, mean, rstd }) as Tensor[];
      return { x: () => dx, weight: () => dw.reshape(weight.shape), bias: () => db.reshape(bias.shape) };
    },
  });
}

/** Unregisters both kernels (restoreOriginalMatMulKernels: tests compare with the composed ops). */
export function unregisterLayerNorm(): void {
  for (const name of [fusedKernels.layerNorm, fusedKernels.layerNormGrad]) if (tf.getKernel(name, 'wasm') !== undefined) tf.unregisterKernel(name, 'wasm');
}
