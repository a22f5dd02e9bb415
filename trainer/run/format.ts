// The run directory (docs/run-directory.md): the contract between the trainer and everything that reads runs
// (the CLI, the language server, the panels). One source of truth for its names and records;
// no tfjs here, so the server can import it.
import { join } from 'node:path';

export const runStatuses = ['running', 'stopping', 'stopped', 'completed', 'failed', 'diverged'] as const;
export type RunStatus = (typeof runStatuses)[number];

/** A run whose trainer may still write to it (and which a stop can reach). */
export function isLiveStatus(status: string | undefined): boolean {
  return status === 'running' || status === 'stopping';
}

/**
 * How the log event that opens a resumed trainer session begins: readers take the events before
 * it back to the checkpoint event it resumed from as the time the run sat stopped.
 */
export const resumedLogPrefix = 'resumed from ';

/** The step a resumed trainer session starts from (its checkpoint's), for the log event that opens it; else undefined. */
export function resumedAtStep(e: RunEvent): number | undefined {
  return e.type === 'log' && typeof e.message === 'string' && e.message.startsWith(resumedLogPrefix) && typeof e.step === 'number' ? e.step : undefined;
}

/** run.json, replaced atomically on every change. */
export interface RunInfo {
  id: string;
  name: string;
  configHash: string;
  status: RunStatus;
  pid: number;
  /** The trainer process's identity (trainerProcess.ts), so that a recycled pid is never taken for it. */
  trainerIdentity?: string;
  host: string;
  /** The backend's one-line description, e.g. "webgpu (NVIDIA H200 via Vulkan, adapter 0; NVIDIA: 580.159.04 …)". */
  backend: string;
  /**
   * The device it computes on, named for people: "NVIDIA H200 via Vulkan" (WebGPU adapter and
   * graphics API), "CPU: <model> (wasm)". Absent in runs written before it existed. A resumed run
   * records the device it resumed on.
   */
  device?: string;
  step: number;
  epoch: number;
  totalSteps: number;
  /** Optimiser steps per epoch (the run's epochs: ⌈totalSteps / stepsPerEpoch⌉). Absent in runs from before it. */
  stepsPerEpoch?: number;
  createdAt: string;
  updatedAt: string;
  /** Refreshed every few seconds while the trainer lives; a stale one means it died. */
  heartbeat: string;
  /** Set when status is failed or diverged. */
  error?: string;
  /** The sweep this run is a member of (docs/run-directory.md, Sweeps): its id and the member's index in sweep.json. */
  sweep?: RunSweep;
}

/** annotations.json: what a researcher says about a run (editable at any time, also while it trains). */
export interface RunAnnotations {
  version: 1;
  /** Short labels, each at most annotationLimits.tagLength characters, no spaces or commas; in the order given, no repeats. */
  tags: string[];
  /** Free text ('' for none). */
  note: string;
}

export const annotationLimits = { tags: 32, tagLength: 64, noteLength: 10_000 } as const;

/** What is wrong with `tag` as a run tag (a phrase), or undefined when it is one. */
export function tagProblem(tag: string): string | undefined {
  if (tag.length === 0) return 'is empty';
  if (tag.length > annotationLimits.tagLength) return `is longer than ${annotationLimits.tagLength} characters`;
  // Tags are typed as a comma- or space-separated list and shown as `#tag`.
  if (/[\s,]/.test(tag)) return 'has a space or a comma';
  if (/[\u0000-\u001f\u007f]/.test(tag)) return 'has a control character';
  return undefined;
}

export interface RunSweep {
  id: string;
  member: number;
}

export interface LayerMetricsRecord {
  layer: number;
  R: number;
  Rc: number;
  codeZeroFraction: number;
  density: number;
  srr: number;
}

/** One line of events.jsonl. `t` is the wall-clock time (ISO), `step` the optimiser step. */
export type RunEvent =
  | { type: 'scalars'; t: string; step: number; epoch: number; loss: number; lr: number; imagesPerSecond: number; accuracy?: number; srrLoss?: number }
  | {
      type: 'eval';
      t: string;
      step: number;
      epoch: number;
      /**
       * Which held-out set: `validation` when it is held out of the training data, `test` when it is
       * the test split (every evaluation of a run without a validation part, and the final one of
       * every completed run whose data set has a test split).
       */
      split: 'validation' | 'test';
      /** The plain cross-entropy (no label smoothing, no regularizer, no dropout) and the accuracy on it. */
      loss: number;
      accuracy: number;
      /** How many examples were evaluated. Absent in runs from before it. */
      examples?: number;
      /**
       * The same figures, at the same weights, on a fixed subset of the training examples (as many
       * as the held-out set, chosen once from the seed; not augmented): the generalization gap's
       * other half (scalarPoints.ts). Absent on a final test evaluation after validation ones, and
       * in runs from before it.
       */
      train?: { loss: number; accuracy: number; examples: number };
    }
  | { type: 'layers'; t: string; step: number; epoch: number; layers: LayerMetricsRecord[] }
  | {
      type: 'attention';
      t: string;
      step: number;
      /** Byte offset and length of float32 maps [layers, images, heads, grid, grid] in attention.bin. */
      offset: number;
      length: number;
      layers: number;
      images: number;
      heads: number;
      grid: number;
      /** The model's class per probe image at this step (argmax of its logits); absent in runs from before it. */
      predictions?: number[];
    }
  | { type: 'checkpoint'; t: string; step: number; epoch: number; dir: string }
  | { type: 'log'; t: string; step?: number; level: 'info' | 'warn' | 'error'; message: string }
  | {
      type: 'status';
      t: string;
      step: number;
      status: RunStatus;
      message?: string;
      /**
       * The SHA-256 (hex) of the whole of scalars.bin when the run ended (no record follows a status
       * event): a reader takes a finished run's scalars.bin only when it still has this digest.
       * Absent when the run kept no scalars.bin, and in runs from before it existed.
       */
      scalarsSha256?: string;
    };

