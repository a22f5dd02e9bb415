// Kendall's τ-b (trainer/study/kendall.ts) against the pair-by-pair definition, SciPy's documented
// example and values worked by hand; the granulated coefficient and Ψ (granulated.ts) and the
// bootstrap (bootstrap.ts) against results worked out independently.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { kendallTauB } from '../trainer/study/kendall.js';
import { bootstrapInterval, quantile, resample } from '../trainer/study/bootstrap.js';
import { groupsVaryingOnly, type StudyPoint, studyRow } from '../trainer/study/granulated.js';
import { studySettings } from '../trainer/study/studyRuns.js';
import { Rng } from '../trainer/random/rng.js';
import { bruteTauB } from './support/bruteKendall.js';

test('τ-b: SciPy\'s documented example, hand-worked values and the undefined cases', () => {
  // scipy.stats.kendalltau docs: x1 = [12, 2, 1, 12, 2], x2 = [1, 4, 7, 1, 0] → −0.47140452079103173.
  assert.ok(Math.abs(kendallTauB([12, 2, 1, 12, 2], [1, 4, 7, 1, 0])! - -0.47140452079103173) < 1e-15);
  // No ties: 7 concordant, 3 discordant of 10 pairs.
  assert.equal(kendallTauB([1, 2, 3, 4, 5], [3, 1, 2, 5, 4]), 0.4);
  assert.equal(kendallTauB([1, 2, 3], [10, 20, 30]), 1);
  assert.equal(kendallTauB([1, 2, 3], [30, 20, 10]), -1);
  // Ties in x: pairs (a,b) tied; C = 2 ((a,c), (b,c)), D = 0, n₀ = 3, n₁ = 1, n₂ = 0 → 2/√6.
  assert.ok(Math.abs(kendallTauB([1, 1, 2], [1, 2, 3])! - 2 / Math.sqrt(6)) < 1e-15);
  // Two identical runs: every pair tied, τ undefined (never ±1).
  assert.equal(kendallTauB([0.5, 0.5], [1.2, 1.2]), null);
  assert.equal(kendallTauB([1, 2, 3], [4, 4, 4]), null);
  assert.equal(kendallTauB([1], [2]), null);
  assert.equal(kendallTauB([], []), null);
  assert.throws(() => kendallTauB([1, 2], [1]), /2 x values but 1 y values/);
  assert.throws(() => kendallTauB([1, NaN], [1, 2]), /pair 1 is \(NaN, 2\)/);
});

test('τ-b equals the pair-by-pair definition on 2000 random samples with many ties', () => {
  const rng = new Rng(7);
  for (let trial = 0; trial < 2000; trial++) {
    const n = 2 + rng.int(40);
    const levels = 1 + rng.int(8); // few distinct values: ties in x, in y, and in both
    const x = Array.from({ length: n }, () => rng.int(levels) * 0.5);
    const y = Array.from({ length: n }, () => (rng.next() < 0.5 ? rng.int(levels) : rng.normal()));
    const want = bruteTauB(x, y);
    const got = kendallTauB(x, y);
    if (want === null) assert.equal(got, null, `trial ${trial}: x ${x} y ${y}`);
    else assert.ok(got !== null && Math.abs(got - want) < 1e-12, `trial ${trial}: ${got} vs ${want}`);
  }
});

test('quantile is the type-7 (numpy default) percentile; the bootstrap interval of two groups spans them', () => {
  // numpy.percentile([10, 7, 4, 3, 2, 1], 50) = 3.5 (its documented example, sorted here).
  assert.equal(quantile([1, 2, 3, 4, 7, 10], 0.5), 3.5);
  assert.equal(quantile([1, 2, 3, 4, 7, 10], 0), 1);
  assert.equal(quantile([1, 2, 3, 4, 7, 10], 1), 10);
  assert.ok(Math.abs(quantile([1, 2, 3, 4, 7, 10], 0.25) - 2.25) < 1e-12); // h = 1.25
  // The mean of a resample of two values a < b is a (¼), (a+b)/2 (½) or b (¼): the 2.5th and 97.5th
  // percentiles of 1000 such means are a and b.
  const iv = bootstrapInterval((rng) => {
    const s = resample([-0.5, 0.25], rng);
    return (s[0] + s[1]) / 2;
  });
  assert.deepEqual(iv, { lower: -0.5, upper: 0.25, defined: 1000 });
  // Seeded: the same interval every time; another seed, other draws.
  const draw = (rng: Rng): number => resample([1, 2, 3, 4, 5, 6, 7], rng).reduce((a, b) => a + b, 0);
  assert.deepEqual(bootstrapInterval(draw), bootstrapInterval(draw));
  assert.equal(bootstrapInterval(() => null), null);
});

const point = (run: string, bs: number, lr: number, arch: string, measure: number, gap: number, rest = 'same'): StudyPoint => ({
  run,
  settings: { batchSize: String(bs), learningRate: String(lr), dropout: '0', modelType: JSON.stringify(arch) },
  rest,
  measure,
  gap,
});

