// The run config language (*.crate.yaml): ONE declarative schema, the single source of truth for
// validation, static defaults, descriptions, ranges and enums, the TypeScript types, and (through
// describe.ts) the language server's completion and hover.
//
// Why zod 4 rather than TypeBox or a hand-rolled table:
// - static types are inferred (z.input / z.output), so no config type is ever declared by hand;
// - .meta() puts the description and the computed-default note on the field itself, and
//   z.toJSONSchema() turns the whole schema into plain data (description, default, enum,
//   minimum/maximum) that describe.ts walks, with no access to library internals;
// - its issues carry exact paths, a discriminated union reports a bad `kind` once, at
//   `data.kind` (TypeBox has no discriminated unions: it says "expected union value" on `data`),
//   and strict objects list unknown keys by name;
// - parsing fills defaults, so there is no separate default pass that could drift.
// Defaults that depend on other fields (model shape from `size`, image geometry from the
// dataset, microBatch = batchSize) cannot be static: those fields are optional here, carry a
// `computedDefault` note for hover, and are filled by resolve.ts.
import { z } from 'zod';
import { archIds, blockConstants, shapeLimits, sizeIds } from '../model/architecture.js';
import { codingRateEpsRange, defaultCodingRateEps } from '../metrics/layerMetrics.js';
import { backendChoices } from '../backend/names.js';
import { FASHION_MNIST_DIR } from '../data/fashionMnist.js';
import { syntheticDefaults } from '../data/synthetic.js';

/** What every field carries besides its type: shown on hover and completion. */
export type FieldMeta = {
  description: string;
  /** For a field whose default depends on others: what it is, in words. */
  computedDefault?: string;
};

const int = (min: number, max: number) => z.int().min(min).max(max);
const f = <T extends z.ZodType>(schema: T, meta: FieldMeta): T => schema.meta(meta);
/**
 * A section: a strict mapping whose own defaults apply when it is left out. (`{}` is a valid
 * input because every field of a section has a default; prefault parses it to fill them.)
 */
const section = <S extends z.core.$ZodLooseShape>(shape: S, description: string) => {
  const object = z.strictObject(shape);
  return object.prefault({} as z.input<typeof object>).meta({ description });
};

const layerList = z.array(int(0, 1023)).min(1).max(1024);

const model = z
  .strictObject({
    arch: f(z.enum(archIds), { description: 'Architecture: CRATE-α, vanilla CRATE, an SRR-study variant of its MSSA output, or the ViT baseline.' }),
    size: f(z.enum(sizeIds).optional(), {
      description: 'Size preset of Table 4 (depth, width, heads, patch). Explicit depth/width/heads/patch override it.',
      computedDefault: 'none: then depth, width, heads and patch must all be given',
    }),
    depth: f(int(1, shapeLimits.depth).optional(), { description: 'Number of layers L.', computedDefault: 'from size' }),
    width: f(int(1, shapeLimits.dim).optional(), { description: 'Token width d; must be divisible by heads.', computedDefault: 'from size' }),
    heads: f(int(1, shapeLimits.heads).optional(), { description: 'Attention heads K; each head has width d/K.', computedDefault: 'from size' }),
    patch: f(int(1, shapeLimits.patch).optional(), {
      description: 'Patch side P in pixels; must divide the image size.',
      computedDefault: 'from size; for the synthetic set, data.patch',
    }),
    image: f(int(1, shapeLimits.image).optional(), { description: 'Input image side in pixels (square images).', computedDefault: 'from the dataset' }),
    channels: f(int(1, shapeLimits.channels).optional(), { description: 'Input channels.', computedDefault: 'from the dataset' }),
    classes: f(int(1, shapeLimits.classes).optional(), { description: 'Output classes; at least the dataset’s.', computedDefault: 'from the dataset' }),
    overcomplete: f(int(1, shapeLimits.overcomplete).default(blockConstants.defaultOvercomplete), {
      description: 'CRATE-α: dictionary ratio C of D ∈ R^{d×Cd}; 1 is a complete dictionary.',
    }),
    decoupled: f(z.boolean().default(true), { description: 'CRATE-α: a separate decoding dictionary D̂ (off: D̂ = D).' }),
    residual: f(z.boolean().default(true), { description: 'CRATE-α: residual connection around the ODL block.' }),
    attentionOnly: f(z.boolean().default(false), {
      description:
        'The attention-only experiment of the SRR study (Hu, Zou & Xu 2024, Fig. 1a): every layer is the attention block with its skip connection alone, Z ← Z + MSSA(LN Z) (crate-n: Z − MSSA), with no sparse-coding block (ISTA, ODL or the ViT MLP). Its layers’ Rc shows whether MSSA compresses (docs/study.md, “The attention-only experiment”). Off: the full layers.',
    }),
    dropout: f(z.number().min(0).lt(1).default(0), {
      description:
        'Dropout rate while training, where the official code places it (docs/models.md): CRATE and its variants on the attention weights and after the MSSA output; CRATE-α after the patch embedding, MSSA and ODL; the ViT baseline on the attention weights, after its output and in the MLP. Off at evaluation and inference; the masks follow from seed and step, so a resumed run draws the same ones. 0 turns it off.',
    }),
    initFrom: f(z.string().min(1).optional(), {
      description:
        'Start a new run from these weights instead of a random initialisation: a safetensors file in the official layout (e.g. another run’s checkpoints/step-…/weights.safetensors), relative to this file. Every tensor must have the shape this model needs. Resuming a run ignores it (the run’s own checkpoint is loaded).',
      computedDefault: 'none: random initialisation from seed',
    }),
  })
  .meta({ description: 'The network: architecture, size preset or explicit shape, CRATE-α switches, attention-only layers, dropout.' });

