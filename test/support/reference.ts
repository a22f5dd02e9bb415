// The conformance cases of ../shared/reference (docs/models.md): official-layout weights, inputs,
// expected logits, attention and metrics computed by an independent implementation.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export const repoRoot = join(__dirname, '..', '..');
export const referenceDir = process.env.CRATE_LAB_REFERENCE ?? join(repoRoot, '..', 'shared', 'reference');

export interface ExpectedMetrics {
  arch: string;
  layers: Array<{ R: number[]; Rc: number[]; codeZeroFraction: number }>;
  codingRateEps: number;
}

export interface ReferenceCase {
  name: string;
  dir: string;
  weights: string;
  input: string;
  logits: string;
  attention: string;
  expected: ExpectedMetrics;
}

export function referenceCases(): ReferenceCase[] {
  if (!existsSync(referenceDir)) throw new Error(`conformance cases not found at ${referenceDir} (set CRATE_LAB_REFERENCE)`);
  const names = readdirSync(referenceDir);
  // No cases would make every loop over them pass without checking anything.
  if (names.length === 0) throw new Error(`no conformance cases in ${referenceDir} (set CRATE_LAB_REFERENCE)`);
  return names
    .sort()
    .map((name) => {
      const dir = join(referenceDir, name);
      return {
        name,
        dir,
        weights: join(dir, 'weights.safetensors'),
        input: join(dir, 'input.npy'),
        logits: join(dir, 'logits.npy'),
        attention: join(dir, 'attention.npy'),
        expected: JSON.parse(readFileSync(join(dir, 'expected.json'), 'utf8')) as ExpectedMetrics,
      };
    });
}

/** Comparing arrays of other lengths, or nothing at all, must fail instead of giving a small difference. */
function assertComparable(a: ArrayLike<number>, b: ArrayLike<number>): void {
  if (a.length !== b.length) throw new Error(`length ${a.length} ≠ ${b.length}`);
  if (a.length === 0) throw new Error('nothing to compare: both arrays are empty');
}

/** Largest |a − b| / max(1, |b|): absolute near zero, relative for large values. */
export function maxScaledDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assertComparable(a, b);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.max(1, Math.abs(b[i])));
  return m;
}

/** Largest |a − b| / |b|. */
export function maxRelDiff(a: number[], b: number[]): number {
  assertComparable(a, b);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]) / Math.abs(b[i]));
  return m;
}
