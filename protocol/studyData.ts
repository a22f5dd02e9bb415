// The data of crateLab/study (protocol/customMessages.ts): the SRR study's table over finished
// runs (docs/study.md) as the Compare panel shows it. Types only. The server builds it with
// trainer/study (reading measures.json, never computing measures); these types restate the shape
// of its cells because the protocol may not import trainer/study.

export interface StudyParams {
  /** Absolute run directories (or sweep folders, which stand for their members' newest runs). */
  runDirs: string[];
}

/** One cell of the table: τ (overall), ψ_h or Ψ, with n and its percentile bootstrap interval. */
export interface StudyCell {
  /** null where undefined (no group of two runs, ties throughout). */
  value: number | null;
  /** Runs that entered the value. */
  runs: number;
  /** Groups of runs averaged (ψ_h, Ψ); 1 for the overall τ. */
  groups: number;
  interval: { lower: number; upper: number; defined: number } | null;
}

export interface StudyRow {
  /** Measure id (`l2`, `pathNorm`, `sumOfSpec`, `logProdOfSpec`, `inverseMargin`, `srr`). */
  measure: string;
  label: string;
  /** cells[i] belongs to columns[i]. */
  cells: StudyCell[];
}

/** A run the table ranked: a point of each measure's scatter. */
export interface StudyPoint {
  runDir: string;
  id: string;
  name: string;
  /** `model.arch`. */
  modelType: string;
  /** The regularizer setting's label (`off`, `random layer, weight 0.1`, …). */
  regularizer: string;
  /** Held-out − training-subset loss (docs/study.md). */
  gap: number;
  /** Final held-out accuracy, null when not finite. */
  accuracy: number | null;
  /** By measure id; null where undefined (1/margin with γ ≤ 0). */
  measures: Record<string, number | null>;
}

export interface RegularizerCell {
  accuracy: number;
  runs: number;
  /** Against the same model type with the regularizer off; null for `off` and without such runs. */
  change: number | null;
}

export interface RegularizerStudy {
  settings: { key: string; label: string }[];
  /** cells[i] belongs to settings[i]; null where no run has that setting. */
  rows: { modelType: string; cells: (RegularizerCell | null)[] }[];
  splits: ('validation' | 'test')[];
  leftOut: string[];
  /** Whether any run had the regularizer on. */
  used: boolean;
}

export interface StudyResult {
  /** `batchSize`, `learningRate`, `dropout`, `modelType`, `psi`, `overall`, with their labels. */
  columns: { id: string; label: string }[];
  /** One per measure; empty when `refused`. */
  rows: StudyRow[];
  bootstrap: { resamples: number; level: number; seed: number };
  /** The runs ranked (completed, with measures.json and a gap). */
  points: StudyPoint[];
  /** Every other run given, with the reason (still training, no measures.json, …). */
  leftOut: { runDir: string; reason: string }[];
  /** Why the runs cannot be studied together (different data sets or image sizes); then nothing is ranked. */
  refused?: string;
  /** The regularizer's accuracy table over the completed runs (those without measures.json too); null when refused. */
  regularizer: RegularizerStudy | null;
  /** The tables as `crate-lab study --format csv|latex [--table regularizer]` prints them (null when refused, or without the regularizer). */
  exports: { csv: string; latex: string; regularizerCsv: string | null; regularizerLatex: string | null } | null;
}