/** Fields every dataset kind has; the augmentation defaults differ by kind. */
const commonData = (augment: { cropPadding: number; flip: boolean }) => ({
  validationFraction: f(z.number().min(0).max(0.9).default(0.1), {
    description: 'Fraction of the training split held out for validation (0: evaluate on the test split).',
  }),
  augment: section(
    {
      cropPadding: f(int(0, 64).default(augment.cropPadding), { description: 'Random crop after zero-padding this many pixels per side; 0 turns it off.' }),
      flip: f(z.boolean().default(augment.flip), { description: 'Random horizontal flip.' }),
    },
    'Training-time augmentation (never applied to validation or probe images).',
  ),
  normalize: f(z.boolean().default(true), { description: 'Subtract the per-channel mean and divide by the standard deviation of the training split.' }),
});

const dirField = (description: string) => f(z.string().min(1), { description });

const data = z
  .discriminatedUnion('kind', [
    z.strictObject({
      kind: f(z.literal('fashion-mnist'), { description: 'Fashion-MNIST: 28×28 grayscale, 10 classes, IDX files (.gz or raw).' }),
      dir: f(z.string().min(1).default(FASHION_MNIST_DIR), { description: 'Folder with the IDX files (Debian: apt-get install dataset-fashion-mnist).' }),
      ...commonData({ cropPadding: 2, flip: true }),
    }),
    z.strictObject({
      kind: f(z.literal('cifar10'), { description: 'CIFAR-10 binary batches: 32×32 RGB, 10 classes.' }),
      dir: dirField('Folder with data_batch_1..5.bin and test_batch.bin; relative to this file.'),
      ...commonData({ cropPadding: 4, flip: true }),
    }),
    z.strictObject({
      kind: f(z.literal('image-folder'), { description: 'A folder of class sub-folders of PNG/JPEG images (optionally under train/ and test/).' }),
      dir: dirField('Folder of class sub-folders; relative to this file.'),
      size: f(int(1, 4096).optional(), { description: 'Images are resized to size×size.', computedDefault: 'model.image, else 32' }),
      channels: f(z.literal([1, 3]).optional(), {
        description: 'Images are converted to 1 (grayscale) or 3 (RGB) channels.',
        computedDefault: 'model.channels, else 3',
      }),
      ...commonData({ cropPadding: 4, flip: true }),
    }),
    z.strictObject({
      kind: f(z.literal('synthetic-subspaces'), {
        description: 'Synthetic union of subspaces: every patch lies (up to noise) on one of K known subspaces; a class mixes its own few. Instant, for tests.',
      }),
      seed: f(int(0, 4_294_967_295).default(syntheticDefaults.seed), { description: 'Seed of the subspaces and examples (independent of the run seed, so runs with different seeds see the same data).' }),
      trainSize: f(int(1, 10_000_000).default(syntheticDefaults.trainSize), { description: 'Training examples.' }),
      testSize: f(int(1, 10_000_000).default(syntheticDefaults.testSize), { description: 'Test examples.' }),
      image: f(int(1, 1024).default(syntheticDefaults.image), { description: 'Image side in pixels; a multiple of patch.' }),
      patch: f(int(1, 1024).default(syntheticDefaults.patch), { description: 'Side of the patches that lie on the subspaces; the model’s patch defaults to it.' }),
      channels: f(int(1, 16).default(syntheticDefaults.channels), { description: 'Image channels.' }),
      classes: f(int(1, 1000).default(syntheticDefaults.classes), { description: 'Classes; labels are balanced.' }),
      subspaces: f(int(1, 1000).optional(), { description: 'Number K of subspaces.', computedDefault: 'classes' }),
      rank: f(int(1, 4096).default(syntheticDefaults.rank), { description: 'Dimension r of each subspace; at most patch²·channels.' }),
      subspacesPerClass: f(int(1, 1000).default(syntheticDefaults.subspacesPerClass), { description: 'Subspaces each class draws its patches from; at most subspaces.' }),
      noise: f(z.number().min(0).max(10).default(syntheticDefaults.noise), { description: 'Standard deviation of the Gaussian noise added to each pixel.' }),
      ...commonData({ cropPadding: 0, flip: false }),
    }),
  ])
  .meta({
    description: 'The dataset (`kind` picks which) and how it is split, augmented and normalized.',
    // The discriminator's own description (each kind's literal describes that kind).
    kindDescription: 'Which dataset; the other fields of `data` depend on it.',
  });

