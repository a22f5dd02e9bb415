// Identity on the wasm backend without a copy: the output shares the input's data, as it does on
// the cpu and webgpu backends. Identity is tf.clone, and tfjs's tape clones every tensor it keeps
// for a gradient (engine.saveTensorsForBackwardMode); tfjs-backend-wasm 4.22 copies the data each
// time, which doubled what training holds for backward and cost a copy per saved tensor. Sharing
// is safe because no kernel writes into data another tensor shares: tensors are immutable, and
// the one kernel that writes in place (CrateAdamW, backend/nativeAdamW.ts) does so only where the
// backend's refcount says its variable alone holds the data.
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { KernelConfig, TensorInfo } from './matMulShared.js';

export function sharedIdentity(original: KernelConfig): KernelConfig['kernelFunc'] {
  return (args) => {
    const { x } = args.inputs as { x: TensorInfo };
    if (x.dtype === 'string') return original.kernelFunc(args);
    return sharedData(args.backend as BackendWasm, x);
  };
}

/** A kernel output that is `x`'s data, one more holder of it. */
export function sharedData(backend: BackendWasm, x: TensorInfo): TensorInfo {
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}
