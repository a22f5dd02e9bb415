// Elementwise wasm kernels run by the OpenBLAS addon (trainer/native/elementwise.c) in place on
// the wasm heap, for the cases that tfjs-backend-wasm 4.22 runs slowly (issue 17's profile):
// Add, Sub, Multiply and RealDiv where one operand repeats along the rows or the columns of the
// other (LayerNorm's mean, scale and bias and their gradients; ~10× the time of equal shapes
// there), and Neg, Relu, Square (3–4× the addon's threaded loops). Each element is one float32 operation, as
// in tfjs, so the results are the same bits; every other case runs the library's kernel.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { tf } from '../tf.js';
import { type KernelConfig, memoryOffset, sizeOf, type TensorInfo, wasmHeap } from './matMulShared.js';
import type { NativeGemmAddon } from './nativeGemm.js';

/** Op codes of elementwise.h. */
export const BINARY_OPS = { [tf.Add]: 0, [tf.Sub]: 1, [tf.Multiply]: 2, [tf.RealDiv]: 3 } as Record<string, number>;
export const UNARY_OPS = { [tf.Neg]: 0, [tf.Relu]: 1, [tf.Square]: 2 } as Record<string, number>;

export interface BroadcastPlan {
  /** The operand with the output's shape. */
  big: 'a' | 'b';
  rows: number;
  n: number;
  /** The other holds one value per row ([..., 1]), else one per column ([n]). */
  smallPerRow: boolean;
}

const sameShape = (x: number[], y: number[]): boolean => x.length === y.length && x.every((d, i) => d === y[i]);

/**
 * How the addon computes a binary op of shapes `a` and `b`, or null for the cases it leaves to
 * tfjs: equal shapes and scalars (fast there), and any other broadcast.
 */
export function broadcastPlan(a: number[], b: number[]): BroadcastPlan | null {
  for (const [big, small, name] of [[a, b, 'a'], [b, a, 'b']] as const) {
    if (big.length === 0 || sameShape(big, small)) continue;
    const n = big[big.length - 1];
    const rows = sizeOf(big) / n;
    if (n <= 1 || rows <= 1) continue;
    const size = sizeOf(small);
    // One per column: [n], [1, n], [1, 1, n] …, never longer than the big operand.
    if (small.length <= big.length && size === n && small[small.length - 1] === n) return { big: name, rows, n, smallPerRow: false };
    // One per row: the big shape with its last dimension 1.
    if (small.length === big.length && small[small.length - 1] === 1 && small.slice(0, -1).every((d, i) => d === big[i])) {
      return { big: name, rows, n, smallPerRow: true };
    }
  }
  return null;
}

export function nativeBinary(addon: NativeGemmAddon, name: string, original: KernelConfig): KernelConfig['kernelFunc'] {
  const op = BINARY_OPS[name];
  return (args) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const plan = a.dtype === 'float32' && b.dtype === 'float32' ? broadcastPlan(a.shape, b.shape) : null;
    if (plan == null) return original.kernelFunc(args);
    const backend = args.backend as BackendWasm;
    const [big, small] = plan.big === 'a' ? [a, b] : [b, a];
    const out = backend.makeOutput(big.shape, 'float32');
    addon.binaryBroadcast(wasmHeap(backend), op, memoryOffset(backend, big), memoryOffset(backend, small), memoryOffset(backend, out), plan.rows, plan.n, plan.smallPerRow, plan.big === 'b');
    return out;
  };
}

export function nativeUnary(addon: NativeGemmAddon, name: string, original: KernelConfig): KernelConfig['kernelFunc'] {
  const op = UNARY_OPS[name];
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.dtype !== 'float32') return original.kernelFunc(args);
    const backend = args.backend as BackendWasm;
    const out = backend.makeOutput(x.shape, 'float32');
    addon.unary(wasmHeap(backend), op, memoryOffset(backend, x), memoryOffset(backend, out), sizeOf(x.shape));
    return out;
  };
}