const optim = section(
  {
    batchSize: f(int(1, 65_536).default(128), { description: 'Images per optimizer step.' }),
    microBatch: f(int(1, 65_536).optional(), {
      description: 'Images per forward/backward pass; gradients are accumulated up to batchSize.',
      computedDefault: 'batchSize (no accumulation)',
    }),
    epochs: f(int(0, 1_000_000).optional(), { description: 'Passes over the training split; 0 = no limit.', computedDefault: '10, or 0 when maxSteps is set' }),
    maxSteps: f(int(0, 1_000_000_000).optional(), { description: 'Stop after this many optimizer steps; 0 = no limit.', computedDefault: '0 (no limit)' }),
    lr: f(z.number().gt(0).max(10).default(1e-3), { description: 'Peak learning rate (AdamW), reached after warm-up.' }),
    minLr: f(z.number().min(0).max(10).default(1e-5), { description: 'Learning rate at the end of the cosine decay; at most lr.' }),
    warmup: f(
      z
        .number()
        .min(0)
        .max(1_000_000_000)
        .refine((v) => v < 1 || Number.isInteger(v), { error: 'must be a whole number of steps (1 or more) or a fraction of the run in [0, 1)' })
        .default(0.05),
      { description: 'Linear warm-up: a whole number ≥ 1 is a number of steps; a number in [0, 1) is a fraction of the total steps.' },
    ),
    weightDecay: f(z.number().min(0).max(10).default(0.05), { description: 'Decoupled weight decay (not applied to norms, biases, embeddings).' }),
    betas: f(z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]).default([0.9, 0.999]), { description: 'AdamW β₁ and β₂.' }),
    eps: f(z.number().gt(0).max(1).default(1e-8), { description: 'AdamW ε.' }),
    labelSmoothing: f(z.number().min(0).lt(1).default(0.1), { description: 'Label smoothing of the cross-entropy targets.' }),
    gradClip: f(z.number().min(0).max(1e6).default(1), { description: 'Clip the global gradient norm to this; 0 turns clipping off.' }),
  },
  'Optimisation: AdamW, linear warm-up then cosine decay, batch and micro-batch sizes, length of the run.',
);

const srr = section(
  {
    weight: f(z.number().min(0).max(1e3).default(0), { description: 'Weight of the SRR term Σ (Rc − R) added to the loss; 0 turns it off.' }),
    layers: f(z.union([z.literal('random'), layerList], { error: 'must be "random" or a list of layer indices' }).default('random'), {
      description: 'Layers whose Rc − R is added: a fixed list of indices (0-based), or "random" for one random layer per step.',
    }),
    eps: f(z.number().min(codingRateEpsRange.min).max(codingRateEpsRange.max).default(defaultCodingRateEps), { description: 'Precision ε of the coding rates in the regularizer.' }),
  },
  'Optional sparse-rate-reduction regularizer (SRR study).',
);

