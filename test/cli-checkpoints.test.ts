// infer and metrics on checkpoints of shapes the reference does not have (other sizes, 1 or 3
// channels, other classes, every architecture), written by our own writer with and without
// metadata, against the independent float64 model and coding rates in support/.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ArchId, type ModelShape, resolveShape, type ShapeOverrides } from '../trainer/model/architecture.js';
import { shapeMetadata } from '../trainer/model/checkpointShape.js';
import { initializeParameters } from '../trainer/model/initialize.js';
import { writeNpy } from '../trainer/io/npy.js';
import { writeSafetensors } from '../trainer/io/safetensors.js';
import { Rng } from '../trainer/random/rng.js';
import { runCli, runCliJson } from './support/cli.js';
import { type NaiveLayerTrace, naiveLogits } from './support/naiveModel.js';
import { naiveR, naiveRc } from './support/naiveMetrics.js';
import { maxRelDiff, maxScaledDiff } from './support/reference.js';

const tmp = mkdtempSync(join(tmpdir(), 'crate-cli-'));

function makeCase(arch: ArchId, o: ShapeOverrides, withMetadata: boolean, seed: number) {
  const shape: ModelShape = resolveShape(arch, undefined, o);
  const rng = new Rng(seed);
  const host = initializeParameters(shape, rng);
  for (const t of host.values()) if (t.data.some((v) => v !== 0 && v !== 1)) t.data.forEach((v, i) => (t.data[i] = v * 3));
  const name = `${arch}-${shape.channels}c-${shape.classes}k-${seed}`;
  const weights = join(tmp, `${name}.safetensors`);
  writeSafetensors(weights, host, withMetadata ? shapeMetadata(shape) : {});
  const images = rng.fill(new Float32Array(3 * shape.channels * shape.image * shape.image), () => rng.normal());
  const input = join(tmp, `${name}.npy`);
  writeNpy(input, { shape: [3, shape.channels, shape.image, shape.image], data: images });
  return { shape, host, images, weights, input };
}

const cases: Array<[ArchId, ShapeOverrides, boolean]> = [
  ['crate-alpha', { image: 16, patch: 4, channels: 3, dim: 24, depth: 3, heads: 4, classes: 5 }, true],
  ['crate-alpha', { image: 12, patch: 3, channels: 1, dim: 16, depth: 2, heads: 2, classes: 100, overcomplete: 2 }, false],
  ['crate', { image: 16, patch: 8, channels: 3, dim: 24, depth: 2, heads: 3, classes: 2 }, false],
  ['crate-c', { image: 12, patch: 4, channels: 1, dim: 12, depth: 2, heads: 2, classes: 4 }, true],
  ['crate-t', { image: 12, patch: 4, channels: 3, dim: 12, depth: 2, heads: 3, classes: 4 }, true],
  ['vit', { image: 8, patch: 4, channels: 3, dim: 16, depth: 2, heads: 4, classes: 6 }, false],
  // The SRR study's attention-only layers: told by the metadata, or by the missing second halves.
  ['crate-n', { image: 12, patch: 4, channels: 1, dim: 12, depth: 3, heads: 2, classes: 4, attentionOnly: true }, true],
  ['crate', { image: 12, patch: 4, channels: 1, dim: 12, depth: 2, heads: 3, classes: 4, attentionOnly: true }, false],
];

