// Input images as the models take them: float32 N×C×H×W.
import { FileFormatError } from '../io/fileFormatError.js';
import type { NpyArray } from '../io/npy.js';
import type { ModelShape } from './architecture.js';

/** Checks an array against a model's input shape; a single C×H×W image becomes a batch of one. */
export function asImageBatch(arr: NpyArray, s: ModelShape, path: string): NpyArray {
  const shape = arr.shape.length === 3 ? [1, ...arr.shape] : arr.shape;
  const want = `N×${s.channels}×${s.image}×${s.image}`;
  if (shape.length !== 4) throw new FileFormatError(path, `input has shape [${arr.shape.join(', ')}]; the model takes ${want} (N images, channels first)`);
  const [, c, h, w] = shape;
  if (c !== s.channels || h !== s.image || w !== s.image) {
    throw new FileFormatError(path, `input images are ${c}×${h}×${w}; the model takes ${want}`);
  }
  if (shape[0] === 0) throw new FileFormatError(path, 'input holds no images');
  // A NaN or infinity would run through every layer and surface as a failed logdet far away.
  const bad = arr.data.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    const perImage = c * h * w;
    throw new FileFormatError(path, `image ${Math.floor(bad / perImage)} holds ${arr.data[bad]} at element ${bad % perImage}; the values must be finite`);
  }
  return { shape, data: arr.data };
}