const evaluation = section(
  {
    every: f(z.union([int(1, 1_000_000_000), z.literal('epoch')], { error: 'must be a number of steps (1 or more) or "epoch"' }).default('epoch'), {
      description:
        'Evaluate every this many steps, or "epoch" for once per epoch (and always at the end): the held-out set and, at the same weights, a fixed training subset as large, for the generalization gap.',
    }),
  },
  'Evaluation: the held-out set (the validation part, else the test split) and a fixed training subset, without augmentation, label smoothing, regularizer or dropout; a run with a validation part also evaluates the test split at its end.',
);

const introspect = section(
  {
    every: f(int(0, 1_000_000_000).default(200), { description: 'Compute the per-layer metrics every this many steps; 0 turns introspection off.' }),
    probeImages: f(int(1, 256).default(8), { description: 'Fixed probe images the metrics and attention maps are computed on.' }),
    layers: f(z.union([z.literal('all'), layerList], { error: 'must be "all" or a list of layer indices' }).default('all'), {
      description: 'Layers to introspect: "all", or a list of indices (0-based).',
    }),
    codingRateEps: f(z.number().min(codingRateEpsRange.min).max(codingRateEpsRange.max).default(defaultCodingRateEps), { description: 'Precision ε of the coding rates R and Rc.' }),
    attention: f(z.boolean().default(true), { description: 'Record each head’s CLS attention maps on the probe images.' }),
  },
  'Introspection while training: per-layer coding rates, sparsity, SRR measure and attention maps.',
);

const checkpoint = section(
  {
    every: f(int(1, 1_000_000_000).default(500), { description: 'Write a checkpoint every this many steps (and always at the end).' }),
    keep: f(int(1, 1000).default(3), { description: 'How many recent checkpoints to keep.' }),
  },
  'Checkpoints: interval and retention.',
);

/** A value a sweep gives a field: checked by the field's own schema when the members are expanded. */
const sweepValues = z.array(z.unknown()).min(1, { error: 'needs at least one value' });

/** Fields a random range draws log-uniformly unless it says otherwise: rates span orders of magnitude. */
export const logScaleSweepFields: readonly string[] = ['optim.lr', 'optim.minLr', 'optim.weightDecay'];

const sweepRange = z.strictObject({
  min: f(z.number(), { description: 'Smallest value drawn.' }),
  max: f(z.number(), { description: 'Largest value drawn; at least min.' }),
  scale: f(z.enum(['log', 'linear']).optional(), {
    description: 'log: uniform in log(value), for rates; linear: uniform in the value. Integer fields get whole numbers.',
    computedDefault: `log for rates (${logScaleSweepFields.join(', ')}), linear otherwise`,
  }),
});

/** sbatch arguments crate-lab sets itself, which extraArgs may not give (it would break the job array). */
export const reservedSbatchArgs: readonly string[] = ['--array', '-a', '--parsable', '--wrap', '--chdir', '-D', '--output', '-o', '--job-name', '-J', '--requeue', '--no-requeue'];

/** Slurm's --time formats: minutes, minutes:seconds, hours:minutes:seconds, days-hours[:minutes[:seconds]]. */
const slurmTime = /^(?:\d+(?::\d{1,2}){0,2}|\d+-\d+(?::\d{1,2}){0,2}|UNLIMITED|INFINITE)$/i;
/** Partition and account names: what Slurm accepts, and nothing a reader could mistake for an option. */
const slurmName = (what: string) => z.string().regex(/^[A-Za-z0-9_][A-Za-z0-9_.,+-]{0,199}$/, { error: `must be a Slurm ${what} name (letters, digits, _ . , + -)` });

