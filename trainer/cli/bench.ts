// crate-lab bench: training and inference throughput of a shape on random data, after warm-up.
import { totalmem } from 'node:os';
import { parseArgs } from 'node:util';
import type { CliIo } from './cliIo.js';
import { tf } from '../tf.js';
import { resolveShape } from '../model/architecture.js';
import { initializeParameters } from '../model/initialize.js';
import { forward } from '../model/forward.js';
import { Rng } from '../random/rng.js';
import { configSchema } from '../config/schema.js';
import { adamWFor, scaleToNorm } from '../train/adamw.js';
import { modelVariables } from '../train/modelVariables.js';
import { batchGradients, crossEntropy, readStatistics } from '../train/gradients.js';
import { backendMicroBatch } from '../train/microBatch.js';
import { backendOptions, useBackend } from './backendFlag.js';
import { nonNegativeInt, parseArch, parseSize, positiveInt, shapeOptions, shapeOverrides } from './shapeFlags.js';
import { UsageError } from './usageError.js';
import { type KernelProfile, profileKernels } from './kernelProfile.js';

export const benchUsage =
  'bench --arch A (--size S | --depth L --width D --heads K) --image I --patch P --channels C [--classes N] --batch B --steps N [--warmup N] [--micro-batch M (default: what fits the memory of the backend)] [--only train|infer] [--profile (webgpu: kernel time per shader program of one step)] [--backend B] [--device N|NAME] [--json]';

const benchParts = ['train', 'infer'] as const;

const gib = (bytes: number): string => (bytes / 2 ** 30).toFixed(1);

export async function bench(argv: string[], io: CliIo): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: { ...shapeOptions, ...backendOptions, batch: { type: 'string' }, steps: { type: 'string' }, 'micro-batch': { type: 'string' }, warmup: { type: 'string' }, only: { type: 'string' }, profile: { type: 'boolean' }, json: { type: 'boolean' } },
    strict: true,
  });
  const arch = parseArch(values.arch);
  if (!arch) throw new UsageError('bench needs --arch');
  const overrides = shapeOverrides(values);
  const shape = resolveShape(arch, parseSize(values.size), { classes: 10, ...overrides });
  const batch = positiveInt('batch', values.batch) ?? 64;
  const steps = positiveInt('steps', values.steps) ?? 5;
  const warmup = nonNegativeInt('warmup', values.warmup) ?? 2;
  // One part per process lets a caller time training and inference apart (bench:gpu does).
  const only = values.only;
  if (only !== undefined && !(benchParts as readonly string[]).includes(only)) throw new UsageError(`--only must be one of ${benchParts.join(', ')}; got "${only}"`);
  const requestedMicroBatch = positiveInt('micro-batch', values['micro-batch']);
  const backend = await useBackend(values.backend, values.threads, values.device);
  const microBatch = Math.min(batch, requestedMicroBatch ?? (await backendMicroBatch(shape, batch)).microBatch);

  const rng = new Rng(0);
  const host = initializeParameters(shape, rng);
  const pixels = batch * shape.channels * shape.image * shape.image;
  // A batch whose images alone exceed the memory is a typo, not a measurement.
  if (pixels * 4 > totalmem()) throw new UsageError(`--batch ${batch}: its ${shape.image}×${shape.image}×${shape.channels} images alone need ${gib(pixels * 4)} GiB, more than the ${gib(totalmem())} GiB of memory here`);
  const images = tf.tensor(rng.fill(new Float32Array(pixels), () => rng.normal()), [batch, shape.channels, shape.image, shape.image]);
  const labels = tf.tensor(Float32Array.from({ length: batch }, () => rng.int(shape.classes)), [batch]);
  const model = modelVariables(shape, host);
  const { vars, trainable } = model;
  // The step the trainer takes with the config's defaults: AdamW with decoupled weight decay,
  // the global gradient norm clipped (scripts/crate_alpha_torch.py's bench takes the same).
  const optim = configSchema.shape.optim.parse({});
  const optimizer = adamWFor(optim, model);
  const lr = 1e-4;

  // Everything this bench made goes when it ends, however it ends: a caller may run another in
  // the same process (tfjs names variables globally).
  const profile: { train?: KernelProfile; infer?: KernelProfile } = {};
  let trainImagesPerSecond: number | undefined;
  let inferImagesPerSecond: number | undefined;
  try {
    const trainStep = async (): Promise<void> => {
      const step = await batchGradients(vars, trainable, images, labels, shape, microBatch, 0, undefined, optim.gradClip > 0);
      // The trainer's one read per step (loss, accuracy, gradient norm), then wait for the device.
      const { gradNorm } = await readStatistics(step, batch, false);
      if (gradNorm !== undefined) scaleToNorm(step.grads, gradNorm, optim.gradClip);
      optimizer.apply(step.grads, lr);
      tf.dispose(Object.values(step.grads));
      await vars[trainable[0]].data();
    };
    // Inference as the trainer evaluates: the whole batch at once (the forward pass frees each
    // layer's intermediates as it goes, so it needs far less memory than a training micro-batch).
    const inferStep = async (): Promise<void> => {
      const { logits } = forward(images, vars, shape);
      await logits.data();
      logits.dispose();
    };
    const timeIt = async (step: () => Promise<void>): Promise<number> => {
      for (let i = 0; i < warmup; i++) await step();
      const t0 = performance.now();
      for (let i = 0; i < steps; i++) await step();
      return (batch * steps) / ((performance.now() - t0) / 1000);
    };
    trainImagesPerSecond = only === 'infer' ? undefined : await timeIt(trainStep);
    inferImagesPerSecond = only === 'train' ? undefined : await timeIt(inferStep);
    // One step of each timed part again, each dispatch timed apart: synchronous bodies (tf.time's
    // contract), so training here is one forward+backward+update without reading the loss.
    if (values.profile) {
      const varList = trainable.map((n) => vars[n]);
      if (only !== 'infer') {
        profile.train = await profileKernels(() => {
          const { value, grads } = tf.variableGrads(() => crossEntropy(forward(images, vars, shape).logits, labels, shape.classes) as tf.Scalar, varList);
          optimizer.apply(grads, lr);
          tf.dispose([value, ...Object.values(grads)]);
        });
      }
      if (only !== 'train') profile.infer = await profileKernels(() => tf.dispose(forward(images, vars, shape).logits));
    }
  } finally {
    tf.dispose([...Object.values(vars), images, labels]);
    optimizer.dispose();
  }
  const peakRssMiB = process.resourceUsage().maxRSS / 1024;
  const result = { backend, trainImagesPerSecond, inferImagesPerSecond, batch, microBatch, steps, peakRssMiB, shape, ...(values.profile ? { profile } : {}) };
  if (values.json) {
    io.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  io.stdout.write(
    `${shape.arch} d=${shape.dim} depth ${shape.depth} heads ${shape.heads}, ${shape.image}×${shape.image}×${shape.channels} patch ${shape.patch}, batch ${batch} (micro ${microBatch}), backend ${backend}\n` +
      [
        trainImagesPerSecond === undefined ? [] : [`train ${trainImagesPerSecond.toFixed(1)} images/s`],
        inferImagesPerSecond === undefined ? [] : [`infer ${inferImagesPerSecond.toFixed(1)} images/s`],
        [`peak RSS ${peakRssMiB.toFixed(0)} MiB\n`],
      ]
        .flat()
        .join(', '),
  );
}
