// A training run from start or from its latest checkpoint to the end (docs/training.md, docs/run-directory.md). Everything
// random is derived from (seed, step), and the checkpoint holds weights, optimizer moments and
// the append-only files' sizes, so a resumed run repeats an uninterrupted one bit for bit.
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { tf, type Tensor } from '../tf.js';
import { initBackend } from '../backend/select.js';
import { guardWebgpu } from '../backend/webgpu.js';
import { configHash, modelShape, type ResolvedConfig, stringifyConfig } from '../config/index.js';
import { openDataset } from '../data/openDataset.js';
import { type ModelShape, ShapeError } from '../model/architecture.js';
import { checkpointShape, shapeMetadata } from '../model/checkpointShape.js';
import { resamplePatchSize } from '../model/resamplePatch.js';
import { type Dropout, SeededDropout } from '../model/dropout.js';
import type { ForwardResult } from '../model/forward.js';
import { initializeParameters } from '../model/initialize.js';
import { loadWeightsForShape } from '../model/loadCheckpoint.js';
import { FileFormatError } from '../io/fileFormatError.js';
import type { Params } from '../model/params.js';
import { rateReductionGap } from '../metrics/srrRegularizer.js';
import type { NamedTensor } from '../io/safetensors.js';
import { derivedRng } from '../random/derivedRng.js';
import { randomStreams } from '../random/streams.js';
import { Rng } from '../random/rng.js';
import { type Checkpoint, checkpointNames, latestCheckpointDir, removeCheckpointsAfter, saveCheckpoint } from '../run/checkpoints.js';
import type { LoopState } from '../run/checkpointState.js';
import { checkpointDirName, checkpointFiles, fileStamp, type RunStatus, type RunSweep, resumedLogPrefix, runFiles } from '../run/format.js';
import { fsFault, makeDirectories } from '../run/fsFault.js';
import { RunWriter } from '../run/runWriter.js';
import { RunFileError, checkRunFiles } from '../run/runFileAccess.js';
import { RunLockedError, TrainerGuard } from '../run/trainerGuard.js';
import { type AdamW, adamWFor, scaleToNorm } from './adamw.js';
import { type DataFeed, openFeed } from './dataFeed.js';
import { evaluate } from './evaluate.js';
import { guardStep } from './stepGuard.js';
import { StopSignal } from './stopSignal.js';
import { yieldToEventLoop } from './eventLoop.js';
import { batchGradients, readStatistics } from './gradients.js';
import { modelVariables } from './modelVariables.js';
import { introspect, writeProbeImages } from './introspection.js';
import { backendMicroBatch } from './microBatch.js';
import { chooseResumePoint, eventsThroughCheckpoint } from './resumePoint.js';
import { learningRate, warmupSteps } from './schedule.js';
import { sumTensors } from './sumTensors.js';
import { TrainingSetupError } from './setupError.js';
import { writeComplexityMeasures } from '../study/complexityMeasures.js';
import { measureData } from '../study/measureData.js';


export interface Progress {
  step: number;
  totalSteps: number;
  epoch: number;
  loss: number;
  imagesPerSecond: number;
  etaSeconds: number;
}

export interface RunOutcome {
  runDir: string;
  status: RunStatus;
  step: number;
  message?: string;
}

export interface RunHooks {
  onStart?(runDir: string, backend: string): void;
  onProgress?(p: Progress): void;
  onEvent?(message: string): void;
}


function totalSteps(config: ResolvedConfig, stepsPerEpoch: number): number {
  const byEpochs = config.optim.epochs > 0 ? config.optim.epochs * stepsPerEpoch : Infinity;
  const bySteps = config.optim.maxSteps > 0 ? config.optim.maxSteps : Infinity;
  const total = Math.min(byEpochs, bySteps);
  if (!Number.isFinite(total)) throw new TrainingSetupError('optim.epochs and optim.maxSteps are both 0: the run would never end');
  return total;
}

interface Session {
  config: ResolvedConfig;
  shape: ModelShape;
  feed: DataFeed;
  vars: Record<string, tf.Variable>;
  trainable: string[];
  optimizer: AdamW;
  run: RunWriter;
  total: number;
  warmup: number;
  backend: string;
  /** Listening since before run.json named this process. */
  stop: StopSignal;
}