/** The Slurm scheduler's settings (`crate-lab sweep --scheduler slurm`); the CLI's flags override them. */
export const slurmSettingsSchema = z.strictObject({
  partition: f(slurmName('partition').optional(), { description: 'Slurm partition the members run in (sbatch --partition).', computedDefault: "the cluster's default partition" }),
  account: f(slurmName('account').optional(), { description: 'Slurm account the members are charged to (sbatch --account).', computedDefault: "your default account" }),
  time: f(z.string().regex(slurmTime, { error: 'must be a Slurm time limit: minutes, hours:minutes:seconds or days-hours[:minutes[:seconds]]' }).optional(), {
    description: 'Time limit of each member (sbatch --time). A member Slurm stops at its limit checkpoints; `crate-lab sweep resume` continues it.',
    computedDefault: "the partition's default limit",
  }),
  cpusPerTask: f(int(1, 4096).optional(), {
    description: 'CPUs for each member (sbatch --cpus-per-task); the wasm backend uses as many threads.',
    computedDefault: '`threads` when set, else 1',
  }),
  extraArgs: f(
    z
      .array(
        z
          .string()
          .min(1)
          .max(1000)
          .refine((a) => !reservedSbatchArgs.includes(a.split('=')[0]), { error: `may not set what crate-lab sets itself (${reservedSbatchArgs.join(', ')})` }),
      )
      .max(100)
      .optional(),
    { description: 'Further sbatch arguments, one per list item, passed as written (e.g. `--qos=high`, `--mem=8G`).', computedDefault: 'none' },
  ),
});
export type SlurmSettings = z.infer<typeof slurmSettingsSchema>;

const sweep = z
  .strictObject({
    grid: f(z.record(z.string(), sweepValues).optional(), {
      description: 'Dotted config paths and the values each takes (e.g. `optim.lr: [1e-3, 3e-3]`); every combination is one member.',
      computedDefault: 'none: the base config’s values',
    }),
    seeds: f(z.array(int(0, 4_294_967_295)).min(1, { error: 'needs at least one seed' }).optional(), {
      description: 'Run every grid point once per seed (sets `seed`).',
      computedDefault: 'none: the base config’s seed',
    }),
    random: f(
      z
        .strictObject({
          samples: f(int(1, 1_000_000), { description: 'Points drawn from the ranges; each is crossed with the grid and the seeds.' }),
          seed: f(int(0, 4_294_967_295).default(0), { description: 'Seed of the draws: the same seed draws the same points.' }),
          ranges: f(z.record(z.string(), sweepRange), { description: 'Dotted config paths and the range each is drawn from.' }),
        })
        .optional(),
      { description: 'Random search: points drawn from ranges, seeded.', computedDefault: 'none: no random points' },
    ),
    slurm: f(slurmSettingsSchema.optional(), {
      description: 'Settings of the Slurm scheduler (`crate-lab sweep --scheduler slurm`): partition, account, time limit, CPUs per member, further sbatch arguments.',
      computedDefault: "the cluster's defaults",
    }),
  })
  .optional()
  .meta({
    description:
      'Many runs from this config (`crate-lab sweep`): the grid crossed with the random points and the seeds. The config without this block is the base every member changes.',
  });

export const configSchema = z.strictObject({
  name: f(
    z
      .string()
      .min(1)
      .max(100)
      .regex(/^[^/\\\u0000-\u001f]+$/, { error: 'must not contain "/", "\\" or control characters' })
      .optional(),
    { description: 'Run name, shown in the Runs view.', computedDefault: 'the file name without .crate.yaml' },
  ),
  seed: f(int(0, 4_294_967_295).default(0), { description: 'Seed of every random choice: initialisation, data order, augmentation.' }),
  backend: f(z.enum(backendChoices).default('auto'), { description: 'Compute backend; auto picks the best that loads (tensorflow, webgpu, wasm, cpu).' }),
  threads: f(int(0, 256).default(0), { description: 'Threads for the wasm backend; 0 = all cores.' }),
  device: f(z.union([int(0, 255), z.string().min(1).max(200)], { error: 'must be an adapter number or part of its name' }).optional(), {
    description: 'The GPU for the webgpu backend when there are several: its number in `crate-lab doctor`’s list of WebGPU adapters, or part of its name (e.g. "H200"). `--device` overrides it.',
    computedDefault: 'the first hardware GPU',
  }),
  model,
  data,
  optim,
  srr,
  eval: evaluation,
  introspect,
  checkpoint,
  runsDir: f(z.string().min(1).default('runs'), { description: 'Folder that receives the run directories; relative to this file.' }),
  sweep,
});

/** A config as written (every defaulted field optional). */
export type ConfigInput = z.input<typeof configSchema>;
/** A config that passed the schema: static defaults filled, computed ones still optional. */
export type ConfigValues = z.output<typeof configSchema>;
export type DataValues = ConfigValues['data'];
export type DataKind = DataValues['kind'];
export type SweepValues = NonNullable<ConfigValues['sweep']>;
