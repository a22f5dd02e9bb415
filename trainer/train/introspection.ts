// The §4 metrics and attention maps on the fixed probe batch (the first validation images),
// appended to the run directory.
import { tf } from '../tf.js';
import type { ResolvedConfig } from '../config/index.js';
import type { ModelShape } from '../model/architecture.js';
import { forward } from '../model/forward.js';
import type { Params } from '../model/params.js';
import { attentionMaps, layerMetrics } from '../metrics/layerMetrics.js';
import type { LayerMetricsRecord } from '../run/format.js';
import type { RunWriter } from '../run/runWriter.js';
import type { DataFeed } from './dataFeed.js';

export async function introspect(feed: DataFeed, params: Params, shape: ModelShape, config: ResolvedConfig, run: RunWriter, step: number, epoch: number): Promise<void> {
  const n = Math.min(config.introspect.probeImages, feed.validationSize);
  if (n === 0) return;
  const probe = feed.validationBatch(0, n);
  const x = tf.tensor(probe.images, [n, shape.channels, shape.image, shape.image]);
  const result = forward(x, params, shape, { trace: true });
  try {
    const wanted = config.introspect.layers === 'all' ? result.layers.map((_, i) => i) : config.introspect.layers.filter((l) => l < shape.depth);
    const traced = wanted.map((l) => result.layers[l]);
    const metrics = await layerMetrics(traced, params, shape, config.introspect.codingRateEps);
    const layers: LayerMetricsRecord[] = metrics.map((m, i) => ({
      layer: wanted[i],
      R: m.meanR,
      Rc: m.meanRc,
      codeZeroFraction: m.codeZeroFraction,
      density: m.density,
      srr: m.srr,
    }));
    run.event({ type: 'layers', step, epoch, layers });
    if (config.introspect.attention) {
      const maps = await attentionMaps(result.layers, shape);
      const offset = run.appendAttention(maps.data);
      run.event({ type: 'attention', step, offset, length: maps.data.byteLength, layers: maps.layers, images: maps.images, heads: maps.heads, grid: maps.grid });
    }
  } finally {
    tf.dispose([x, result as unknown as tf.TensorContainer]);
  }
}
