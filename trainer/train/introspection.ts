// The §4 metrics and attention maps on the fixed probe batch (the first held-out images),
// appended to the run directory, and the probe images themselves (probe.bin) with their labels
// (probe.json); each step's attention record carries the model's predictions for them.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { tf } from '../tf.js';
import { writeFileAtomic } from '../io/atomicWrite.js';
import type { ResolvedConfig } from '../config/index.js';
import type { ModelShape } from '../model/architecture.js';
import { forward } from '../model/forward.js';
import type { Params } from '../model/params.js';
import { attentionMaps, layerMetrics } from '../metrics/layerMetrics.js';
import { type LayerMetricsRecord, type ProbeLabels, runFiles } from '../run/format.js';
import type { Batch } from '../data/dataset.js';
import type { RunWriter } from '../run/runWriter.js';
import type { DataFeed } from './dataFeed.js';

/** The fixed probe batch: the first held-out images, normalized, never augmented. */
function probeBatch(feed: DataFeed, config: ResolvedConfig): Batch | undefined {
  const n = Math.min(config.introspect.probeImages, feed.heldOut.size);
  return n === 0 ? undefined : feed.heldOut.batch(0, n);
}

/**
 * Writes the probe images to probe.bin and their labels to probe.json once per run, so that
 * readers can show the attention maps over the images they are maps of, and what each image is.
 * A resumed run already has the files (the same images: they depend only on the config's data and
 * seed) and keeps them; a run from before probe.json gets it on resume.
 */
export function writeProbeImages(feed: DataFeed, config: ResolvedConfig, runDir: string): void {
  const imagesFile = join(runDir, runFiles.probe);
  const labelsFile = join(runDir, runFiles.probeLabels);
  if (config.introspect.every === 0 || (existsSync(imagesFile) && existsSync(labelsFile))) return;
  const batch = probeBatch(feed, config);
  if (!batch) return;
  const { images } = batch;
  // The host's float32 byte order, little-endian on every platform the trainer runs on (as attention.bin).
  if (!existsSync(imagesFile)) writeFileAtomic(imagesFile, new Uint8Array(images.buffer, images.byteOffset, images.byteLength));
  const labels: ProbeLabels = { version: 1, labels: Array.from(batch.labels), classNames: feed.classNames };
  if (!existsSync(labelsFile)) writeFileAtomic(labelsFile, `${JSON.stringify(labels)}\n`);
}

export async function introspect(feed: DataFeed, params: Params, shape: ModelShape, config: ResolvedConfig, run: RunWriter, step: number, epoch: number): Promise<void> {
  const images = probeBatch(feed, config)?.images;
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
      const predicted = tf.argMax(result.logits, 1);
      const predictions = Array.from(await predicted.data());
      predicted.dispose();
      const offset = run.appendAttention(maps.data);
      run.event({ type: 'attention', step, offset, length: maps.data.byteLength, layers: maps.layers, images: maps.images, heads: maps.heads, grid: maps.grid, predictions });
    }
  } finally {
    tf.dispose([x, result as unknown as tf.TensorContainer]);
  }
}
