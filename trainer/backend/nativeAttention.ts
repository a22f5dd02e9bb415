// MSSA's attention core as one wasm kernel run by the OpenBLAS addon (trainer/native/attention.c),
// CRATE-α (Yang et al. 2024) eq. (5): per example and head, softmax(w wᵀ · scale) w, with the
// head split and join of model/mssa.ts folded into how the addon reads and writes the rows.
//
// Why: composed, the core is two batched products over B·K small matrices, a softmax, two layout
// transposes and, backward, a dozen more kernels (softmax's backward is elementwise in tfjs); issue
// 17's profile spends most of MSSA's time there in tfjs's bookkeeping and the copies.
//
//   CrateSubspaceAttention      projections [B, N, K·p] → heads [B, N, K·p], attention [B, K, N, N]
//   CrateSubspaceAttentionGrad  projections, attention, dHeads, dAttention → dProjections [B, N, K·p]
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { fusedKernels } from '../model/fusedBlock.js';
import { tf, type Tensor } from '../tf.js';
import { type KernelArgs, memoryOffset, type TensorInfo, wasmHeap } from './matMulShared.js';
import type { NativeGemmAddon } from './nativeGemm.js';

const ATTENTION_KERNELS = [fusedKernels.attention, fusedKernels.attentionGrad] as const;

interface AttentionAttrs {
  heads: number;
  scale: number;
}

/** [B, N, K·p] and its head count as the addon's (batch, tokens, heads, headDim). */
function geometry(projections: TensorInfo, attrs: KernelArgs['attrs']): [number, number, number, number, number] {
  const { heads, scale } = attrs as unknown as AttentionAttrs;
  const [batch, tokens, width] = projections.shape;
  if (projections.shape.length !== 3 || projections.dtype !== 'float32' || !(heads >= 1) || width % heads !== 0) {
    throw new Error(`CrateSubspaceAttention: float32 projections [B, N, K·p] with K = ${heads} heads, got ${projections.dtype} [${projections.shape}]`);
  }
  return [batch, tokens, heads, width / heads, scale];
}

function input(inputs: KernelArgs['inputs'], name: string): TensorInfo {
  const t = inputs[name];
  if (t == null) throw new Error(`CrateSubspaceAttention: missing input ${name}`);
  return t;
}

/** Registers the two kernels on 'wasm' (and, once, the forward's gradient); matMulKernels.ts calls it when the addon loads. */
export function registerAttentionKernels(addon: NativeGemmAddon): void {
  unregisterAttentionKernels();
  tf.registerKernel({
    kernelName: fusedKernels.attention,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const wasm = backend as BackendWasm;
      const w = input(inputs, 'projections');
      const [batch, tokens, heads, headDim, scale] = geometry(w, attrs);
      const out = wasm.makeOutput(w.shape, 'float32');
      const attention = wasm.makeOutput([batch, heads, tokens, tokens], 'float32');
      // The heap is read after the outputs are made: making them may grow the wasm memory.
      addon.subspaceAttention(wasmHeap(wasm), memoryOffset(wasm, w), memoryOffset(wasm, out), memoryOffset(wasm, attention), batch, tokens, heads, headDim, scale);
      return [out, attention];
    },
  });
  tf.registerKernel({
    kernelName: fusedKernels.attentionGrad,
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const wasm = backend as BackendWasm;
      const [w, attention, dHeads, dAttention] = ['projections', 'attention', 'dHeads', 'dAttention'].map((name) => input(inputs, name));
      const [batch, tokens, heads, headDim, scale] = geometry(w, attrs);
      const dw = wasm.makeOutput(w.shape, 'float32');
      const offsets = [w, attention, dHeads, dAttention, dw].map((t) => memoryOffset(wasm, t));
      addon.subspaceAttentionGrad(wasmHeap(wasm), ...(offsets as [number, number, number, number, number]), batch, tokens, heads, headDim, scale);
      return dw;
    },
  });
  // Gradients are kept per kernel name, not per backend: registered once.
  if (tf.getGradient(fusedKernels.attention) == null) {
    tf.registerGradient({
      kernelName: fusedKernels.attention,
      inputsToSave: ['projections'],
      outputsToSave: [false, true],
      gradFunc: (dy, saved, attrs) => {
        const [dHeads, dAttention] = dy as Tensor[];
        const [projections, attention] = saved;
        return { projections: () => tf.engine().runKernel(fusedKernels.attentionGrad, { projections, attention, dHeads, dAttention }, attrs) as Tensor };
      },
    });
  }
}

/** Takes the kernels off 'wasm' again (the composed ops run); restoreOriginalMatMulKernels calls it. */
export function unregisterAttentionKernels(): void {
  for (const name of ATTENTION_KERNELS) if (tf.getKernel(name, 'wasm') != null) tf.unregisterKernel(name, 'wasm');
}
