// Host messages built from a real run directory (run.json, events.jsonl, attention.bin), the way
// the extension builds them from the run manager's answers, so panel tests show real runs.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostToPanelMessage, ScalarArrays } from '../../protocol/panelMessages.js';
import type { GetLayerMetricsResult, RunSummary } from '../../protocol/runData.js';
import type { RunEvent, RunInfo } from '../../trainer/run/format.js';
import { readEventsFrom } from '../../trainer/run/eventsReader.js';

export function runEvents(runDir: string): RunEvent[] {
  return readEventsFrom(join(runDir, 'events.jsonl')).events;
}

export function runSummary(runDir: string): RunSummary {
  const info = JSON.parse(readFileSync(join(runDir, 'run.json'), 'utf8')) as RunInfo;
  const last = runEvents(runDir).filter((e) => e.type === 'scalars').pop();
  return {
    id: info.id,
    name: info.name,
    dir: runDir,
    status: info.status,
    statusReason: info.error,
    step: info.step,
    totalSteps: info.totalSteps,
    epoch: info.epoch,
    loss: last?.type === 'scalars' ? last.loss : null,
    imagesPerSecond: last?.type === 'scalars' ? last.imagesPerSecond : null,
    backend: info.backend,
    createdAt: info.createdAt,
    updatedAt: info.updatedAt,
    configHash: info.configHash,
  };
}

/** Every scalar series of the run, keyed as getScalars keys them. */
export function runScalars(runDir: string): Record<string, { step: number[]; value: number[] }> {
  const series: Record<string, { step: number[]; value: number[] }> = {};
  const add = (key: string, step: number, value: number | undefined) => {
    if (value === undefined) return;
    (series[key] ??= { step: [], value: [] }).step.push(step);
    series[key].value.push(value);
  };
  for (const e of runEvents(runDir)) {
    if (e.type === 'scalars') {
      add('loss', e.step, e.loss);
      add('lr', e.step, e.lr);
      add('imagesPerSecond', e.step, e.imagesPerSecond);
      add('accuracy', e.step, e.accuracy);
      add('srrLoss', e.step, e.srrLoss);
    } else if (e.type === 'eval') {
      add(`${e.split}.loss`, e.step, e.loss);
      add(`${e.split}.accuracy`, e.step, e.accuracy);
      if (e.train) {
        // The training subset's figures and the gap at the same weights (docs/run-directory.md).
        add('train.loss', e.step, e.train.loss);
        add('train.accuracy', e.step, e.train.accuracy);
        add('gap.loss', e.step, e.loss - e.train.loss);
        add('gap.accuracy', e.step, e.train.accuracy - e.accuracy);
      }
    }
  }
  return series;
}

export function toArrays(series: Record<string, { step: number[]; value: number[] }>): Record<string, ScalarArrays> {
  return Object.fromEntries(Object.entries(series).map(([k, s]) => [k, { step: Float64Array.from(s.step), value: Float32Array.from(s.value) }]));
}

export function runLayerPoints(runDir: string): GetLayerMetricsResult['points'] {
  return runEvents(runDir).flatMap((e) => (e.type === 'layers' ? [{ step: e.step, layers: e.layers }] : []));
}

export function attentionMessage(runDir: string, step: number, probe: Extract<HostToPanelMessage, { type: 'attention' }>['probe']): Extract<HostToPanelMessage, { type: 'attention' }> {
  const records = runEvents(runDir).flatMap((e) => (e.type === 'attention' ? [e] : []));
  const chosen = [...records].reverse().find((r) => r.step <= step) ?? records[0];
  const bin = readFileSync(join(runDir, 'attention.bin'));
  const maps = new Float32Array(bin.buffer.slice(bin.byteOffset + chosen.offset, bin.byteOffset + chosen.offset + chosen.length));
  return {
    type: 'attention',
    runDir,
    step: chosen.step,
    steps: records.map((r) => r.step),
    layers: chosen.layers,
    images: chosen.images,
    heads: chosen.heads,
    grid: chosen.grid,
    maps,
    probe,
    ...probeLabels(runDir),
    ...(chosen.predictions ? { predictions: chosen.predictions } : {}),
  };
}

/** probe.json's labels and class names, as the server serves them; nothing for a run without it. */
function probeLabels(runDir: string): { labels?: number[]; classNames?: string[] } {
  const file = join(runDir, 'probe.json');
  if (!existsSync(file)) return {};
  const { labels, classNames } = JSON.parse(readFileSync(file, 'utf8')) as { labels: number[]; classNames: string[] };
  return { labels, classNames };
}
