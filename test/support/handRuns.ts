// Run directories made by hand, as the trainer leaves them, with the files the study reads
// (run.json, config.yaml, events.jsonl, measures.json): their gaps, accuracies and measures are
// chosen, so every figure of the study can be worked out independently.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { processIdentity } from '../../trainer/run/trainerProcess.js';

export interface HandRun {
  name: string;
  arch?: string;
  batchSize?: number;
  lr?: number;
  /** Held-out loss of the last evaluation and the training losses before it: gap = heldOut − mean(train). */
  heldOut: number;
  train: number[];
  measures?: Partial<Record<'l2' | 'pathNorm' | 'sumOfSpec' | 'logProdOfSpec' | 'inverseMargin' | 'srr', number | null>>;
  status?: string;
  pid?: number;
  data?: string;
  image?: number;
  sweep?: { id: string; member: number };
  /** model.dropout (absent: not written). */
  dropout?: number;
  /** The config's srr: block (absent: not written, the regularizer off). */
  srr?: { weight: number; layers?: number[] | 'random' };
  /** Accuracy of the last evaluation (0.5 unless given). */
  accuracy?: number;
  /** A final test evaluation after the validation one, with this accuracy (as a completed run with a validation part ends). */
  finalTestAccuracy?: number;
}

/** A run directory as the trainer leaves it, with the files the study reads. */
export function handRun(parent: string, r: HandRun): string {
  const dir = join(parent, r.name);
  mkdirSync(dir, { recursive: true });
  const t = '2026-12-01T00:00:00.000Z';
  const step = r.train.length;
  const pid = r.pid ?? 999_999_999;
  writeFileSync(
    join(dir, 'run.json'),
    JSON.stringify({ id: r.name, name: r.name, configHash: 'x', status: r.status ?? 'completed', pid, trainerIdentity: r.pid ? processIdentity(r.pid) : undefined, host: 'h', backend: 'cpu', step, epoch: 0, totalSteps: step, createdAt: t, updatedAt: t, heartbeat: new Date().toISOString(), ...(r.sweep ? { sweep: r.sweep } : {}) }),
  );
  writeFileSync(
    join(dir, 'config.yaml'),
    `name: ${r.name}\nseed: 0\nbackend: cpu\nmodel:\n  arch: ${r.arch ?? 'crate'}\n  image: ${r.image ?? 16}\n  width: 16\n${r.dropout !== undefined ? `  dropout: ${r.dropout}\n` : ''}data:\n  kind: ${r.data ?? 'synthetic-subspaces'}\noptim:\n  batchSize: ${r.batchSize ?? 32}\n  lr: ${r.lr ?? 0.001}\nintrospect:\n  every: ${r.name.length}\n${r.srr ? `srr:\n  weight: ${r.srr.weight}\n${r.srr.layers !== undefined ? `  layers: ${JSON.stringify(r.srr.layers)}\n` : ''}` : ''}`,
  );
  const lines = r.train.map((loss, i) => JSON.stringify({ type: 'scalars', t, step: i + 1, epoch: 0, loss, lr: 0.001, imagesPerSecond: 1 }));
  // With a final test evaluation the validation one carries its training-subset loss (the gap's other half), as the trainer's do.
  const trainSubset = r.finalTestAccuracy !== undefined ? { train: { loss: r.train.reduce((a, b) => a + b, 0) / r.train.length, accuracy: 0.9, examples: 10 } } : {};
  lines.push(JSON.stringify({ type: 'eval', t, step, epoch: 0, split: 'validation', loss: r.heldOut, accuracy: r.accuracy ?? 0.5, ...trainSubset }));
  if (r.finalTestAccuracy !== undefined) lines.push(JSON.stringify({ type: 'eval', t, step, epoch: 0, split: 'test', loss: r.heldOut + 1, accuracy: r.finalTestAccuracy }));
  writeFileSync(join(dir, 'events.jsonl'), `${lines.join('\n')}\n`);
  if (r.measures) {
    const m = { l2: 1, pathNorm: 1, sumOfSpec: 1, logProdOfSpec: 1, inverseMargin: 1, srr: 1, ...r.measures };
    writeFileSync(
      join(dir, 'measures.json'),
      JSON.stringify({ version: 1, step, checkpoint: null, computedAt: t, computedBy: 'trainer', data: { images: 10, srrImages: 4, codingRateEps: 0.5 }, measures: m, margin: 0.5, srrPerLayer: [m.srr], matrices: [] }),
    );
  }
  return dir;
}

