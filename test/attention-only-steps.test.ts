// scripts/attention-only-steps.ts (docs/study.md, "The attention-only experiment") on a real tiny
// attention-only run: at the end its Rc before each step is the Rc the trainer logged for that
// layer; at the initialisation, where every LayerNorm is the identity map, Rc after layer ℓ's step
// is the next layer's MSSA input against layer ℓ's subspaces, and on the stream the layer's output,
// from the independent float64 model.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveShape } from '../trainer/model/architecture.js';
import { initializeParameters } from '../trainer/model/initialize.js';
import { Rng } from '../trainer/random/rng.js';
import { type NaiveLayerTrace, naiveLogits } from './support/naiveModel.js';
import { naiveRc } from './support/naiveMetrics.js';
import { repoRoot } from './support/reference.js';
import { events, exited, onlyRun, spawnCli } from './support/runs.js';

const tmp = mkdtempSync(join(tmpdir(), 'crate-attention-steps-'));

function runScript(runDir: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', join(repoRoot, 'scripts', 'attention-only-steps.ts'), runDir], { encoding: 'utf8', cwd: repoRoot, timeout: 120_000 });
}

/** The script's two tables: per block (initialisation, final), per layer [LN before, LN after, stream before, stream after]. */
function tables(stdout: string): number[][][] {
  const blocks: number[][][] = [];
  for (const line of stdout.split('\n')) {
    if (/^(initialisation|step-)/.test(line)) blocks.push([]);
    const cells = line.trim().split(/\s+/).map(Number);
    if (blocks.length > 0 && cells.length === 7 && cells.every(Number.isFinite)) blocks[blocks.length - 1].push([cells[1], cells[2], cells[4], cells[5]]);
  }
  return blocks;
}

test('attention-only steps: the logged Rc at the end, and the next layer\'s input against this layer\'s U at the initialisation', async () => {
  const config = join(tmp, 'steps.crate.yaml');
  writeFileSync(
    config,
    `name: steps
seed: 4
backend: wasm
model: { arch: crate-c, depth: 3, width: 16, heads: 2, attentionOnly: true }
data: { kind: synthetic-subspaces, trainSize: 256, testSize: 64 }
optim: { batchSize: 32, maxSteps: 6, lr: 0.003 }
introspect: { every: 3, probeImages: 4, attention: false }
checkpoint: { every: 6, keep: 1 }
`,
  );
  const trained = await exited(spawnCli(['train', config, '--runs-dir', join(tmp, 'runs')]));
  assert.equal(trained.code, 0, trained.stderr);
  const runDir = onlyRun(join(tmp, 'runs'))!;
  const r = runScript(runDir);
  assert.equal(r.status, 0, r.stderr);
  const [init, final] = tables(r.stdout);
  assert.equal(init.length, 3);
  assert.equal(final.length, 3);

  const logged = events(runDir).flatMap((e) => (e.type === 'layers' && e.step === 6 ? e.layers : []));
  assert.equal(logged.length, 3);
  logged.forEach((l) => assert.ok(Math.abs(final[l.layer][0] - l.Rc) <= 2e-3 * Math.max(1, Math.abs(l.Rc)), `layer ${l.layer}: ${final[l.layer][0]} vs logged ${l.Rc}`));

  const shape = resolveShape('crate-c', undefined, { image: 16, patch: 4, channels: 1, dim: 16, depth: 3, heads: 2, classes: 4, attentionOnly: true });
  const host = initializeParameters(shape, new Rng(4));
  const bytes = readFileSync(join(runDir, 'probe.bin'));
  const probe = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const traces: NaiveLayerTrace[][] = [];
  naiveLogits(host, shape, probe, traces);
  for (let l = 0; l < 2; l++) {
    const u = host.get(`transformer.layers.${l}.0.fn.qkv.weight`)!.data;
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const before = mean(traces.map((t) => naiveRc(t[l].z, u, shape.heads, 0.5)));
    const after = mean(traces.map((t) => naiveRc(t[l + 1].z, u, shape.heads, 0.5)));
    assert.ok(Math.abs(init[l][0] - before) <= 2e-3, `layer ${l} before: ${init[l][0]} vs ${before}`);
    assert.ok(Math.abs(init[l][1] - after) <= 2e-3, `layer ${l} after: ${init[l][1]} vs ${after}`);
    assert.ok(Math.abs(after - before) > 0.01, 'the step changes Rc');
    // On the stream: the naive trace's code of an attention-only layer is its output Z^{ℓ+1}.
    const streamAfter = mean(traces.map((t) => naiveRc(t[l].code, u, shape.heads, 0.5)));
    const nextU = host.get(`transformer.layers.${l + 1}.0.fn.qkv.weight`)!.data;
    const nextStreamBefore = mean(traces.map((t) => naiveRc(t[l].code, nextU, shape.heads, 0.5)));
    assert.ok(Math.abs(init[l][3] - streamAfter) <= 2e-3, `layer ${l} stream after: ${init[l][3]} vs ${streamAfter}`);
    assert.ok(Math.abs(init[l + 1][2] - nextStreamBefore) <= 2e-3, `layer ${l + 1} stream before: ${init[l + 1][2]} vs ${nextStreamBefore}`);
  }
});

test('attention-only steps: a run with full layers is one clear error', () => {
  const dir = join(tmp, 'full');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.yaml'), 'name: full\nmodel: { arch: crate, depth: 2, width: 16, heads: 2 }\ndata: { kind: synthetic-subspaces }\n');
  const r = runScript(dir);
  assert.equal(r.status, 1);
  assert.equal(r.stderr.trim(), `${dir}: not an attention-only run (model.attentionOnly is off)`);
});