async function prepare(config: ResolvedConfig): Promise<{ shape: ModelShape; feed: DataFeed; backend: string }> {
  let backend: string;
  try {
    backend = (await initBackend(config.backend, { threads: config.threads > 0 ? config.threads : undefined })).detail;
  } catch (e) {
    throw new TrainingSetupError(`backend ${config.backend}: ${(e as Error).message}`);
  }
  const train = await openDataset(config.data, 'train');
  const test = await openDataset(config.data, 'test');
  const shape = modelShape(config.model);
  if (train.channels !== shape.channels || train.height !== shape.image || train.width !== shape.image) {
    throw new TrainingSetupError(`model takes ${shape.channels}×${shape.image}×${shape.image} images, the data set has ${train.channels}×${train.height}×${train.width}`);
  }
  if (train.classes > shape.classes) throw new TrainingSetupError(`model.classes ${shape.classes} is less than the data set's ${train.classes} classes`);
  if (config.srr.weight > 0 && shape.arch === 'vit') throw new TrainingSetupError('srr: the ViT baseline has no subspaces to regularize');
  try {
    return { shape, feed: openFeed(train, test, config), backend };
  } catch (e) {
    throw new TrainingSetupError((e as Error).message);
  }
}

function newRunId(name: string): string {
  const stamp = fileStamp();
  return `${stamp}-${name.replace(/[^A-Za-z0-9_.-]/g, '_')}-${randomBytes(2).toString('hex')}`;
}

/**
 * A new run directory in config.runsDir. Its id is drawn again if another trainer took the same
 * one in the same second, so runs started together never share a directory.
 */
function createRun(config: ResolvedConfig, backend: string, total: number, stepsPerEpoch: number, sweep: RunSweep | undefined): RunWriter {
  try {
    makeDirectories(config.runsDir);
  } catch (e) {
    throw new TrainingSetupError(`cannot create the runs directory ${config.runsDir}: ${fsFault(e)}`);
  }
  for (let attempt = 1; ; attempt++) {
    const id = newRunId(config.name);
    try {
      return RunWriter.create(join(config.runsDir, id), { id, name: config.name, configHash: configHash(config), backend, totalSteps: total, stepsPerEpoch, ...(sweep ? { sweep } : {}) }, stringifyConfig(config));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST' && attempt < 10) continue;
      throw new TrainingSetupError(`cannot write a run directory in ${config.runsDir}: ${fsFault(e)}`);
    }
  }
}

/** The weights a new run starts from: `model.initFrom`'s, or drawn from the seed. */
function initialWeights(config: ResolvedConfig, shape: ModelShape): Map<string, NamedTensor> {
  const from = config.model.initFrom;
  if (from === undefined) return initializeParameters(shape, new Rng(config.seed));
  try {
    return loadWeightsForShape(from, shape);
  } catch (e) {
    // The file's own errors name it and the fault (missing, not safetensors, which tensor differs).
    if (e instanceof FileFormatError || e instanceof ShapeError) throw new TrainingSetupError(`model.initFrom: ${e.message}`);
    throw e;
  }
}

/** probe.bin and probe.json only serve viewers (attention maps over their images): failing to write them is logged, not fatal. */
function saveProbeImages(feed: DataFeed, config: ResolvedConfig, run: RunWriter): void {
  try {
    writeProbeImages(feed, config, run.dir);
  } catch (e) {
    try {
      run.log('warn', `${runFiles.probe} or ${runFiles.probeLabels} not written: ${fsFault(e)}`);
    } catch {
      // The disk is what failed; the loop's own writes will say so.
    }
  }
}

