// `crate-lab inspect` against Table 4 of the CRATE-α paper (parameter counts at 224×224, 1000 classes).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCli, runCliJson } from './support/cli.js';

// Copied from the paper (CRATE-α, Yang et al. 2024, Table 4), not from the code under test.
const table4: Array<[string, number, number]> = [
  ['tiny', 4.8, 1.7],
  ['small', 41.0, 13.1],
  ['base', 72.3, 22.8],
  ['large', 253.8, 77.6],
  ['huge', 526.8, 159.8],
];

for (const [size, alpha, crate] of table4) {
  for (const [arch, expected] of [['crate-alpha', alpha], ['crate', crate]] as const) {
    test(`inspect ${arch} ${size} matches Table 4 (${expected}M) within 0.2M`, () => {
      const r = runCliJson<{ parameters: number; forwardFlopsPerImage: number; shape: { patch: number } }>(['inspect', '--arch', arch, '--size', size]);
      assert.ok(Math.abs(r.parameters / 1e6 - expected) <= 0.2, `${arch} ${size}: ${r.parameters / 1e6}M vs ${expected}M`);
      assert.equal(r.shape.patch, size === 'large' || size === 'huge' ? 14 : 16);
      assert.ok(r.forwardFlopsPerImage > 0);
    });
  }
}

test('inspect counts FLOPs as 2 per multiply-add of the matmuls (CRATE tiny by hand)', () => {
  const r = runCliJson<{ forwardFlopsPerImage: number }>(['inspect', '--arch', 'crate', '--depth', '1', '--width', '8', '--heads', '2', '--image', '4', '--patch', '2', '--channels', '1', '--classes', '3']);
  // 4 patches of 4 pixels → 8; N = 5 tokens, d = 8: qkv 5·64, attention 2·25·8, out 5·64, ISTA 3·5·64; head 8·3.
  const macs = 4 * 4 * 8 + (5 * 64 + 2 * 25 * 8 + 5 * 64 + 3 * 5 * 64) + 8 * 3;
  assert.equal(r.forwardFlopsPerImage, 2 * macs);
});

test('inspect --attention-only: the layers lose the ISTA block and its parameters (CRATE tiny by hand)', () => {
  const args = ['inspect', '--arch', 'crate', '--depth', '2', '--width', '8', '--heads', '2', '--image', '4', '--patch', '2', '--channels', '1', '--classes', '3'];
  const full = runCliJson<{ parameters: number; forwardFlopsPerImage: number }>(args);
  const only = runCliJson<{ parameters: number; forwardFlopsPerImage: number; shape: { attentionOnly: boolean } }>([...args, '--attention-only']);
  assert.equal(only.shape.attentionOnly, true);
  // Per layer: no LayerNorm (2·8) and no ISTA dictionary (8·8); no ISTA matmuls (3·5·64 MACs).
  assert.equal(full.parameters - only.parameters, 2 * (2 * 8 + 8 * 8));
  assert.equal(only.forwardFlopsPerImage, 2 * (4 * 4 * 8 + 2 * (5 * 64 + 2 * 25 * 8 + 5 * 64) + 8 * 3));
});

test('inspect takes free overrides and prints a readable summary', () => {
  const r = runCli(['inspect', '--arch', 'crate-alpha', '--size', 'tiny', '--image', '28', '--patch', '4', '--channels', '1', '--classes', '10']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /parameters\s+4\.\d\dM/);
  assert.match(r.stdout, /28×28×1 images, patch 4, 10 classes/);
});

const badArgs: Array<[string[], RegExp]> = [
  [['inspect', '--arch', 'crate-beta', '--size', 'tiny'], /--arch must be one of crate-alpha, crate, /],
  [['inspect', '--arch', 'crate', '--size', 'gigantic'], /--size must be one of tiny, small/],
  [['inspect', '--arch', 'crate', '--size', 'tiny', '--heads', '5'], /dim 192 is not divisible by heads 5/],
  [['inspect', '--arch', 'crate', '--size', 'tiny', '--image', '30'], /image size 30 is not divisible by patch size 16/],
  [['inspect', '--arch', 'crate', '--size', 'tiny', '--depth=-1'], /--depth must be a positive integer/],
  [['inspect', '--arch', 'crate', '--size', 'tiny', '--depth', '-1'], /Option '--depth' argument is ambiguous/],
  [['inspect', '--arch', 'crate', '--size', 'tiny', '--depth', '2.5'], /--depth must be a positive integer, got "2.5"/],
  [['inspect', '--arch', 'crate', '--depth', '2'], /is required when no size preset is given/],
  [['inspect', '--arch', 'crate', '--size', 'tiny', '--bogus'], /Unknown option '--bogus'/],
  [['inspect'], /inspect needs --arch/],
  // A shape far too large is refused before anything is built (it used to hang).
  [['inspect', '--arch', 'crate', '--depth', '999999999', '--width', '8', '--heads', '2', '--patch', '4', '--image', '8', '--classes', '2'], /^crate-lab inspect: depth must not exceed 128, got 999999999$/m],
  [['inspect', '--arch', 'crate', '--size', 'tiny', '--width', '100000'], /^crate-lab inspect: (--width|dim) must not exceed 8192/m],
  [['lsp'], /^crate-lab lsp: lsp talks LSP over stdin and stdout: crate-lab lsp --stdio$/m],
  [['bench', '--arch', 'crate', '--depth', '1', '--width', '8', '--heads', '2', '--patch', '4', '--image', '8', '--channels', '1', '--warmup', 'abc'], /^crate-lab bench: --warmup must be a non-negative integer, got "abc"$/m],
  // Number() reads "" and "-0" as 0: the warm-up count takes decimal digits only.
  [['bench', '--arch', 'crate', '--depth', '1', '--width', '8', '--heads', '2', '--patch', '4', '--image', '8', '--channels', '1', '--warmup', ''], /^crate-lab bench: --warmup must be a non-negative integer, got ""$/m],
  [['bench', '--arch', 'crate', '--depth', '1', '--width', '8', '--heads', '2', '--patch', '4', '--image', '8', '--channels', '1', '--warmup=-0'], /^crate-lab bench: --warmup must be a non-negative integer, got "-0"$/m],
  // A batch whose random images cannot fit in memory (it was a RangeError, an internal error).
  [['bench', '--arch', 'crate', '--depth', '1', '--width', '8', '--heads', '2', '--patch', '4', '--image', '8', '--channels', '1', '--backend', 'cpu', '--batch', '99999999999'], /^crate-lab bench: --batch 99999999999: its 8×8×1 images alone need \d+\.\d GiB, more than the \d+\.\d GiB of memory here$/m],
  [['lsp', '--socket=5000'], /crate-lab lsp --stdio \(got --socket=5000\)$/m],
  [['frobnicate'], /unknown command "frobnicate"/],
];
for (const [args, message] of badArgs) {
  test(`rejects ${args.join(' ')} with one clear line`, () => {
    const r = runCli(args);
    assert.equal(r.status, 2);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, `more than one line: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /\s+at /, 'no stack trace');
  });
}