/** probe.json: the true class of each probe image (in probe.bin's order) and the class names. */
export interface ProbeLabels {
  version: 1;
  labels: number[];
  classNames: string[];
}

export const runFiles = {
  info: 'run.json',
  config: 'config.yaml',
  events: 'events.jsonl',
  attention: 'attention.bin',
  /**
   * The scalar points of events.jsonl again, in binary (layout: scalarsLayout), so that a reader
   * gets a finished run's series without parsing its JSON. A derived copy: events.jsonl stays the
   * record, and a reader that finds this file missing, torn or not matching the events reads those.
   */
  scalars: 'scalars.bin',
  /**
   * The probe images the metrics and attention maps are computed on (the first validation images,
   * normalized as the model sees them): float32 little-endian [images, channels, image, image],
   * channels and image as in config.yaml's model. Written once (atomically) when a run with
   * introspection starts; a resume keeps it.
   */
  probe: 'probe.bin',
  /**
   * What the probe images are (ProbeLabels): their labels and the data set's class names, written
   * beside probe.bin (once, atomically; a resume keeps it). Absent in runs from before it.
   */
  probeLabels: 'probe.json',
  /**
   * The complexity measures of the final weights (docs/run-directory.md; schema and writer in
   * trainer/study/measuresFile.ts), written atomically at the end of a completed run, or by
   * `crate-lab study` for a finished run without one.
   */
  measures: 'measures.json',
  /**
   * The researcher's tags and note of the run (RunAnnotations; reader and writer in
   * run/annotationsFile.ts): a file of its own, so that writing it never races the trainer's
   * rewrites of run.json. Replaced atomically; absent until a run is first tagged or noted.
   */
  annotations: 'annotations.json',
  checkpoints: 'checkpoints',
  /** Text file naming the newest complete checkpoint directory (its name only, step-NNNNNNNN); written last. */
  latest: join('checkpoints', 'latest'),
} as const;

/**
 * scalars.bin, all little-endian:
 * - header, 16 bytes: the magic "CRSC", then uint32 version, uint32 recordBytes, uint32 keys.length;
 * - then one record of recordBytes (80) per `scalars` or `eval` event of events.jsonl, in the same
 *   order, appended right after the event's line:
 *     0  float64 step
 *     8  float64 byte offset of the event's line in events.jsonl
 *     16 uint32  byte length of that line, its newline included
 *     20 uint32  kind: the index in `kinds`
 *     24 uint32  bit i set when keys[i] has a value
 *     28 float32 per entry of `keys`: the value scalarsOfEvent gives the event for that key, or NaN
 *        where it gives none (a field not logged, the other split's keys of an eval event, and
 *        non-finite numbers, which events.jsonl holds as null).
 *   The line positions let a reader parse only the lines between them (the other events) and
 *   check that the file and events.jsonl agree.
 * A change to any of this increments `version`; readers take only the versions they know
 * (keysOfVersion), whose records are 28 + 4 × (their keys) bytes.
 */
export const scalarsLayout = {
  magic: 'CRSC',
  version: 2,
  headerBytes: 16,
  recordBytes: 80,
  kinds: ['scalars', 'eval'],
  keys: ['loss', 'lr', 'imagesPerSecond', 'accuracy', 'srrLoss', 'validation.loss', 'validation.accuracy', 'test.loss', 'test.accuracy', 'train.loss', 'train.accuracy', 'gap.loss', 'gap.accuracy'],
  /**
   * The versions a reader takes, with the number of keys each has: keys are only ever appended, so
   * an older file's slots are the first of `keys` (version 1: 9 keys in 64-byte records).
   */
  keysOfVersion: { 1: 9, 2: 13 } as Record<number, number>,
} as const;

/**
 * One checkpoint folder, checkpoints/step-NNNNNNNN/. state.json is the loop state (its schema:
 * checkpointState.ts) with the sizes of events.jsonl, attention.bin and scalars.bin at its step.
 * manifest.json, written last, records `{ format: 1, files: { <name>: { bytes, sha256 } } }` for
 * the other three; a resume takes a checkpoint only when they match it, and otherwise falls back to
 * the newest older one that does. Checkpoints from before manifests have none and are checked for
 * structure only.
 */
export const checkpointFiles = {
  weights: 'weights.safetensors',
  optimizer: 'optimizer.safetensors',
  state: 'state.json',
  manifest: 'manifest.json',
} as const;

/** The time in names of runs, sweeps and launch logs: `20261201-020546` (UTC), sorting as time does. */
export function fileStamp(date = new Date()): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\..*/, '').replace('T', '-');
}

export function checkpointDirName(step: number): string {
  return `step-${String(step).padStart(8, '0')}`;
}

/** Heartbeats older than this mean the trainer is gone. */
export const heartbeatIntervalMs = 2000;
export const staleHeartbeatMs = 8000;