/** Starts a new run in config.runsDir; `sweep` when it is a sweep's member (recorded in run.json). */
export async function startRun(config: ResolvedConfig, hooks: RunHooks = {}, sweep?: RunSweep): Promise<RunOutcome> {
  const { shape, feed, backend } = await prepare(config);
  const total = totalSteps(config, feed.stepsPerEpoch);
  let host: Map<string, NamedTensor>;
  let run: RunWriter;
  const stop = new StopSignal();
  try {
    // Before the run directory exists: a bad initFrom leaves nothing behind.
    host = initialWeights(config, shape);
    run = createRun(config, backend, total, feed.stepsPerEpoch, sweep);
    stop.attach(run);
    run.guard = await TrainerGuard.acquire(run.dir);
  } catch (e) {
    stop.dispose();
    feed.close();
    throw e;
  }
  saveProbeImages(feed, config, run);
  const model = modelVariables(shape, host);
  const { vars, trainable } = model;
  const optimizer = adamWFor(config.optim, model);
  run.log('info', `started on ${backend}: ${shape.arch} depth ${shape.depth} width ${shape.dim}, ${total} steps${config.model.initFrom ? `, weights from ${config.model.initFrom}` : ''}`);
  hooks.onStart?.(run.dir, backend);
  return loop({ config, shape, feed, vars, trainable, optimizer, run, total, warmup: warmupSteps(config.optim.warmup, total), backend, stop }, 0, hooks);
}

/**
 * Continues a run from its latest usable checkpoint (resumePoint.ts); `config` is its config.yaml,
 * possibly overridden. Takes the run's lock first: a second trainer of the same run fails before
 * it reads or writes.
 */
export async function resumeRun(runDir: string, config: ResolvedConfig, hooks: RunHooks = {}): Promise<RunOutcome> {
  let guard: TrainerGuard;
  try {
    guard = await TrainerGuard.acquire(runDir);
  } catch (e) {
    throw e instanceof RunLockedError ? new TrainingSetupError(e.message) : e;
  }
  try {
    checkRunFiles(runDir); // before the checkpoint loads (RunWriter.reopen checks again before it writes)
    return await resumeLocked(runDir, config, hooks, guard);
  } catch (e) {
    await guard.release();
    throw e instanceof RunFileError ? new TrainingSetupError(e.message) : e;
  }
}

async function resumeLocked(runDir: string, config: ResolvedConfig, hooks: RunHooks, guard: TrainerGuard): Promise<RunOutcome> {
  const point = chooseResumePoint(runDir);
  const ckpt = point.checkpoint;
  const { shape, feed, backend } = await prepare(config);
  const total = totalSteps(config, feed.stepsPerEpoch);
  const adapted = adaptToShape(ckpt, shape);
  const model = modelVariables(shape, adapted.weights);
  const { vars, trainable } = model;
  const optimizer = adamWFor(config.optim, model);
  optimizer.restore(ckpt.optimizer, ckpt.state.adamStep, new Set(adapted.changed));
  const stop = new StopSignal();
  let run: RunWriter;
  try {
    const eventsBytes = eventsThroughCheckpoint(runDir, point);
    run = RunWriter.reopen(runDir, { ...ckpt.state, eventsBytes: eventsBytes ?? ckpt.state.eventsBytes }, stringifyConfig(config), guard);
    stop.attach(run);
    if (eventsBytes === undefined) run.event({ type: 'checkpoint', step: ckpt.state.step, epoch: ckpt.state.epoch, dir: point.name });
    removeCheckpointsAfter(runDir, point.name);
  } catch (e) {
    stop.dispose();
    feed.close();
    // The variables are registered by name: left, they would block another run in this process.
    optimizer.dispose();
    tf.dispose(Object.values(vars));
    throw e;
  }
  if (point.passedOver.length > 0) {
    const message = `resuming from ${point.name}, the newest usable checkpoint; passed over ${point.passedOver.join('; ')}`;
    run.log('warn', message, ckpt.state.step);
    hooks.onEvent?.(message);
  }
  if (!ckpt.checksummed) run.log('info', `${point.name} has no ${checkpointFiles.manifest} (written before checkpoints had checksums): checked for structure only`, ckpt.state.step);
  saveProbeImages(feed, config, run); // only when missing (a run from before probe.bin, or introspection turned on)
  run.update({ backend, totalSteps: total, stepsPerEpoch: feed.stepsPerEpoch, configHash: configHash(config), step: ckpt.state.step, epoch: ckpt.state.epoch });
  run.log('info', `${resumedLogPrefix}${point.name} on ${backend}${adapted.changed.length > 0 ? ` with patch ${shape.patch} (resampled ${adapted.changed.join(', ')})` : ''}`, ckpt.state.step);
  hooks.onStart?.(runDir, backend);
  return loop({ config, shape, feed, vars, trainable, optimizer, run, total, warmup: warmupSteps(config.optim.warmup, total), backend, stop }, ckpt.state.step, hooks);
}

