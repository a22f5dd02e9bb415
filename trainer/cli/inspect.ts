// crate-lab inspect: parameter count, FLOPs per image and activation memory of a shape.
import { parseArgs } from 'node:util';
import type { CliIo } from './cliIo.js';
import { presets, resolveShape } from '../model/architecture.js';
import { activationBytesPerImage, forwardFlopsPerImage, trainingBytesPerImage } from '../model/cost.js';
import { countParameters } from '../model/parameters.js';
import { parseArch, parseSize, shapeOptions, shapeOverrides } from './shapeFlags.js';
import { UsageError } from './usageError.js';

export const inspectUsage = 'inspect --arch A (--size S | --depth L --width D --heads K --patch P) [--image I --channels C --classes N] [--attention-only] [--json]';

export function inspect(argv: string[], io: CliIo): void {
  const { values } = parseArgs({ args: argv, options: { ...shapeOptions, json: { type: 'boolean' } }, strict: true });
  const arch = parseArch(values.arch);
  if (!arch) throw new UsageError('inspect needs --arch');
  const size = parseSize(values.size);
  const shape = resolveShape(arch, size, shapeOverrides(values));
  const params = countParameters(shape);
  const flops = forwardFlopsPerImage(shape);
  const activationBytes = activationBytesPerImage(shape);
  const table4 = size && !shape.attentionOnly && (arch === 'crate-alpha' || arch === 'crate') ? presets[size].paramsMillions[arch] : undefined;
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ shape, parameters: params, forwardFlopsPerImage: flops, activationBytesPerImage: activationBytes, trainingBytesPerImage: trainingBytesPerImage(shape), table4ParamsMillions: table4 ?? null })}\n`);
    return;
  }
  const lines = [
    `${arch}${size ? ` ${size}` : ''}: depth ${shape.depth}, width ${shape.dim}, ${shape.heads} heads, ${shape.image}×${shape.image}×${shape.channels} images, patch ${shape.patch}, ${shape.classes} classes${shape.attentionOnly ? ', attention-only layers' : ''}`,
    `parameters            ${(params / 1e6).toFixed(2)}M (${params.toLocaleString('en-US')})${table4 !== undefined ? `; Table 4: ${table4}M` : ''}`,
    `forward FLOPs / image ${(flops / 1e9).toFixed(3)} GFLOP (training ≈ 3×)`,
    `activations / image   ${(activationBytes / 2 ** 20).toFixed(1)} MiB (float32, forward pass)`,
  ];
  io.stdout.write(`${lines.join('\n')}\n`);
}
