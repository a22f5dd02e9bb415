// crate-lab infer: logits of a weights file on images.
import { parseArgs } from 'node:util';
import type { CliIo } from './cliIo.js';
import { tf } from '../tf.js';
import { writeNpy } from '../io/npy.js';
import { forward } from '../model/forward.js';
import { checkpointOptions, loadCheckpointAndInput } from './checkpointFlags.js';
import { checkOutputPath, writeOutput } from './outputFlag.js';

export const inferUsage = 'infer --checkpoint W.safetensors --input X.npy [--output logits.npy] [--arch A --heads K …] [--backend B] [--device N|NAME] [--batch N] [--json]';

export async function infer(argv: string[], io: CliIo): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { ...checkpointOptions, output: { type: 'string' } }, strict: true });
  const output = values.output === undefined ? undefined : checkOutputPath('output', values.output);
  const { shape, params, images, batch, backend } = await loadCheckpointAndInput('infer', values);
  const [count, c, h, w] = images.shape;
  const logits = new Float32Array(count * shape.classes);
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    const x = tf.tensor(images.data.subarray(start * c * h * w, (start + n) * c * h * w), [n, c, h, w], 'float32');
    const { logits: out } = forward(x, params, shape);
    logits.set((await out.data()) as Float32Array, start * shape.classes);
    tf.dispose([x, out]);
  }
  if (output) writeOutput('output', output, () => writeNpy(output, { shape: [count, shape.classes], data: logits }));
  const rows = Array.from({ length: count }, (_, i) => Array.from(logits.subarray(i * shape.classes, (i + 1) * shape.classes)));
  const predictions = rows.map((r) => r.indexOf(Math.max(...r)));
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ backend, shape, logits: rows, predictions })}\n`);
    return;
  }
  io.stdout.write(`${shape.arch}, ${count} image(s), backend ${backend}\n`);
  rows.forEach((r, i) => io.stdout.write(`image ${i}: class ${predictions[i]}  logits ${r.map((v) => v.toFixed(4)).join(' ')}\n`));
}
