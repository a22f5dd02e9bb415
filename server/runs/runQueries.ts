// The run requests that read: scalars (downsampled), attention maps with their probe images, and
// the comparison of several runs. Each loads the runs it needs from the index (WatchedRuns.run).
import { closeSync, readFileSync, readSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ResponseError } from 'vscode-languageserver';
import { NotARegularFile, openRegularFile } from '../../trainer/io/regularFile.js';
import { ErrorCodes } from '../../protocol/errorCodes.js';
import type { CompareRunsParams, CompareRunsResult, FinalMetrics, GetAttentionResult, GetScalarsParams, GetScalarsResult } from '../../protocol/runData.js';
import { isLiveStatus, type ProbeLabels, runFiles } from '../../trainer/run/format.js';
import { kendallTauB } from '../../trainer/study/kendall.js';
import { incomparability } from '../../trainer/study/studyRuns.js';
import { alignSeries, configDiff, downsampleMinMax } from './runAnalysis.js';
import type { RunState } from './runStore.js';
import type { ScalarTable } from './scalarTable.js';
import type { WatchedRuns } from './watchedRuns.js';

export function getScalars(runs: WatchedRuns, { runDir, keys, since, maxPoints }: GetScalarsParams): GetScalarsResult {
  const run = runs.run(runDir);
  const series: GetScalarsResult['series'] = {};
  const tables: ScalarTable[] = [run.scalars, run.evals];
  for (const table of tables) {
    const from = since === undefined ? 0 : table.firstAfter(since);
    for (const [key, column] of table.columns) {
      if (keys && !keys.includes(key)) continue;
      series[key] = downsampleMinMax({ step: table.steps, value: column }, maxPoints ?? Infinity, from, table.length);
    }
  }
  for (const key of keys ?? []) series[key] ??= { step: [], value: [] };
  const stepsPerEpoch = run.info?.stepsPerEpoch;
  return { runDir: run.dir, lastStep: run.lastStep, series, resumedAt: [...run.resumedAt], ...(stepsPerEpoch ? { stepsPerEpoch } : {}) };
}

