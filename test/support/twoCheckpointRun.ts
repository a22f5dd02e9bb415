// A tiny finished run with two checkpoints, step-00000004 and step-00000006 (latest), for the tests
// that damage copies of it (test/run-damage.test.ts, test/train-errors.test.ts); and resealing, the
// damage only the checks behind a checkpoint's checksums can catch.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** The run config; single-threaded wasm, since these tests resume it hundreds of times. */
export function twoCheckpointRunConfig(name: string, seed: number): string {
  return `name: ${name}
seed: ${seed}
backend: wasm
threads: 1
model: { arch: crate-alpha, depth: 1, width: 8, heads: 2 }
data: { kind: synthetic-subspaces, trainSize: 64, testSize: 16 }
optim: { batchSize: 16, maxSteps: 6 }
eval: { every: 100 }
introspect: { every: 2, probeImages: 2 }
checkpoint: { every: 2, keep: 2 }
`;
}

/** Rewrites the manifest of checkpoint folder `dir` to vouch for its files as they now are (none: a checkpoint from before manifests). */
export function reseal(dir: string): void {
  const file = join(dir, 'manifest.json');
  if (!existsSync(file)) return;
  const manifest = JSON.parse(readFileSync(file, 'utf8')) as { files: Record<string, { bytes: number; sha256: string }> };
  for (const name of Object.keys(manifest.files)) {
    const bytes = readFileSync(join(dir, name));
    manifest.files[name] = { bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
  }
  writeFileSync(file, JSON.stringify(manifest));
}
