// A run directory exported for other tools (docs/export.md): every scalar point and per-layer
// metric as long-format CSV at full precision, the attention maps and probe images as .npy, and
// optionally TensorBoard event files. Reads the run without following links (a link inside a run
// directory may lead anywhere) and never changes it.
import { closeSync, lstatSync, mkdirSync, readdirSync, readSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { writeFileAtomic } from '../io/atomicWrite.js';
import { encodeNpy } from '../io/npy.js';
import { NotARegularFile, openRegularFile, readRegularFile } from '../io/regularFile.js';
import { type RunEvent, runFiles } from '../run/format.js';
import { scalarsOfEvent } from '../run/scalarPoints.js';
import { eventFileName, type ScalarSummary, tensorboardEventFile } from './tensorboardEvents.js';
import { exportReadme } from './exportReadme.js';
import type { RunExportSummary } from '../../protocol/runData.js';

/** The run or the output folder cannot be used; the message names which and why. */
export class RunExportError extends Error {
  override name = 'RunExportError';
}

export interface RunExportOptions {
  tensorboard?: boolean;
  /** Write into a non-empty OUT_DIR, replacing files of the same names. */
  force?: boolean;
  /** A damaged line or record that was left out, one line each. */
  warn: (message: string) => void;
}

/** The tag of a per-layer metric in TensorBoard: layers/R/layer_03. */
export function layerTag(metric: string, layer: number): string {
  return `layers/${metric}/layer_${String(layer).padStart(2, '0')}`;
}

export function attentionFileName(step: number): string {
  return `attention-step-${String(step).padStart(8, '0')}.npy`;
}

function readRunFile(runDir: string, name: string): Buffer | undefined {
  const path = join(runDir, name);
  try {
    return readRegularFile(path, { noFollow: true });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (e instanceof NotARegularFile) throw new RunExportError(`${path} ${e.message}`);
    throw new RunExportError(`${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** The complete lines of events.jsonl as records; a line that is not one is left out with a warning naming it. */
function readEvents(runDir: string, warn: (m: string) => void): { events: RunEvent[]; skipped: number } {
  const file = join(runDir, runFiles.events);
  const bytes = readRunFile(runDir, runFiles.events);
  if (bytes === undefined) throw new RunExportError(`${resolve(runDir)} is not a run directory: it has no ${runFiles.events}`);
  const lines = bytes.toString('utf8').split('\n');
  // The text after the last newline is a line still being written (or torn by a kill): not data yet.
  lines.pop();
  const events: RunEvent[] = [];
  let skipped = 0;
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      value = undefined;
    }
    const record = value as { type?: unknown; step?: unknown } | undefined;
    if (record === null || typeof record !== 'object' || typeof record.type !== 'string' || (record.type !== 'log' && typeof record.step !== 'number')) {
      skipped++;
      warn(`${file}:${i + 1}: not an event record; left out of the export`);
      return;
    }
    events.push(value as RunEvent);
  });
  return { events, skipped };
}

/** OUT_DIR made ready: created when missing; refused when it is a link, not a folder, or non-empty without `force`. */
function prepareOutDir(outDir: string, force: boolean): void {
  let s;
  try {
    s = lstatSync(outDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new RunExportError(`${outDir}: cannot use it (${(e as NodeJS.ErrnoException).code})`);
  }
  if (s?.isSymbolicLink()) throw new RunExportError(`${outDir} is a symbolic link; name the folder itself`);
  if (s && !s.isDirectory()) throw new RunExportError(`${outDir} exists and is not a folder`);
  if (s && !force && readdirSync(outDir).length > 0) throw new RunExportError(`${outDir} is not empty (--force writes into it, replacing files of the same names)`);
  try {
    mkdirSync(outDir, { recursive: true });
  } catch (e) {
    throw new RunExportError(`${outDir}: cannot make the folder (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
}

/** The numbers of a `layers` record other than its index: R, Rc, codeZeroFraction, density, srr (whatever it carries). */
function layerMetrics(record: Record<string, unknown>): [string, number][] {
  return Object.entries(record).filter((e): e is [string, number] => e[0] !== 'layer' && typeof e[1] === 'number');
}

function csvLine(fields: (string | number)[]): string {
  return fields.map((f) => (typeof f === 'string' && /[",\n]/.test(f) ? `"${f.replace(/"/g, '""')}"` : String(f))).join(',');
}

/** The probe images' [images, channels, h, w], from config.yaml's model; undefined when they do not fit it. */
function probeShape(runDir: string, bytes: number, warn: (m: string) => void): number[] | undefined {
  let model: { channels?: unknown; image?: unknown } | undefined;
  try {
    model = (parseYaml(readRunFile(runDir, runFiles.config)?.toString('utf8') ?? '') as { model?: typeof model } | null)?.model;
  } catch {
    model = undefined;
  }
  const channels = model?.channels;
  const side = model?.image;
  const images = typeof channels === 'number' && typeof side === 'number' ? bytes / (4 * channels * side * side) : NaN;
  if (!(Number.isInteger(images) && images > 0)) {
    warn(`${join(runDir, runFiles.probe)}: ${bytes} bytes do not fit the model's channels and image size in ${runFiles.config}; probe.npy not written`);
    return undefined;
  }
  return [images, channels as number, side as number, side as number];
}

export function exportRun(runDir: string, outDir: string, options: RunExportOptions): RunExportSummary {
  const { warn } = options;
  let runStat;
  try {
    runStat = lstatSync(runDir);
  } catch {
    throw new RunExportError(`${runDir} does not exist`);
  }
  if (!runStat.isDirectory() && !runStat.isSymbolicLink()) throw new RunExportError(`${runDir} is not a run directory (not a folder)`);
  if (resolve(outDir) === resolve(runDir)) throw new RunExportError(`${outDir} is the run directory itself; name another folder to export into`);
  const { events, skipped } = readEvents(runDir, warn);
  prepareOutDir(outDir, options.force ?? false);

  const files: string[] = [];
  const write = (name: string, data: Uint8Array | string) => {
    const path = join(outDir, name);
    try {
      writeFileAtomic(path, data);
    } catch (e) {
      throw new RunExportError(`${path}: cannot write it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    }
    files.push(name);
  };

  // Long format, in the order of events.jsonl; each value as logged (a JS number prints as the
  // shortest decimal that reads back as the same double, as JSON wrote it).
  const scalarRows = [csvLine(['step', 'key', 'value'])];
  const layerRows = [csvLine(['step', 'layer', 'metric', 'value'])];
  const summaries: ScalarSummary[] = [];
  for (const e of events) {
    const wallTime = Date.parse(e.t) / 1000;
    if (e.type === 'scalars' || e.type === 'eval') {
      const values = Object.entries(scalarsOfEvent(e));
      for (const [key, value] of values) scalarRows.push(csvLine([e.step, key, value]));
      summaries.push({ wallTime, step: e.step, values });
    } else if (e.type === 'layers' && Array.isArray(e.layers)) {
      const values: [string, number][] = [];
      for (const record of e.layers) {
        for (const [metric, value] of layerMetrics(record as unknown as Record<string, unknown>)) {
          layerRows.push(csvLine([e.step, record.layer, metric, value]));
          values.push([layerTag(metric, record.layer), value]);
        }
      }
      summaries.push({ wallTime, step: e.step, values });
    }
  }
  write('scalars.csv', `${scalarRows.join('\n')}\n`);
  write('layers.csv', `${layerRows.join('\n')}\n`);

  const attentionSteps = exportAttention(runDir, events, write, warn);

  let probeImages: number | null = null;
  const probe = readRunFile(runDir, runFiles.probe);
  const shape = probe && probeShape(runDir, probe.length, warn);
  if (probe && shape) {
    write('probe.npy', encodeNpy({ shape, data: new Float32Array(probe.buffer.slice(probe.byteOffset, probe.byteOffset + probe.length)) }));
    probeImages = shape[0];
  }

  if (options.tensorboard) {
    const tbDir = join(outDir, 'tensorboard');
    mkdirSync(tbDir, { recursive: true });
    // A forced export replaces the event files of an earlier one: TensorBoard would read both.
    for (const name of readdirSync(tbDir)) if (name.startsWith('events.out.tfevents.')) rmSync(join(tbDir, name), { force: true });
    const start = events.length > 0 && Number.isFinite(Date.parse(events[0].t)) ? Date.parse(events[0].t) / 1000 : Date.now() / 1000;
    write(join('tensorboard', eventFileName(start)), tensorboardEventFile(start, summaries));
  }

  write('README.txt', exportReadme(resolve(runDir), files, { scalarPoints: scalarRows.length - 1, layerValues: layerRows.length - 1, probeImages }));
  return { runDir: resolve(runDir), outDir: resolve(outDir), files, scalarPoints: scalarRows.length - 1, layerValues: layerRows.length - 1, attentionSteps, probeImages, skippedLines: skipped };
}

/** attention-step-XXXXXXXX.npy per `attention` event, float32 [layers, images, heads, grid, grid] as stored; a record that does not fit attention.bin is left out with a warning. */
function exportAttention(runDir: string, events: RunEvent[], write: (name: string, data: Uint8Array) => void, warn: (m: string) => void): number[] {
  const refs = events.filter((e): e is Extract<RunEvent, { type: 'attention' }> => e.type === 'attention');
  if (refs.length === 0) return [];
  const path = join(runDir, runFiles.attention);
  let opened;
  try {
    opened = openRegularFile(path, { noFollow: true });
  } catch (e) {
    if (e instanceof NotARegularFile) throw new RunExportError(`${path} ${e.message}`);
    warn(`${path}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); no attention maps exported`);
    return [];
  }
  const steps: number[] = [];
  try {
    for (const ref of refs) {
      const shape = [ref.layers, ref.images, ref.heads, ref.grid, ref.grid];
      const ok = shape.every((n) => Number.isSafeInteger(n) && n > 0) && Number.isSafeInteger(ref.offset) && ref.offset >= 0 && ref.length === 4 * shape.reduce((a, b) => a * b, 1);
      if (!ok || ref.offset + ref.length > opened.size) {
        warn(`${path}: the maps of step ${ref.step} (${ref.length} bytes at ${ref.offset}, shape [${shape.join(', ')}]) ${ok ? 'run past the end of the file' : 'do not match their shape'}; left out`);
        continue;
      }
      const data = new Float32Array(ref.length / 4);
      const bytes = new Uint8Array(data.buffer);
      for (let at = 0, n = 1; at < ref.length && n > 0; at += n) n = readSync(opened.fd, bytes, at, ref.length - at, ref.offset + at);
      write(attentionFileName(ref.step), encodeNpy({ shape, data }));
      steps.push(ref.step);
    }
  } finally {
    closeSync(opened.fd);
  }
  return steps;
}