export function getAttention(runs: WatchedRuns, runDir: string, step: number): GetAttentionResult | null {
  const run = runs.run(runDir);
  if (run.attention.length === 0) return null;
  let ref = run.attention[0];
  for (const a of run.attention) if (a.step <= step) ref = a;
  const buf = Buffer.alloc(ref.length);
  let fd: number;
  try {
    ({ fd } = openRegularFile(join(run.dir, runFiles.attention), { noFollow: true }));
  } catch (e) {
    throw new ResponseError(ErrorCodes.AttentionTruncated, `${runFiles.attention} of ${run.dir} cannot be read: ${e instanceof NotARegularFile ? e.message : (e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    const n = readSync(fd, buf, 0, ref.length, ref.offset);
    if (n !== ref.length) throw new ResponseError(ErrorCodes.AttentionTruncated, `${runFiles.attention} is shorter than its index says (step ${ref.step})`);
  } finally {
    closeSync(fd);
  }
  const damage = attentionDamage(buf);
  if (damage) throw new ResponseError(ErrorCodes.AttentionTruncated, `${runFiles.attention} of ${run.dir} is damaged at step ${ref.step}: ${damage}`);
  return {
    runDir: run.dir,
    step: ref.step,
    steps: run.attention.map((a) => a.step),
    layers: ref.layers,
    images: ref.images,
    heads: ref.heads,
    grid: ref.grid,
    encoding: 'base64-float32le',
    data: buf.toString('base64'),
    probe: probeOf(run),
    ...probeLabelsOf(run, ref.images),
    ...(ref.predictions?.length === ref.images ? { predictions: ref.predictions } : {}),
  };
}

export function compareRuns(index: WatchedRuns, { runDirs, maxPoints }: CompareRunsParams): CompareRunsResult {
  // A member deleted since the panel opened is named in `missing`, not an error: the others are still compared.
  const runs: RunState[] = [];
  const missing: string[] = [];
  for (const d of runDirs) {
    const run = presentRun(index, d);
    if (run) runs.push(run);
    else missing.push(resolve(d));
  }
  const series: CompareRunsResult['series'] = {};
  for (const key of ['loss', 'accuracy', 'train.loss', 'train.accuracy', 'validation.loss', 'validation.accuracy', 'gap.loss']) {
    const per = runs.map((r) => {
      const table = key.includes('.') ? r.evals : r.scalars;
      const column = table.columns.get(key);
      return column ? downsampleMinMax({ step: table.steps, value: column }, maxPoints ?? Infinity, 0, table.length) : { step: [], value: [] };
    });
    if (per.some((p) => p.step.length > 0)) series[key] = alignSeries(per);
  }
  const configs = runs.map((r) => r.config() ?? null);
  const final: FinalMetrics[] = runs.map((r) => {
    const summary = r.summary();
    return {
      runDir: r.dir,
      id: summary.id,
      status: summary.status,
      step: summary.step,
      trainLoss: r.scalars.last('loss'),
      trainSubsetLoss: r.evals.last('train.loss'),
      validationLoss: r.evals.last('validation.loss'),
      validationAccuracy: r.evals.last('validation.accuracy'),
      testLoss: r.evals.last('test.loss'),
      testAccuracy: r.evals.last('test.accuracy'),
      srr: r.finalSrr(),
      // Held-out minus training-subset loss at one evaluation (docs/run-directory.md); runs from
      // before the training subset have none.
      generalizationGap: r.evals.last('gap.loss'),
      accuracyGap: r.evals.last('gap.accuracy'),
    };
  });
  return { runDirs: runs.map((r) => r.dir), series, configDiff: configDiff(configs), final, kendallTau: tauOf(final, configs), missing };
}

/** The run of `runDir`, or undefined when its directory is gone (deleted, or never a run). */
function presentRun(index: WatchedRuns, runDir: string): RunState | undefined {
  try {
    const run = index.run(runDir);
    return run.exists() ? run : undefined;
  } catch (e) {
    if (e instanceof ResponseError && e.code === ErrorCodes.NotARunDirectory) return undefined;
    throw e;
  }
}

/**
 * Kendall's τ-b of the SRR measure with the gap, over the runs that have both and have finished
 * (a run still training moves its point at every refresh); none across data sets or image sizes.
 */
function tauOf(final: readonly FinalMetrics[], configs: readonly unknown[]): CompareRunsResult['kendallTau'] {
  const stillTraining = final.filter((f) => isLiveStatus(f.status)).length;
  const paired = final.filter((f) => !isLiveStatus(f.status) && f.srr !== null && Number.isFinite(f.srr) && f.generalizationGap !== null && Number.isFinite(f.generalizationGap));
  const refused = incomparability(paired.map((f) => ({ dir: f.runDir, config: (configs[final.indexOf(f)] ?? {}) as Record<string, unknown> })));
  if (refused) return { tau: null, runs: paired.length, stillTraining, refused };
  const tau = paired.length >= 2 ? kendallTauB(paired.map((f) => f.srr!), paired.map((f) => f.generalizationGap!)) : null;
  return { tau, runs: paired.length, stillTraining };
}

/**
 * What is wrong with attention maps read from attention.bin, if anything: each map is a softmax
 * row's weights, so a value that is not a number in [0, 1] means the file is damaged (not drawn).
 */
function attentionDamage(bytes: Buffer): string | undefined {
  if (bytes.length % 4 !== 0) return `${bytes.length} bytes is not a whole number of float32 values`;
  const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= 0 && v <= 1)) return `value ${i} is ${v}, not an attention weight in [0, 1]`;
  }
  return undefined;
}

/**
 * A run's probe.json (labels and class names of the probe images); nothing when it is missing
 * (a run from before it) or does not describe `images` images, so the maps are still shown.
 */
function probeLabelsOf(run: RunState, images: number): Pick<GetAttentionResult, 'labels' | 'classNames'> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(join(run.dir, runFiles.probeLabels), 'utf8'));
  } catch {
    return {};
  }
  const { labels, classNames } = (parsed ?? {}) as Partial<ProbeLabels>;
  if (!Array.isArray(labels) || !Array.isArray(classNames) || labels.length < images) return {};
  if (!labels.every((l) => Number.isInteger(l) && l >= 0 && l < classNames.length) || !classNames.every((c) => typeof c === 'string')) return {};
  return { labels: labels.slice(0, images), classNames };
}

/** A run's probe.bin, its dimensions from config.yaml's model; null when it is missing or does not fit them. */
function probeOf(run: RunState): GetAttentionResult['probe'] {
  let bytes: Buffer;
  try {
    bytes = readFileSync(join(run.dir, runFiles.probe));
  } catch {
    return null;
  }
  const model = (run.config() as { model?: { channels?: unknown; image?: unknown } } | undefined)?.model;
  const channels = model?.channels;
  const side = model?.image;
  if (typeof channels !== 'number' || typeof side !== 'number' || channels < 1 || side < 1) return null;
  const images = bytes.length / (4 * channels * side * side);
  if (!Number.isInteger(images) || images < 1) return null;
  return { images, channels, height: side, width: side, encoding: 'base64-float32le', data: bytes.toString('base64') };
}