cases.forEach(([arch, o, withMetadata], seed) => {
  test(`infer and metrics on a ${arch} checkpoint ${JSON.stringify(o)} ${withMetadata ? 'with' : 'without'} metadata`, () => {
    const c = makeCase(arch, o, withMetadata, seed);
    // Without metadata only the head count is not in the tensor shapes.
    const flags = withMetadata ? [] : ['--heads', String(c.shape.heads)];
    const infer = runCliJson<{ logits: number[][]; shape: ModelShape }>(['infer', '--checkpoint', c.weights, '--input', c.input, '--backend', 'cpu', ...flags]);
    assert.deepEqual(infer.shape, c.shape);
    const traces: NaiveLayerTrace[][] = [];
    const want = naiveLogits(c.host, c.shape, c.images, traces);
    assert.ok(maxScaledDiff(infer.logits.flat(), want.flat()) <= 1e-4, `logits differ by ${maxScaledDiff(infer.logits.flat(), want.flat())}`);

    if (arch === 'vit') return; // no subspaces: Rc is defined for the CRATE family only
    const m = runCliJson<{ layers: Array<{ R: number[]; Rc: number[]; codeZeroFraction: number }> }>(['metrics', '--checkpoint', c.weights, '--input', c.input, '--backend', 'cpu', ...flags]);
    assert.equal(m.layers.length, c.shape.depth, 'a metrics record per layer');
    m.layers.forEach((layer, l) => {
      const wqkv = c.host.get(`transformer.layers.${l}.0.fn.qkv.weight`)!.data;
      const R = traces.map((t) => naiveR(t[l].z, 0.5));
      const Rc = traces.map((t) => naiveRc(t[l].z, wqkv, c.shape.heads, 0.5));
      assert.ok(maxRelDiff(layer.R, R) <= 1e-3, `layer ${l} R ${layer.R} vs ${R}`);
      assert.ok(maxRelDiff(layer.Rc, Rc) <= 1e-3, `layer ${l} Rc ${layer.Rc} vs ${Rc}`);
      // Exact zeros can differ where float32 and float64 round a value near zero differently.
      const codes = traces.flatMap((t) => t[l].code.flatMap((v) => Array.from(v)));
      const zeros = codes.filter((v) => v === 0).length / codes.length;
      assert.ok(Math.abs(layer.codeZeroFraction - zeros) <= 0.01, `layer ${l} zeros ${layer.codeZeroFraction} vs ${zeros}`);
      if (!c.shape.attentionOnly) assert.ok(zeros > 0.05, 'the codes are sparse'); // an attention-only layer has no sparse code
    });
  });
});

test('a checkpoint without metadata and without --heads is one clear error', () => {
  const c = makeCase('crate', { image: 8, patch: 4, channels: 1, dim: 8, depth: 1, heads: 2, classes: 3 }, false, 99);
  const r = runCli(['infer', '--checkpoint', c.weights, '--input', c.input]);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /heads not in the file's metadata and not inferable from its tensors; pass --heads/);
});

