// The optional SRR regularizer (SPEC §4) in a real run: it trains, and it changes what is learned.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { events, exited, onlyRun, runInfo, spawnCli } from './support/runs.js';

const tmp = mkdtempSync(join(tmpdir(), 'crate-srr-'));

function config(name: string, srr: string): string {
  const file = join(tmp, `${name}.crate.yaml`);
  writeFileSync(
    file,
    `name: ${name}
seed: 1
backend: wasm
model: { arch: crate, depth: 2, width: 16, heads: 2 }
data: { kind: synthetic-subspaces, trainSize: 256, testSize: 64 }
optim: { batchSize: 32, maxSteps: 12 }
${srr}
checkpoint: { every: 12 }
`,
  );
  return file;
}

test('training with the SRR regularizer (fixed and random layers) completes and differs from plain training', async () => {
  const weights: Buffer[] = [];
  for (const [name, srr] of [['plain', ''], ['fixed', 'srr: { weight: 0.05, layers: [0, 1] }'], ['random', 'srr: { weight: 0.05, layers: random }']]) {
    const runsDir = join(tmp, name);
    const r = await exited(spawnCli(['train', config(name, srr), '--runs-dir', runsDir]));
    assert.equal(r.code, 0, r.stderr);
    const runDir = onlyRun(runsDir)!;
    assert.equal(runInfo(runDir).status, 'completed');
    assert.ok(events(runDir).every((e) => e.type !== 'scalars' || Number.isFinite(e.loss)));
    weights.push(readFileSync(join(runDir, 'checkpoints', 'step-00000012', 'weights.safetensors')));
  }
  assert.ok(!weights[1].equals(weights[0]), 'the regularizer changed nothing');
  assert.ok(!weights[2].equals(weights[1]), 'random layers trained like fixed ones');
});
