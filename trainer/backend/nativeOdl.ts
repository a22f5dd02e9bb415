// The ODL block of CRATE-α (model/odl.ts, Yang et al. 2024 eqs. (7)–(11)) as one wasm kernel,
// CrateOdl, and its gradient kernel, CrateOdlGrad, both run by the OpenBLAS addon
// (trainer/native/odl.c) in place on the wasm heap.
//
// Why: the block written as tfjs ops is 4 products and ~10 elementwise kernels forward and twice
// that backward, each with its own [tokens, 4d] result kept for the gradient; fused, the products
// carry η and the subtractions in their alpha and beta, each ReLU is one pass over the product
// before it, and the gradient keeps a1, r and a2 only.
//
// CrateOdl: inputs y [M, d], D [d, m], Dhat [d, m] (the same tensor as D where the model has no
// decoupled D̂: tfjs then adds the two gradients of that tensor); attrs eta, lambda; outputs
// [out [M, d], a2 [M, m], a1 [M, m], r [M, d]]: the block's output, its code, and what the
// gradient needs besides the inputs. CrateOdlGrad: from dy (and optionally dcode, a gradient of
// the code) and those, the gradients of y, D and Dhat.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf.js';
import { fusedKernels } from '../model/fusedBlock.js';
import { type KernelConfig, memoryOffset, type TensorInfo, wasmHeap } from './matMulShared.js';
import type { NativeGemmAddon } from './nativeGemm.js';

interface OdlAttrs {
  eta: number;
  lambda: number;
}

function isFloat(t: TensorInfo | undefined, rank: number): t is TensorInfo {
  return t != null && t.dtype === 'float32' && t.shape.length === rank;
}

/** M, d, m of y [M, d], D and Dhat [d, m]. */
function odlShape(y: TensorInfo | undefined, D: TensorInfo | undefined, Dhat: TensorInfo | undefined) {
  if (!isFloat(y, 2) || !isFloat(D, 2) || !isFloat(Dhat, 2)) throw new Error('CrateOdl needs float32 y [M, d] and D, Dhat [d, m]');
  const [rows, d] = y.shape;
  const m = D.shape[1];
  if (D.shape[0] !== d || Dhat.shape[0] !== d || Dhat.shape[1] !== m) {
    throw new Error(`CrateOdl: y [${y.shape}] does not fit D [${D.shape}] and Dhat [${Dhat.shape}]`);
  }
  return { rows, d, m };
}

function forwardKernel(addon: NativeGemmAddon): KernelConfig['kernelFunc'] {
  return ({ inputs, attrs, backend }) => {
    const { y, D, Dhat } = inputs;
    const { eta, lambda } = attrs as unknown as OdlAttrs;
    const { rows, d, m } = odlShape(y, D, Dhat);
    const wasm = backend as BackendWasm;
    const outputs = [[rows, d], [rows, m], [rows, m], [rows, d]].map((shape) => wasm.makeOutput(shape, 'float32'));
    const at = (t: TensorInfo) => memoryOffset(wasm, t);
    const offsets = Float64Array.of(at(y!), at(D!), at(Dhat!), ...outputs.map(at));
    addon.crateOdl(wasmHeap(wasm), offsets, rows, d, m, eta, lambda);
    return outputs;
  };
}

function gradientKernel(addon: NativeGemmAddon): KernelConfig['kernelFunc'] {
  return ({ inputs, attrs, backend }) => {
    const { dy, dcode, y, D, Dhat, a1, r, a2 } = inputs;
    const { eta } = attrs as unknown as OdlAttrs;
    const { rows, d, m } = odlShape(y, D, Dhat);
    const wasm = backend as BackendWasm;
    for (const t of [dy, a1, r, a2]) if (t?.dtype !== 'float32') throw new Error('CrateOdlGrad needs float32 dy, a1, r, a2');
    if (dcode != null && dcode.dtype !== 'float32') throw new Error('CrateOdlGrad needs a float32 dcode, or none');
    const outputs = [[rows, d], [d, m], [d, m]].map((shape) => wasm.makeOutput(shape, 'float32'));
    const at = (t: TensorInfo | undefined) => memoryOffset(wasm, t!);
    // dcode, a gradient of the code, is optional: the model's gradient of the block has none (model/odl.ts).
    const offsets = Float64Array.of(at(dy), dcode == null ? -1 : at(dcode), at(y), at(D), at(Dhat), at(a1), at(r), at(a2), ...outputs.map(at));
    addon.crateOdlGrad(wasmHeap(wasm), offsets, rows, d, m, eta);
    return outputs;
  };
}

/** Registers CrateOdl and CrateOdlGrad on 'wasm' (model/odl.ts gives CrateOdl its gradient). */
export function registerNativeOdl(addon: NativeGemmAddon): void {
  unregisterNativeOdl();
  tf.registerKernel({ kernelName: fusedKernels.odl, backendName: 'wasm', kernelFunc: forwardKernel(addon) });
  tf.registerKernel({ kernelName: fusedKernels.odlGrad, backendName: 'wasm', kernelFunc: gradientKernel(addon) });
}

/** Leaves ODL to its tfjs ops (tests compare both paths). */
export function unregisterNativeOdl(): void {
  for (const name of [fusedKernels.odl, fusedKernels.odlGrad]) if (tf.getKernel(name, 'wasm') != null) tf.unregisterKernel(name, 'wasm');
}