/** A checkpoint's weights for the resumed shape: only the patch (and so the token grid) may change. */
function adaptToShape(ckpt: Checkpoint, shape: ModelShape): { weights: Map<string, NamedTensor>; changed: string[] } {
  const from = checkpointShape({ tensors: ckpt.weights, metadata: ckpt.metadata }, {}, ckpt.dir);
  const fixed = ['arch', 'dim', 'depth', 'heads', 'channels', 'classes', 'overcomplete', 'decoupled', 'residual', 'attentionOnly'] as const;
  const differs = fixed.filter((k) => from[k] !== shape[k]);
  if (differs.length > 0) throw new TrainingSetupError(`resume can change the patch size, not ${differs.join(', ')} (checkpoint ${ckpt.dir})`);
  if (from.patch === shape.patch && from.image === shape.image) return { weights: ckpt.weights, changed: [] };
  return resamplePatchSize(ckpt.weights, from, shape);
}

function srrLoss(config: ResolvedConfig, shape: ModelShape, step: number): ((r: ForwardResult, p: Params) => Tensor) | undefined {
  const { weight, layers, eps } = config.srr;
  if (weight <= 0) return undefined;
  const chosen = layers === 'random' ? [derivedRng(config.seed, randomStreams.srrLayer, step).int(shape.depth)] : layers.filter((l) => l < shape.depth);
  return (r, p) =>
    sumTensors(chosen.map((l) => rateReductionGap(r.layers[l].mssaInput, p[`transformer.layers.${l}.0.fn.qkv.weight`], shape.heads, eps).mean())).mul(weight);
}

/** Step `step`'s dropout: its masks follow from (seed, step, example), so a resumed run draws the same. */
function dropoutOf(config: ResolvedConfig, step: number): ((first: number, count: number) => Dropout) | undefined {
  const rate = config.model.dropout;
  return rate > 0 ? (first, count) => new SeededDropout(rate, config.seed, step, first, count) : undefined;
}

async function writeCheckpoint(s: Session, step: number, epoch: number): Promise<string> {
  s.run.sync();
  const weights = new Map<string, NamedTensor>();
  for (const [name, v] of Object.entries(s.vars)) weights.set(name, { shape: v.shape, data: (await v.data()) as Float32Array });
  const state: LoopState = { step, epoch, configHash: s.run.info.configHash, adamStep: s.optimizer.step, seed: s.config.seed, ...s.run.appendOnlySizes() };
  const name = saveCheckpoint(s.run.dir, step, { weights, metadata: shapeMetadata(s.shape), optimizer: await s.optimizer.state(), state }, s.config.checkpoint.keep);
  s.run.event({ type: 'checkpoint', step, epoch, dir: name });
  return name;
}

/**
 * The newest checkpoint whose weights are known to give a finite loss. The one written after
 * step `weightsStep` holds the very weights whose loss was not finite, so it does not count.
 */
function lastGoodCheckpoint(runDir: string, weightsStep: number): string | undefined {
  return checkpointNames(runDir).filter((name) => name < checkpointDirName(weightsStep)).pop();
}

const percent = (x: number): string => `${(100 * x).toFixed(2)}%`;

/**
 * An evaluation (docs/run-directory.md): the held-out set and, at the same weights, the fixed
 * training subset, whose difference is the generalization gap; at the end, also the test split
 * when the held-out set is not it, so that every completed run ends with its test figures.
 */
