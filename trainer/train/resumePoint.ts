// Where a resume starts: the checkpoint `latest` names when it is whole and fits the run's files,
// else the newest older one that does (each one passed over is said, with why). A checkpoint
// fits when its files match their manifest, its state names its own step, its weights and
// optimizer moments have the tensors of its model shape, and the append-only file sizes it
// records lie inside those files at line and value boundaries; a resume cuts the files back to
// those sizes, so a wrong one would erase or duplicate events.
import { closeSync, readSync } from 'node:fs';
import { join } from 'node:path';
import { FileFormatError } from '../io/fileFormatError.js';
import { openRegularFile } from '../io/regularFile.js';
import { ShapeError } from '../model/architecture.js';
import { checkpointShape, checkTensorsMatch } from '../model/checkpointShape.js';
import { parameterSpecs } from '../model/parameters.js';
import { type Checkpoint, checkpointNames, checkpointStep, checkpointsFolder, latestCheckpointName, loadCheckpoint } from '../run/checkpoints.js';
import { checkpointFiles, runFiles } from '../run/format.js';
import { runFileSize } from '../run/runFileAccess.js';
import { TrainingSetupError } from './setupError.js';

export interface ResumePoint {
  checkpoint: Checkpoint;
  /** Its folder's name, e.g. step-00000040. */
  name: string;
  /** The newer checkpoints passed over, each "<file>: <what is wrong>". */
  passedOver: string[];
}

/** The append-only files a resume cuts back, with their sizes (0 when absent). */
type FileSizes = Record<typeof runFiles.events | typeof runFiles.attention | typeof runFiles.scalars, number>;

/** Sizes of events.jsonl, attention.bin and scalars.bin; a link, folder or device there is refused (a resume truncates them). */
function appendOnlyFileSizes(runDir: string): FileSizes {
  // resumeRun has refused links and non-regular files already (checkRunFiles); sizes only here.
  const sizes = {} as FileSizes;
  for (const name of [runFiles.events, runFiles.attention, runFiles.scalars] as const) sizes[name] = runFileSize(join(runDir, name));
  return sizes;
}

/** Up to `length` bytes of events.jsonl from `offset`. */
function readEvents(runDir: string, offset: number, length: number): Buffer {
  const { fd } = openRegularFile(join(runDir, runFiles.events), { noFollow: true });
  try {
    const buf = Buffer.alloc(length);
    return buf.subarray(0, readSync(fd, buf, 0, length, offset));
  } finally {
    closeSync(fd);
  }
}

/** Throws a FileFormatError naming what makes checkpoint `c` (folder `name`) unfit to resume from. */
function checkFits(c: Checkpoint, name: string, runDir: string, sizes: FileSizes): void {
  const stateFile = join(c.dir, checkpointFiles.state);
  const { step, eventsBytes, attentionBytes } = c.state;
  if (step !== checkpointStep(name)) throw new FileFormatError(stateFile, `step ${step} is not the step of its folder ${name}`);
  if (eventsBytes > sizes[runFiles.events]) throw new FileFormatError(stateFile, `eventsBytes ${eventsBytes} is beyond the end of ${runFiles.events} (${sizes[runFiles.events]} bytes)`);
  if (eventsBytes > 0 && readEvents(runDir, eventsBytes - 1, 1)[0] !== 0x0a) throw new FileFormatError(stateFile, `eventsBytes ${eventsBytes} is not at the end of a line of ${runFiles.events}`);
  if (attentionBytes > sizes[runFiles.attention]) throw new FileFormatError(stateFile, `attentionBytes ${attentionBytes} is beyond the end of ${runFiles.attention} (${sizes[runFiles.attention]} bytes)`);
  const weightsFile = join(c.dir, checkpointFiles.weights);
  const shape = checkpointShape({ tensors: c.weights, metadata: c.metadata }, {}, weightsFile);
  checkTensorsMatch({ tensors: c.weights, metadata: c.metadata }, shape, weightsFile);
  const optimizerFile = join(c.dir, checkpointFiles.optimizer);
  const moments = parameterSpecs(shape).filter((p) => p.trainable).flatMap((p) => ['m', 'v'].map((k) => ({ name: `${k}.${p.name}`, shape: p.shape })));
  for (const m of moments) {
    const t = c.optimizer.get(m.name);
    if (!t) throw new FileFormatError(optimizerFile, `tensor ${m.name} is missing`);
    if (t.shape.join(',') !== m.shape.join(',')) throw new FileFormatError(optimizerFile, `tensor ${m.name} has shape [${t.shape.join(', ')}], the weights need [${m.shape.join(', ')}]`);
  }
  if (c.optimizer.size !== moments.length) throw new FileFormatError(optimizerFile, `holds ${c.optimizer.size} tensors, the weights have ${moments.length} moments`);
}

/**
 * The checkpoint to resume `runDir` from. A damaged run directory (a link where a file or folder
 * should be, a `latest` naming anything but a step folder) is a FileFormatError; no usable
 * checkpoint left is a TrainingSetupError naming each one and why.
 */
export function chooseResumePoint(runDir: string): ResumePoint {
  const root = checkpointsFolder(runDir);
  const sizes = appendOnlyFileSizes(runDir);
  const latest = latestCheckpointName(runDir);
  if (latest === undefined) throw new TrainingSetupError(`${runDir} has no checkpoint to resume from`);
  const latestStep = checkpointStep(latest)!;
  const older = checkpointNames(runDir).filter((n) => checkpointStep(n)! < latestStep).reverse();
  const passedOver: string[] = [];
  for (const name of [latest, ...older]) {
    try {
      const checkpoint = loadCheckpoint(join(root, name));
      checkFits(checkpoint, name, runDir, sizes);
      return { checkpoint, name, passedOver };
    } catch (e) {
      if (!(e instanceof FileFormatError || e instanceof ShapeError)) throw e;
      passedOver.push(e.message);
    }
  }
  throw new TrainingSetupError(`${runDir} has no usable checkpoint: ${passedOver.join('; ')}`);
}

/**
 * Where events.jsonl is cut on resuming from `point`: after the checkpoint's own `checkpoint`
 * event, which follows the recorded size (it is written once the checkpoint is complete), so that
 * the event of a checkpoint that is kept survives. Undefined when that line is not there (a crash
 * came between the checkpoint and its event): the caller writes the event again.
 */
export function eventsThroughCheckpoint(runDir: string, point: ResumePoint): number | undefined {
  const { eventsBytes, step } = point.checkpoint.state;
  let tail: Buffer;
  try {
    tail = readEvents(runDir, eventsBytes, 64 << 10);
  } catch {
    return undefined; // no events.jsonl (checked to be a file or absent)
  }
  const end = tail.indexOf(0x0a);
  if (end < 0) return undefined;
  try {
    const e = JSON.parse(tail.toString('utf8', 0, end)) as { type?: unknown; step?: unknown; dir?: unknown };
    return e?.type === 'checkpoint' && e.step === step && e.dir === point.name ? eventsBytes + end + 1 : undefined;
  } catch {
    return undefined;
  }
}
