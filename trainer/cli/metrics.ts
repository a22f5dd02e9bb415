// crate-lab metrics: the §4 per-layer metrics of a weights file on probe images, and the CLS
// attention maps to a .npy file [layers, images, heads, H/P, W/P].
import { parseArgs } from 'node:util';
import type { CliIo } from './cliIo.js';
import { tf } from '../tf.js';
import { writeNpy } from '../io/npy.js';
import { checkOutputPath, writeOutput } from './outputFlag.js';
import { forward } from '../model/forward.js';
import { attentionMaps, codingRateEpsRange, defaultCodingRateEps, type LayerImageValues, layerImageValues, summarizeLayer } from '../metrics/layerMetrics.js';
import { checkpointOptions, loadCheckpointAndInput } from './checkpointFlags.js';
import { UsageError } from './usageError.js';

export const metricsUsage = 'metrics --checkpoint W.safetensors --input X.npy [--attention-out maps.npy] [--eps 0.5] [--arch A --heads K …] [--backend B] [--device N|NAME] [--json]';

export async function metrics(argv: string[], io: CliIo): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { ...checkpointOptions, 'attention-out': { type: 'string' }, eps: { type: 'string' } }, strict: true });
  const eps = values.eps === undefined ? defaultCodingRateEps : Number(values.eps);
  if (!(eps >= codingRateEpsRange.min && eps <= codingRateEpsRange.max)) throw new UsageError(`--eps must be a number from ${codingRateEpsRange.min} to ${codingRateEpsRange.max}, got "${values.eps}"`);
  const attentionFile = values['attention-out'] === undefined ? undefined : checkOutputPath('attention-out', values['attention-out']);
  const { shape, params, images, batch, backend } = await loadCheckpointAndInput('metrics', values);
  const [count, c, h, w] = images.shape;
  const perLayer: LayerImageValues[] = Array.from({ length: shape.depth }, () => ({ R: [], Rc: [], zeroFraction: [] }));
  const grid = shape.image / shape.patch;
  const maps = new Float32Array(shape.depth * count * shape.heads * grid * grid);
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    const x = tf.tensor(images.data.subarray(start * c * h * w, (start + n) * c * h * w), [n, c, h, w], 'float32');
    const result = forward(x, params, shape, { trace: true });
    const values = await layerImageValues(result.layers, params, shape, eps);
    const att = await attentionMaps(result.layers, shape);
    // This chunk's images go to their place in each layer's block of the whole set.
    const mapsPerLayer = n * shape.heads * grid * grid;
    for (let l = 0; l < shape.depth; l++) maps.set(att.data.subarray(l * mapsPerLayer, (l + 1) * mapsPerLayer), (l * count + start) * shape.heads * grid * grid);
    values.forEach((v, l) => {
      perLayer[l].R.push(...v.R);
      perLayer[l].Rc.push(...v.Rc);
      perLayer[l].zeroFraction.push(...v.zeroFraction);
    });
    tf.dispose([x, result as unknown as tf.TensorContainer]);
  }
  const layers = perLayer.map(summarizeLayer);
  if (attentionFile) writeOutput('attention-out', attentionFile, () => writeNpy(attentionFile, { shape: [shape.depth, count, shape.heads, grid, grid], data: maps }));
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ backend, shape, codingRateEps: eps, layers, attentionFile: attentionFile ?? null })}\n`);
    return;
  }
  const out = [`${shape.arch}, ${count} image(s), ε = ${eps}, backend ${backend}`, 'layer        R       Rc   zeros  density      SRR'];
  layers.forEach((m, l) => {
    out.push(`${String(l).padStart(5)} ${m.meanR.toFixed(4).padStart(8)} ${m.meanRc.toFixed(4).padStart(8)} ${m.codeZeroFraction.toFixed(4).padStart(7)} ${m.density.toFixed(4).padStart(8)} ${m.srr.toFixed(4).padStart(8)}`);
  });
  if (attentionFile) out.push(`attention maps [layers, images, heads, ${grid}, ${grid}] written to ${attentionFile}`);
  io.stdout.write(`${out.join('\n')}\n`);
}
