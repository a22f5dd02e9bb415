// The §4 metrics and attention maps on the fixed probe batch (the first held-out images),
// appended to the run directory, and the probe images themselves (probe.bin).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tf } from '../tf.js';
import { writeFileAtomic } from '../io/atomicWrite.js';
import type { ResolvedConfig } from '../config/index.js';
import type { ModelShape } from '../model/architecture.js';
import { forward } from '../model/forward.js';
import type { Params } from '../model/params.js';
import { attentionMaps, layerMetrics } from '../metrics/layerMetrics.js';
import { type LayerMetricsRecord, runFiles } from '../run/format.js';
import type { RunWriter } from '../run/runWriter.js';
import type { DataFeed } from './dataFeed.js';

/** The fixed probe batch: the first held-out images, normalized, never augmented. */
function probeImages(feed: DataFeed, config: ResolvedConfig): Float32Array | undefined {
  const n = Math.min(config.introspect.probeImages, feed.heldOut.size);
  return n === 0 ? undefined : feed.heldOut.batch(0, n).images;
}

/**
 * Writes the probe images to probe.bin once per run, so that readers can show the attention maps
 * over the images they are maps of. A resumed run already has the file (the same images: they
 * depend only on the config's data and seed) and keeps it.
 */
export function writeProbeImages(feed: DataFeed, config: ResolvedConfig, runDir: string): void {
  const file = join(runDir, runFiles.probe);
  if (config.introspect.every === 0 || existsSync(file)) return;
  const images = probeImages(feed, config);
  // The host's float32 byte order, little-endian on every platform the trainer runs on (as attention.bin).
  if (images) writeFileAtomic(file, new Uint8Array(images.buffer, images.byteOffset, images.byteLength));
}

export async function introspect(feed: DataFeed, params: Params, shape: ModelShape, config: ResolvedConfig, run: RunWriter, step: number, epoch: number): Promise<void> {
  const images = probeImages(feed, config);
  if (!images) return;
  const n = images.length / (shape.channels * shape.image * shape.image);
  const x = tf.tensor(images, [n, shape.channels, shape.image, shape.image]);
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