test('mismatched inputs, shapes and files are one clear error each', () => {
  const fifo = join(tmp, 'weights.fifo');
  if (!existsSync(fifo)) assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');
  const c = makeCase('crate-alpha', { image: 8, patch: 4, channels: 3, dim: 8, depth: 1, heads: 2, classes: 3 }, true, 98);
  const other = makeCase('crate', { image: 12, patch: 4, channels: 1, dim: 8, depth: 1, heads: 2, classes: 3 }, true, 97);
  const perImage = 3 * 8 * 8;
  const withValue = (data: Float32Array, at: number, v: number) => {
    const copy = Float32Array.from(data);
    copy[at] = v;
    return copy;
  };
  const nanInput = join(tmp, 'nan-input.npy');
  writeNpy(nanInput, { shape: [3, 3, 8, 8], data: withValue(c.images, perImage + 5, NaN) });
  const infInput = join(tmp, 'inf-input.npy');
  writeNpy(infInput, { shape: [3, 3, 8, 8], data: withValue(c.images, 2 * perImage, -Infinity) });
  const nanWeights = join(tmp, 'nan-weights.safetensors');
  const [firstName, first] = [...c.host][0];
  writeSafetensors(nanWeights, new Map([...c.host, [firstName, { shape: first.shape, data: withValue(first.data, 3, NaN) }]]), shapeMetadata(c.shape));
  const cases: Array<[string[], RegExp]> = [
    [['infer', '--checkpoint', c.weights, '--input', other.input], /input images are 1×12×12; the model takes N×3×8×8/],
    [['infer', '--checkpoint', c.weights, '--input', c.input, '--arch', 'crate'], /tensor to_patch_embedding\.1\.weight is missing for crate/],
    [['infer', '--checkpoint', c.weights, '--input', c.input, '--depth', '2'], /tensor transformer\.layers\.1\.0\.norm\.weight is missing/],
    [['infer', '--checkpoint', join(tmp, 'nope.safetensors'), '--input', c.input], /nope\.safetensors: cannot read: ENOENT/],
    [['infer', '--checkpoint', c.input, '--input', c.input], /not a valid safetensors file/],
    [['infer', '--checkpoint', c.weights, '--input', c.weights], /not a valid \.npy file/],
    [['infer', '--checkpoint', c.weights], /infer needs --input X\.npy/],
    [['metrics', '--checkpoint', c.weights, '--input', c.input, '--eps=-1'], /--eps must be a number from 0.000001 to 100, got "-1"/],
    // ε² underflows to 0 (an infinite α in the coding rate): refused, not an internal error.
    [['metrics', '--checkpoint', c.weights, '--input', c.input, '--eps', '1e-300'], /--eps must be a number from 0.000001 to 100, got "1e-300"/],
    // Non-finite inputs and weights are named where they are.
    [['metrics', '--checkpoint', c.weights, '--input', nanInput], new RegExp(`^crate-lab metrics: ${nanInput}: image 1 holds NaN at element 5; the values must be finite$`, 'm')],
    [['infer', '--checkpoint', c.weights, '--input', infInput], new RegExp(`^crate-lab infer: ${infInput}: image 2 holds -Infinity at element 0; the values must be finite$`, 'm')],
    [['infer', '--checkpoint', nanWeights, '--input', c.input], new RegExp(`^crate-lab infer: ${nanWeights}: tensor \\S+ holds NaN at element 3; the weights must be finite$`, 'm')],
    [['infer', '--checkpoint', c.weights, '--input', c.input, '--backend', 'tpu'], /--backend must be one of auto, /],
    // Files that are not regular files: a device that never ends, a FIFO nobody writes, a folder.
    [['infer', '--checkpoint', c.weights, '--input', '/dev/zero'], /^crate-lab infer: \/dev\/zero: cannot read: it is a character device, not a regular file$/m],
    [['infer', '--checkpoint', fifo, '--input', c.input], new RegExp(`^crate-lab infer: ${fifo}: cannot read: it is a FIFO, not a regular file$`, 'm')],
    [['infer', '--checkpoint', c.weights, '--input', tmp], new RegExp(`^crate-lab infer: ${tmp}: cannot read: it is a folder, not a regular file$`, 'm')],
    // Output paths that cannot be written: refused before any work, naming the flag.
    [['infer', '--checkpoint', c.weights, '--input', c.input, '--output', join(tmp, 'absent', 'logits.npy')], new RegExp(`^crate-lab infer: --output ${tmp}/absent/logits\\.npy: the folder ${tmp}/absent does not exist$`, 'm')],
    [['infer', '--checkpoint', c.weights, '--input', c.input, '--output', tmp], new RegExp(`^crate-lab infer: --output ${tmp} is a folder; name a file to write$`, 'm')],
    [['infer', '--checkpoint', c.weights, '--input', c.input, '--output', join(c.input, 'logits.npy')], new RegExp(`^crate-lab infer: --output ${c.input}/logits\\.npy: ${c.input} is not a folder$`, 'm')],
    // Written beside and renamed over, a FIFO (or a device, as root) would be replaced by a file.
    [['infer', '--checkpoint', c.weights, '--input', c.input, '--output', fifo], new RegExp(`^crate-lab infer: --output ${fifo} is a FIFO; name a regular file to write$`, 'm')],
    [['metrics', '--checkpoint', c.weights, '--input', c.input, '--attention-out', join(tmp, 'absent', 'maps.npy')], /^crate-lab metrics: --attention-out .*\/absent\/maps\.npy: the folder .*\/absent does not exist$/m],
  ];
  for (const [args, message] of cases) {
    const r = runCli(args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
});