async function evaluateAt(s: Session, step: number, epoch: number, final: boolean, hooks: RunHooks): Promise<void> {
  const { feed, vars, shape, run } = s;
  const batchSize = s.config.optim.batchSize;
  const heldOut = await guardWebgpu(() => evaluate(feed.heldOut, vars, shape, batchSize));
  const train = await guardWebgpu(() => evaluate(feed.trainSubset, vars, shape, batchSize));
  run.event({ type: 'eval', step, epoch, split: feed.heldOut.split, ...heldOut, train });
  hooks.onEvent?.(
    `step ${step}: ${feed.heldOut.split} loss ${heldOut.loss.toFixed(4)}, accuracy ${percent(heldOut.accuracy)}; training subset loss ${train.loss.toFixed(4)}, accuracy ${percent(train.accuracy)}; gap ${(heldOut.loss - train.loss).toFixed(4)}`,
  );
  if (!final || feed.test === feed.heldOut) return;
  if (feed.test === undefined) {
    run.log('info', `no test evaluation: the data set has no test split of its own (its ${feed.heldOut.size} validation examples are the held-out set)`, step);
    return;
  }
  const testSet = feed.test;
  const test = await guardWebgpu(() => evaluate(testSet, vars, shape, batchSize));
  run.event({ type: 'eval', step, epoch, split: 'test', ...test });
  hooks.onEvent?.(`step ${step}: test loss ${test.loss.toFixed(4)}, accuracy ${percent(test.accuracy)}`);
}