test('granulated τ: ψ_h is the mean τ over the groups that differ only in h, Ψ their mean, and the overall τ ranks all runs', () => {
  // A 2×2 grid of batch size × learning rate, one model type.
  const pts = [
    point('a', 32, 0.1, 'crate', 1, 10),
    point('b', 64, 0.1, 'crate', 2, 20), // with a: concordant
    point('c', 32, 0.2, 'crate', 3, 5),
    point('d', 64, 0.2, 'crate', 4, 1), // with c: discordant
    point('e', 64, 0.2, 'crate', 9, 9, 'other seed'), // differs in another setting: in no group
  ];
  assert.deepEqual(groupsVaryingOnly(pts, 'batchSize').map((g) => g.map((p) => p.run)), [['a', 'b'], ['c', 'd']]);
  assert.deepEqual(groupsVaryingOnly(pts, 'learningRate').map((g) => g.map((p) => p.run)), [['a', 'c'], ['b', 'd']]);
  const row = studyRow(pts);
  // batch size: groups {a,b} τ = 1 and {c,d} τ = −1 → ψ = 0.
  assert.equal(row.byHyperparameter.batchSize.value, 0);
  assert.equal(row.byHyperparameter.batchSize.groups, 2);
  assert.equal(row.byHyperparameter.batchSize.runs, 4);
  // learning rate: {a,c}: measure up, gap down → −1; {b,d}: −1 → ψ = −1.
  assert.equal(row.byHyperparameter.learningRate.value, -1);
  // dropout and model type never vary: undefined, n = 0.
  assert.equal(row.byHyperparameter.dropout.value, null);
  assert.equal(row.byHyperparameter.modelType.runs, 0);
  assert.equal(row.psi.value, -0.5);
  assert.equal(row.psi.runs, 4);
  // Overall over the five runs, by the definition.
  assert.equal(row.overall.value, bruteTauB([1, 2, 3, 4, 9], [10, 20, 5, 1, 9]));
  assert.equal(row.overall.runs, 5);
  // ψ of batch size resamples its two groups (τ 1 and −1): the interval is [−1, 1].
  assert.deepEqual(row.byHyperparameter.batchSize.interval && [row.byHyperparameter.batchSize.interval.lower, row.byHyperparameter.batchSize.interval.upper], [-1, 1]);
  // Both learning-rate groups have τ = −1: every resample gives −1.
  assert.deepEqual(row.byHyperparameter.learningRate.interval && [row.byHyperparameter.learningRate.interval.lower, row.byHyperparameter.learningRate.interval.upper], [-1, -1]);
  // Ψ replicates: (mean of a resample of {1, −1}, i.e. 1, 0 or −1 with ¼, ½, ¼) + (−1), halved: 0, −½ or −1.
  assert.deepEqual(row.psi.interval && [row.psi.interval.lower, row.psi.interval.upper], [-1, 0]);
  const iv = row.overall.interval!;
  assert.ok(iv.lower <= row.overall.value! && row.overall.value! <= iv.upper, `overall ${row.overall.value} outside [${iv.lower}, ${iv.upper}]`);
});

test('granulated τ: runs repeated at one value of h form no group, and a group with tied gaps adds no τ', () => {
  const pts = [point('a', 32, 0.1, 'crate', 1, 10), point('b', 32, 0.1, 'crate', 2, 20), point('c', 32, 0.1, 'crate-c', 3, 7), point('d', 32, 0.1, 'crate-n', 4, 7)];
  assert.equal(groupsVaryingOnly(pts, 'batchSize').length, 0);
  const row = studyRow(pts);
  // One model-type group of all four: a and b share a type, but the group holds three types.
  assert.deepEqual(groupsVaryingOnly(pts, 'modelType').map((g) => g.length), [4]);
  assert.equal(row.byHyperparameter.modelType.value, bruteTauB([1, 2, 3, 4], [10, 20, 7, 7]));
  const tied = studyRow([point('a', 32, 0.1, 'crate', 1, 5), point('b', 64, 0.1, 'crate', 2, 5)]);
  assert.equal(tied.byHyperparameter.batchSize.value, null);
  assert.equal(tied.byHyperparameter.batchSize.groups, 0);
  assert.equal(tied.psi.value, null);
});

test('study settings: a config from before model.dropout or model.attentionOnly matches one that spells out their defaults, not one that changes them', () => {
  const config = (model: Record<string, unknown>) => ({ name: 'x', seed: 0, model: { arch: 'crate', width: 16, ...model }, optim: { batchSize: 32, lr: 0.001 } });
  const old = studySettings(config({}));
  const spelled = studySettings(config({ dropout: 0, attentionOnly: false }));
  assert.deepEqual(spelled, old);
  assert.equal(old.settings.dropout, '0');
  assert.notEqual(studySettings(config({ attentionOnly: true })).rest, old.rest, 'attention-only runs are other models');
  assert.notEqual(studySettings(config({ dropout: 0.1 })).settings.dropout, old.settings.dropout);
});

test('study settings: runs that differ in batch size and so in its micro-batch (a resolved config spells out microBatch = batchSize) differ only in batch size', () => {
  const config = (batchSize: number, microBatch: number, seed = 0) => ({ name: `b${batchSize}`, seed, model: { arch: 'crate', width: 16 }, optim: { batchSize, microBatch, lr: 0.001 } });
  const [a, b] = [studySettings(config(128, 128)), studySettings(config(256, 256))];
  assert.equal(a.rest, b.rest);
  assert.notEqual(a.settings.batchSize, b.settings.batchSize);
  const points: StudyPoint[] = [a, b].map((s, i) => ({ run: `r${i}`, ...s, measure: i, gap: i }));
  assert.equal(groupsVaryingOnly(points, 'batchSize').length, 1);
  assert.notEqual(studySettings(config(128, 128, 1)).rest, a.rest, 'another seed is another setting');
});
