// The whole-network SRR measure (docs/models.md): the per-layer sparse rate reduction measure of
// the SRR study, density + Rc − R on each layer's MSSA input (metrics/layerMetrics.ts), averaged
// over the images and then over the L layers. The study plots the measure per layer and ranks
// runs by one number; the mean over layers is our reading of that number (at a fixed depth the sum
// would rank runs the same).
import { tf } from '../../tf.js';
import type { ModelShape } from '../../model/architecture.js';
import { forward } from '../../model/forward.js';
import type { Params } from '../../model/params.js';
import { defaultCodingRateEps, type LayerImageValues, layerImageValues, summarizeLayer } from '../../metrics/layerMetrics.js';

export interface SrrMeasure {
  /** Mean over layers of the per-layer measure. */
  value: number;
  perLayer: number[];
}

export async function srrMeasure(s: ModelShape, params: Params, images: Float32Array, count: number, eps = defaultCodingRateEps, batch = 16): Promise<SrrMeasure> {
  if (count === 0) throw new RangeError('no images for the SRR measure');
  const per = s.channels * s.image * s.image;
  const layers: LayerImageValues[] = Array.from({ length: s.depth }, () => ({ R: [], Rc: [], zeroFraction: [] }));
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    const x = tf.tensor(images.subarray(start * per, (start + n) * per), [n, s.channels, s.image, s.image]);
    const result = forward(x, params, s, { trace: true });
    try {
      (await layerImageValues(result.layers, params, s, eps)).forEach((v, l) => {
        layers[l].R.push(...v.R);
        layers[l].Rc.push(...v.Rc);
        layers[l].zeroFraction.push(...v.zeroFraction);
      });
    } finally {
      tf.dispose([x, result as unknown as tf.TensorContainer]);
    }
  }
  const perLayer = layers.map((v) => summarizeLayer(v).srr);
  return { value: perLayer.reduce((a, b) => a + b, 0) / perLayer.length, perLayer };
}