async function loop(s: Session, startStep: number, hooks: RunHooks): Promise<RunOutcome> {
  const { config, shape, feed, run } = s;
  const batchSize = config.optim.batchSize;
  // Off this thread: a micro-batch may compute for longer than a reader waits for a beat.
  run.guard?.startHeartbeat();
  // After the heartbeat starts: on a GPU this probes the device's memory.
  const fitting = await backendMicroBatch(shape, batchSize);
  const { memory } = fitting;
  const microBatch = Math.min(config.optim.microBatch, fitting.microBatch);
  if (microBatch < config.optim.microBatch) run.log('info', `micro-batches of ${microBatch} images (optim.microBatch ${config.optim.microBatch} would not fit ${memory.source})`, startStep);
  else if (memory.maxTensorBytes !== undefined) run.log('info', `micro-batches of ${microBatch} images fit ${memory.source}`, startStep);
  let step = startStep;
  let rate = 0;
  // Where the time goes, reported at the end: introspection must stay a small share of training.
  const seconds = { train: 0, eval: 0, introspect: 0, checkpoint: 0 };
  const timed = async <T>(key: keyof typeof seconds, f: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    try {
      return await f();
    } finally {
      seconds[key] += (performance.now() - t) / 1000;
    }
  };
  const finish = (status: RunStatus, message?: string): RunOutcome => {
    run.update({ status, step, error: status === 'failed' || status === 'diverged' ? message : undefined });
    run.event({ type: 'status', step, status, message, ...run.scalarsDigest() });
    return { runDir: run.dir, status, step, message };
  };
  /** A checkpoint that cannot be written ends the run: training on could only lose more steps. */
  const checkpointOrFail = async (epoch: number): Promise<RunOutcome | undefined> => {
    try {
      await timed('checkpoint', () => writeCheckpoint(s, step, epoch));
      return undefined;
    } catch (e) {
      const intact = latestCheckpointDir(run.dir)?.split('/').pop();
      const message = `checkpoint at step ${step} failed: ${fsFault(e)}; ${intact ? `${intact} is intact; once fixed, resume with: crate-lab resume ${run.dir}` : 'there is no earlier checkpoint'}`;
      run.log('error', message, step);
      return finish('failed', message);
    }
  };
  try {
    while (step < s.total) {
      await yieldToEventLoop();
      if (s.stop.stopRequested) {
        return (await checkpointOrFail(Math.floor(step / feed.stepsPerEpoch))) ?? finish('stopped', `stopped at step ${step}; resume with: crate-lab resume ${run.dir}`);
      }
      const t0 = performance.now();
      const epoch = Math.floor(step / feed.stepsPerEpoch);
      const batch = feed.trainBatch(step);
      const images = tf.tensor(batch.images, [batchSize, shape.channels, shape.image, shape.image]);
      const labels = tf.tensor1d(batch.labels, 'int32');
      const srr = srrLoss(config, shape, step);
      const dropout = dropoutOf(config, step);
      const { grads, stats } = await guardStep(microBatch, async () => {
        const computed = await batchGradients(s.vars, s.trainable, images, labels, shape, microBatch, config.optim.labelSmoothing, srr, config.optim.gradClip > 0, dropout);
        tf.dispose([images, labels]);
        // The one read of the step (the events log every step's loss): while the device works,
        // timers and signal handlers run.
        return { grads: computed.grads, stats: await readStatistics(computed, batchSize, srr !== undefined) };
      });
      const loss = stats.loss;
      if (!Number.isFinite(loss)) {
        tf.dispose(Object.values(grads));
        const good = lastGoodCheckpoint(run.dir, step);
        const message = `loss became ${loss} at step ${step + 1}${good ? `; last good checkpoint: ${good}` : '; no good checkpoint kept'} (try a lower optim.lr)`;
        run.log('error', message, step + 1);
        return finish('diverged', message);
      }
      if (stats.gradNorm !== undefined) scaleToNorm(grads, stats.gradNorm, config.optim.gradClip);
      const lr = learningRate(step, { lr: config.optim.lr, minLr: config.optim.minLr, warmupSteps: s.warmup, totalSteps: s.total });
      s.optimizer.apply(grads, lr);
      tf.dispose(Object.values(grads));
      step++;
      const stepSeconds = (performance.now() - t0) / 1000;
      seconds.train += stepSeconds;
      rate = rate === 0 ? batchSize / stepSeconds : 0.9 * rate + 0.1 * (batchSize / stepSeconds);
      run.event({ type: 'scalars', step, epoch, loss, lr, imagesPerSecond: rate, accuracy: stats.accuracy, ...(stats.extraLoss === undefined ? {} : { srrLoss: stats.extraLoss }) });
      run.update({ step, epoch });
      hooks.onProgress?.({ step, totalSteps: s.total, epoch, loss, imagesPerSecond: rate, etaSeconds: ((s.total - step) * batchSize) / rate });

      const endOfEpoch = step % feed.stepsPerEpoch === 0;
      const evalNow = config.eval.every === 'epoch' ? endOfEpoch : step % config.eval.every === 0;
      if (evalNow || step === s.total) await timed('eval', () => evaluateAt(s, step, epoch, step === s.total, hooks));
      if (config.introspect.every > 0 && (step % config.introspect.every === 0 || step === s.total)) {
        await timed('introspect', () => guardWebgpu(() => introspect(feed, s.vars, shape, config, run, step, epoch)));
      }
      if (step % config.checkpoint.every === 0 || step === s.total) {
        const failed = await checkpointOrFail(epoch);
        if (failed) return failed;
      }
    }
    const share = seconds.train > 0 ? (100 * seconds.introspect) / seconds.train : 0;
    const measureStart = performance.now();
    await writeMeasures(run, config, shape, s.vars, step);
    const measuring = (performance.now() - measureStart) / 1000;
    run.log('info', `time: training ${seconds.train.toFixed(1)} s, evaluation ${seconds.eval.toFixed(1)} s, introspection ${seconds.introspect.toFixed(1)} s (${share.toFixed(1)}% of training), checkpoints ${seconds.checkpoint.toFixed(1)} s, complexity measures ${measuring.toFixed(1)} s`, step);
    return finish('completed');
  } catch (e) {
    const message = (e as Error).message ?? String(e);
    try {
      run.log('error', message, step);
      finish('failed', message);
    } catch {
      // The disk may be what failed; the original error is the one to report.
    }
    throw e;
  } finally {
    await run.guard?.release();
    s.stop.dispose();
    feed.close();
    s.optimizer.dispose();
    tf.dispose(Object.values(s.vars));
  }
}

/**
 * The complexity measures of the final weights (measures.json, docs/study.md), written as a
 * completed run's last act. A failure is logged, not fatal: the run did complete, and
 * `crate-lab study` computes what is missing from the final checkpoint.
 */
async function writeMeasures(run: RunWriter, config: ResolvedConfig, shape: ModelShape, params: Params, step: number): Promise<void> {
  try {
    await writeComplexityMeasures(run.dir, shape, params, await measureData(config), { step, checkpoint: checkpointDirName(step), computedBy: 'trainer', codingRateEps: config.introspect.codingRateEps });
  } catch (e) {
    run.log('warn', `complexity measures not written: ${(e as Error).message ?? String(e)}; crate-lab study computes them from the final checkpoint`, step);
  }
}
