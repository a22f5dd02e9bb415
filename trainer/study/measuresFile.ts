// measures.json (docs/run-directory.md): the complexity measures of a run's final weights, one
// record with a version. Written atomically; read back through a schema, so a damaged file is one
// reason naming the field, and a file of another version is refused rather than misread.
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../io/atomicWrite.js';
import { NotARegularFile, readRegularFile } from '../io/regularFile.js';
import { runFiles } from '../run/format.js';

/** The table's rows, in the order of the SRR study's table (docs/models.md gives each formula). */
export const complexityMeasures = [
  { id: 'l2', label: 'ℓ2-norm', latex: '$\\ell_2$-norm' },
  { id: 'pathNorm', label: 'path-norm', latex: 'path-norm' },
  { id: 'sumOfSpec', label: 'sum-of-spec', latex: 'sum-of-spec' },
  { id: 'logProdOfSpec', label: 'prod-of-spec', latex: 'prod-of-spec' },
  { id: 'inverseMargin', label: '1/margin', latex: '1/margin' },
  { id: 'srr', label: 'SRR', latex: 'SRR' },
] as const;
export type MeasureId = (typeof complexityMeasures)[number]['id'];

export const measuresFileVersion = 1;

const finite = z.number().refine(Number.isFinite, 'not a finite number');

const measuresSchema = z.strictObject({
  version: z.literal(measuresFileVersion),
  /** The optimiser step of the weights measured. */
  step: z.int().nonnegative(),
  /** Their checkpoint folder, when they came from one. */
  checkpoint: z.string().nullable(),
  computedAt: z.string(),
  /** `trainer` at the end of the run, `study` when crate-lab study computed it afterwards. */
  computedBy: z.enum(['trainer', 'study']),
  /** What the data-dependent measures ran on (docs/models.md, Complexity measures). */
  data: z.strictObject({ images: z.int().positive(), srrImages: z.int().positive(), codingRateEps: finite }),
  measures: z.strictObject({
    l2: finite,
    pathNorm: finite,
    sumOfSpec: finite,
    /** log Π‖W‖₂² (the product overflows). */
    logProdOfSpec: finite,
    /** 1/γ²; null when γ ≤ 0. */
    inverseMargin: finite.nullable(),
    srr: finite,
  }),
  /** γ, the 10th percentile of the output margin. */
  margin: finite,
  srrPerLayer: z.array(finite),
  matrices: z.array(
    z.strictObject({ name: z.string(), rows: z.int().positive(), cols: z.int().positive(), frobeniusSquared: finite, spectral: finite }),
  ),
});

export type MeasuresRecord = z.infer<typeof measuresSchema>;

export class MeasuresFileError extends Error {
  override name = 'MeasuresFileError';
}

export function measuresPath(runDir: string): string {
  return join(runDir, runFiles.measures);
}

export function writeMeasuresFile(runDir: string, record: MeasuresRecord): void {
  writeFileAtomic(measuresPath(runDir), `${JSON.stringify(record, null, 1)}\n`);
}

/** The run's measures.json checked, undefined when it has none. */
export function readMeasuresFile(runDir: string): MeasuresRecord | undefined {
  const file = measuresPath(runDir);
  let text: string;
  try {
    text = readRegularFile(file, { noFollow: true, maxBytes: 16 << 20 }).toString('utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (e instanceof NotARegularFile) throw new MeasuresFileError(`${file} ${e.message}`);
    throw new MeasuresFileError(`${file} is unreadable: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new MeasuresFileError(`${file} is not JSON: ${(e as Error).message}`);
  }
  const version = (value as { version?: unknown } | null)?.version;
  if (version !== measuresFileVersion) throw new MeasuresFileError(`${file} has version ${JSON.stringify(version)}; this crate-lab reads version ${measuresFileVersion}`);
  const checked = measuresSchema.safeParse(value);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new MeasuresFileError(`${file} is damaged: ${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`);
  }
  return checked.data;
}
