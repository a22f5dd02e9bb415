// The granulated Kendall coefficient of Jiang et al. 2020, as the SRR study's table uses it (Hu,
// Zou & Xu 2024; docs/study.md): for each hyperparameter h, ψ_h is the mean τ over the groups of
// runs that differ only in h; Ψ is the mean of the ψ_h; the overall τ ranks all runs at once.
// Each cell carries its n and a percentile bootstrap interval (bootstrap.ts).
import { type BootstrapOptions, bootstrapInterval, defaultBootstrap, type Interval, resample } from './bootstrap.js';
import { kendallTauB } from './kendall.js';

/** The columns of the study's table, and where each run's config sets them. */
export const studyHyperparameters = [
  { id: 'batchSize', label: 'batch size', path: 'optim.batchSize' },
  { id: 'learningRate', label: 'learning rate', path: 'optim.lr' },
  { id: 'dropout', label: 'dropout', path: 'model.dropout' },
  { id: 'modelType', label: 'model type', path: 'model.arch' },
] as const;
export type HyperparameterId = (typeof studyHyperparameters)[number]['id'];

/** One finished run as the table sees it, for one measure. */
export interface StudyPoint {
  run: string;
  /** The run's value of each study hyperparameter, as text (a canonical form: equal settings, equal text). */
  settings: Record<HyperparameterId, string>;
  /** Every other setting that changes the trained model (seed, width, data…), as one text: runs "differ only in h" when this and the other hyperparameters agree. */
  rest: string;
  measure: number;
  gap: number;
}

export interface Cell {
  /** τ (overall), ψ_h (a hyperparameter) or Ψ; null where undefined (no group of two runs, or every value tied). */
  value: number | null;
  /** Runs that entered the value. */
  runs: number;
  /** Groups of runs averaged (ψ_h, Ψ); 1 for the overall τ (0 without runs). */
  groups: number;
  interval: Interval | null;
}

export interface StudyRow {
  byHyperparameter: Record<HyperparameterId, Cell>;
  /** Ψ: the mean of the defined ψ_h. */
  psi: Cell;
  overall: Cell;
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
const tau = (points: readonly StudyPoint[]): number | null => kendallTauB(points.map((p) => p.measure), points.map((p) => p.gap));

/**
 * The groups of runs that differ only in h: equal in every other hyperparameter and setting, and
 * holding at least two values of h (runs repeated at one value say nothing about h).
 */
export function groupsVaryingOnly(points: readonly StudyPoint[], h: HyperparameterId): StudyPoint[][] {
  const groups = new Map<string, StudyPoint[]>();
  for (const p of points) {
    const key = JSON.stringify([p.rest, ...studyHyperparameters.filter((o) => o.id !== h).map((o) => p.settings[o.id])]);
    const g = groups.get(key);
    if (g) g.push(p);
    else groups.set(key, [p]);
  }
  return [...groups.values()].filter((g) => new Set(g.map((p) => p.settings[h])).size >= 2);
}

/** The defined τ of each group, with the group's size. */
function groupTaus(points: readonly StudyPoint[], h: HyperparameterId): { tau: number; runs: string[] }[] {
  return groupsVaryingOnly(points, h).flatMap((g) => {
    const t = tau(g);
    return t === null ? [] : [{ tau: t, runs: g.map((p) => p.run) }];
  });
}

export function studyRow(points: readonly StudyPoint[], options: BootstrapOptions = defaultBootstrap): StudyRow {
  const perH = studyHyperparameters.map((h) => ({ id: h.id, taus: groupTaus(points, h.id) }));
  const byHyperparameter = {} as Record<HyperparameterId, Cell>;
  for (const { id, taus } of perH) {
    const values = taus.map((t) => t.tau);
    byHyperparameter[id] = {
      value: values.length > 0 ? mean(values) : null,
      runs: taus.reduce((n, t) => n + t.runs.length, 0),
      groups: taus.length,
      // The groups are the sampled units: ψ_h is their mean.
      interval: values.length > 0 ? bootstrapInterval((rng) => mean(resample(values, rng)), options) : null,
    };
  }
  const defined = perH.filter((h) => h.taus.length > 0);
  const psi: Cell = {
    value: defined.length > 0 ? mean(defined.map((h) => byHyperparameter[h.id].value!)) : null,
    runs: new Set(defined.flatMap((h) => h.taus.flatMap((t) => t.runs))).size,
    groups: defined.reduce((n, h) => n + h.taus.length, 0),
    // Each ψ_h's groups resampled, as for its own cell, in every replicate.
    interval: defined.length > 0 ? bootstrapInterval((rng) => mean(defined.map((h) => mean(resample(h.taus.map((t) => t.tau), rng)))), options) : null,
  };
  const overallTau = tau(points);
  const overall: Cell = {
    value: overallTau,
    runs: points.length,
    groups: points.length > 0 ? 1 : 0,
    // Runs resampled as pairs (measure, gap); a resample of one distinct run has no τ and is left out.
    interval: overallTau === null ? null : bootstrapInterval((rng) => tau(resample(points, rng)), options),
  };
  return { byHyperparameter, psi, overall };
}
