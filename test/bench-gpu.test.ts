// npm run bench:gpu (scripts/bench-gpu.mjs): the pack is under 60 MiB and runs from a temp folder
// on this machine's llvmpipe (--quick --allow-software), printing positive figures; and the
// PyTorch model it compares with (scripts/crate_alpha_torch.py) computes trainer/model's function.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tf } from '../trainer/tf.js';
import { resolveShape } from '../trainer/model/architecture.js';
import { forward } from '../trainer/model/forward.js';
import { initializeParameters } from '../trainer/model/initialize.js';
import { toParams } from '../trainer/model/params.js';
import { Rng } from '../trainer/random/rng.js';
import { encodeSafetensors } from '../trainer/io/safetensors.js';
import { runCliJson } from './support/cli.js';
import { maxScaledDiff } from './support/reference.js';
import { sizeBatch } from '../scripts/bench-gpu.mjs';

const root = join(__dirname, '..');
const script = join(root, 'scripts', 'bench-gpu.mjs');
const torchModel = join(root, 'scripts', 'crate_alpha_torch.py');

/** A python3 that imports torch (Debian's python3-torch lives under /usr/bin/python3), or why not. */
function pythonWithTorch(): { python?: string; why: string } {
  const tried: string[] = [];
  for (const python of ['python3', '/usr/bin/python3']) {
    const r = spawnSync(python, ['-c', 'import torch'], { encoding: 'utf8' });
    if (r.status === 0) return { python, why: '' };
    tried.push(`${python}: ${(r.stderr || String(r.error)).trim().split('\n').at(-1)}`);
  }
  return { why: tried.join('; ') };
}

function sizeOf(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + (e.isDirectory() ? sizeOf(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0);
}

test('bench:gpu packs under 60 MiB and its quick run on llvmpipe prints positive images/s', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'bench-gpu-test-'));
  try {
    const pack = join(dir, 'pack');
    const packed = spawnSync(process.execPath, [script, 'pack', '--out', pack], { encoding: 'utf8' });
    assert.equal(packed.status, 0, `pack failed: ${packed.stderr}`);
    assert.ok(sizeOf(pack) < 60 * 2 ** 20, `the pack is ${sizeOf(pack)} bytes`);
    const { python } = pythonWithTorch();
    // run.sh unpacks into a fresh temp folder: nothing from the repository is on its paths.
    const args = [join(pack, 'run.sh'), '--quick', '--allow-software', ...(python ? ['--python', python] : [])];
    const r = spawnSync('sh', args, { encoding: 'utf8', cwd: dir, env: { ...process.env, TMPDIR: dir } });
    assert.equal(r.status, 0, `run.sh failed: ${r.stderr}\n${r.stdout}`);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    assert.equal(summary.parts.length, 1);
    const [part] = summary.parts;
    assert.match(part.webgpu.device, /^webgpu \(/);
    for (const only of ['infer', 'train']) {
      assert.ok(typeof part.webgpu[only] === 'number' && part.webgpu[only] > 0, `webgpu ${only}: ${part.webgpu[only]} (${part.webgpu[`${only}Error`]})`);
    }
    assert.match(r.stdout, /quick d=32 depth 2 +batch +4 infer +webgpu +\d+\.\d/);
    if (python) {
      for (const only of ['infer', 'train']) {
        assert.ok(part.torch[only] > 0, `pytorch ${only}: ${JSON.stringify(part.torch)}`);
        if (part.webgpu[only] !== null) assert.equal(part[`${only}Ratio`], part.webgpu[only] / part.torch[only]);
      }
    }
    // The unpacked work folder is removed afterwards.
    assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('crate-gpu-bench.')), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the PyTorch CRATE-α of bench:gpu gives the TypeScript model\'s logits', async () => {
  // scripts/setup.mjs installs python3-torch, so its absence fails.
  const { python, why } = pythonWithTorch();
  assert.ok(python, `no python3 with torch here (${why}); apt-get install python3-torch`);
  await tf.setBackend('cpu');
  const o = { image: 8, patch: 4, channels: 3, dim: 16, depth: 2, heads: 2, classes: 5 };
  const shape = resolveShape('crate-alpha', undefined, o);
  const rng = new Rng(11);
  const host = initializeParameters(shape, rng);
  // Larger than the default init so the blocks do more than pass their input through.
  for (const v of host.values()) if (v.data.some((x) => x !== 0 && x !== 1)) v.data.forEach((x, i) => (v.data[i] = x * 3));
  const images = rng.fill(new Float32Array(2 * o.channels * o.image * o.image), () => rng.normal());
  const p = toParams(host);
  const x = tf.tensor(images, [2, o.channels, o.image, o.image]);
  const { logits } = forward(x, p, shape);
  const want = await logits.data();
  tf.dispose([x, logits, ...Object.values(p)]);

  const dir = mkdtempSync(join(tmpdir(), 'bench-gpu-torch-'));
  try {
    writeFileSync(join(dir, 'w.safetensors'), encodeSafetensors(host));
    writeFileSync(join(dir, 'x.safetensors'), encodeSafetensors(new Map([['images', { shape: [2, o.channels, o.image, o.image], data: images }]])));
    const flags = ['--image', '8', '--patch', '4', '--channels', '3', '--dim', '16', '--depth', '2', '--heads', '2', '--classes', '5'];
    const r = spawnSync(python, [torchModel, 'logits', ...flags, '--weights', join(dir, 'w.safetensors'), '--input', join(dir, 'x.safetensors')], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const got = (JSON.parse(r.stdout) as { logits: number[][] }).logits.flat();
    assert.equal(got.length, want.length);
    assert.ok(maxScaledDiff(Float32Array.from(got), Array.from(want)) < 1e-4, `max diff ${maxScaledDiff(Float32Array.from(got), Array.from(want))}`);
    assert.ok(Math.max(...Array.from(want, Math.abs)) > 1e-3, 'logits are not trivially zero');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** `crate-lab inspect --json` of CRATE-α at 224×224, 1000 classes, as bench:gpu asks it. */
function inspectJson(size: string): { trainingBytesPerImage: number } {
  return runCliJson(['inspect', '--arch', 'crate-alpha', '--size', size, '--image', '224', '--classes', '1000']);
}

test("bench:gpu sizes each batch to the GPU's memory by the trainer's estimate", () => {
  // crate-lab inspect: 315789504 activation bytes per image for base/16, 79398960 for tiny/16;
  // training takes 4 × those (trainingBytesPerImage). On 143771 MiB (the H200): 3/4 is 113.1 GB;
  // base needs 1.263 GB per image, so 64 images (80.8 GB) fit and 128 (161.7 GB) do not; tiny
  // needs 317.6 MB, so 256 (81.3 GB) fit.
  const base = inspectJson('base').trainingBytesPerImage;
  const tiny = inspectJson('tiny').trainingBytesPerImage;
  assert.equal(base, 4 * 315789504);
  assert.equal(tiny, 4 * 79398960);
  const h200 = 143771 * 2 ** 20;
  assert.equal(sizeBatch(base, h200, 256), 64);
  assert.equal(sizeBatch(tiny, h200, 256), 256);
  // An 80 GiB card: base 32 (40.4 GB of 64.4), tiny 128.
  assert.equal(sizeBatch(base, 80 * 2 ** 30, 256), 32);
  assert.equal(sizeBatch(tiny, 80 * 2 ** 30, 256), 128);
  assert.equal(sizeBatch(base, 2 ** 30, 256), 1);
});
