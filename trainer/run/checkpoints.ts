// checkpoints/<step-N>/ holds weights (official names), optimizer moments, the loop state and a
// manifest of those three files' sizes and SHA-256, written last. A checkpoint is written under a
// temporary name and renamed; `latest` is replaced last; older ones are pruned to `keep`. A failed
// write (disk full) leaves the previous checkpoint intact.
//
// Nothing here is reached through a link: a symlinked checkpoints/ folder or step folder is
// refused, and removal (pruning, tidying after a resume) unlinks a link instead of entering it, so
// no write or delete leaves the run directory.
import { createHash } from 'node:crypto';
import { lstatSync, mkdirSync, readdirSync, renameSync, rmSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../io/atomicWrite.js';
import { FileFormatError } from '../io/fileFormatError.js';
import { NotARegularFile, readRegularFile } from '../io/regularFile.js';
import { encodeSafetensors, type NamedTensor, parseSafetensors } from '../io/safetensors.js';
import { type LoopState, parseLoopState } from './checkpointState.js';
import { checkpointDirName, checkpointFiles, runFiles } from './format.js';

export interface Checkpoint {
  dir: string;
  weights: Map<string, NamedTensor>;
  metadata: Record<string, string>;
  optimizer: Map<string, NamedTensor>;
  state: LoopState;
  /** Whether a manifest vouched for its files; checkpoints written before manifests have none. */
  checksummed: boolean;
}

/** The files a manifest covers. */
const checksummedFiles = [checkpointFiles.weights, checkpointFiles.optimizer, checkpointFiles.state] as const;

const fileRecord = z.strictObject({ bytes: z.number().int().nonnegative(), sha256: z.string().regex(/^[0-9a-f]{64}$/, 'not a SHA-256 in hex') });
const manifestSchema = z.strictObject({
  format: z.literal(1),
  files: z.strictObject(Object.fromEntries(checksummedFiles.map((f) => [f, fileRecord])) as Record<(typeof checksummedFiles)[number], typeof fileRecord>),
});
type Manifest = z.infer<typeof manifestSchema>;

const sha256 = (bytes: Buffer): string => createHash('sha256').update(bytes).digest('hex');

const stepFolder = /^step-(\d{8,})$/;

/** The step a checkpoint folder's name says, or undefined for any other name. */
export function checkpointStep(name: string): number | undefined {
  const m = stepFolder.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** checkpoints/ of `runDir`, or a FileFormatError when it is a link or a file (it would lead elsewhere). */
export function checkpointsFolder(runDir: string): string {
  const root = join(runDir, runFiles.checkpoints);
  const kind = entryKind(root);
  if (kind === 'link') throw new FileFormatError(root, 'is a symbolic link, which is not followed here');
  if (kind === 'other') throw new FileFormatError(root, 'is not a folder');
  return root;
}

function entryKind(path: string): 'missing' | 'link' | 'folder' | 'other' {
  try {
    const s = lstatSync(path);
    return s.isSymbolicLink() ? 'link' : s.isDirectory() ? 'folder' : 'other';
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return 'missing';
    throw e;
  }
}

/** Removes a folder with what it holds, or only the link or file that stands at `path`. */
function removeEntry(path: string): void {
  const kind = entryKind(path);
  if (kind === 'folder') rmSync(path, { recursive: true, force: true });
  else if (kind !== 'missing') unlinkSync(path);
}

export function saveCheckpoint(runDir: string, step: number, c: Omit<Checkpoint, 'dir' | 'checksummed'>, keep: number): string {
  const root = checkpointsFolder(runDir);
  const name = checkpointDirName(step);
  const tmp = join(root, `.tmp-${name}-${process.pid}`);
  removeEntry(tmp);
  try {
    mkdirSync(tmp, { recursive: true });
    const files: Record<(typeof checksummedFiles)[number], Buffer> = {
      [checkpointFiles.weights]: encodeSafetensors(c.weights, c.metadata),
      [checkpointFiles.optimizer]: encodeSafetensors(c.optimizer),
      [checkpointFiles.state]: Buffer.from(`${JSON.stringify(c.state, null, 2)}\n`),
    };
    const manifest: Manifest = { format: 1, files: {} as Manifest['files'] };
    for (const f of checksummedFiles) {
      writeFileAtomic(join(tmp, f), files[f]);
      manifest.files[f] = { bytes: files[f].length, sha256: sha256(files[f]) };
    }
    // Last: a folder with a manifest is complete.
    writeFileAtomic(join(tmp, checkpointFiles.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
    removeEntry(join(root, name));
    renameSync(tmp, join(root, name));
  } catch (e) {
    removeEntry(tmp);
    throw e;
  }
  try {
    writeFileAtomic(join(runDir, runFiles.latest), `${name}\n`);
  } catch (e) {
    // Not pointed at, it would only hold the space that is missing; the checkpoints stay as they were.
    removeEntry(join(root, name));
    throw e;
  }
  // Only older ones: the one just written is kept whatever else the folder holds.
  const older = checkpointNames(runDir).filter((n) => checkpointStep(n)! < step);
  for (const old of older.slice(0, Math.max(0, older.length - (keep - 1)))) removeEntry(join(root, old));
  return name;
}

/** The step folders a run keeps (not links, not temporary ones), oldest first. */
export function checkpointNames(runDir: string): string[] {
  const root = join(runDir, runFiles.checkpoints);
  if (entryKind(root) !== 'folder') return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && checkpointStep(d.name) !== undefined)
    .map((d) => d.name)
    .sort((a, b) => checkpointStep(a)! - checkpointStep(b)!);
}

/**
 * The checkpoint folder `latest` names, or undefined when there is no `latest`. It may only name
 * a step folder of this run (never `..`, an absolute path or a path into another run).
 */
export function latestCheckpointName(runDir: string): string | undefined {
  const file = join(runDir, runFiles.latest);
  let text: string;
  try {
    text = readRegularFile(file, { noFollow: true, maxBytes: 256 }).toString('utf8').trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new FileFormatError(file, readFault(e));
  }
  if (checkpointStep(text) === undefined) throw new FileFormatError(file, `names ${JSON.stringify(text.slice(0, 80))}, not a checkpoint folder of this run (step-NNNNNNNN)`);
  return text;
}

export function latestCheckpointDir(runDir: string): string | undefined {
  const name = latestCheckpointName(runDir);
  return name === undefined ? undefined : join(runDir, runFiles.checkpoints, name);
}

/** Why a file cannot be read, as a phrase. */
function readFault(e: unknown): string {
  if (e instanceof NotARegularFile) return e.message;
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'is missing' : `cannot be read (${code ?? (e as Error).message})`;
}

function readCheckpointFile(file: string, maxBytes?: number): Buffer {
  try {
    return readRegularFile(file, { noFollow: true, maxBytes });
  } catch (e) {
    throw new FileFormatError(file, readFault(e));
  }
}

/** The manifest of checkpoint folder `dir`, or undefined for a checkpoint written before manifests. */
function readManifest(dir: string): Manifest | undefined {
  const file = join(dir, checkpointFiles.manifest);
  if (entryKind(file) === 'missing') return undefined;
  const text = readCheckpointFile(file, 64 << 10).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new FileFormatError(file, `is not JSON (${(e as Error).message})`);
  }
  const checked = manifestSchema.safeParse(value);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new FileFormatError(file, `is damaged: ${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`);
  }
  return checked.data;
}

/**
 * A checkpoint folder, read and checked: with a manifest, each file's size and SHA-256 must match
 * it; without one (written before manifests), the files are only checked for structure. Either way
 * state.json must pass its schema and the safetensors files must parse. Any fault is a
 * FileFormatError naming the file.
 */
export function loadCheckpoint(dir: string): Checkpoint {
  const kind = entryKind(dir);
  if (kind === 'link') throw new FileFormatError(dir, 'is a symbolic link, which is not followed here');
  if (kind === 'missing') throw new FileFormatError(dir, 'is missing');
  if (kind === 'other') throw new FileFormatError(dir, 'is not a folder');
  const manifest = readManifest(dir);
  const bytes = (name: (typeof checksummedFiles)[number]): Buffer => {
    const file = join(dir, name);
    const expected = manifest?.files[name];
    const data = readCheckpointFile(file, expected?.bytes);
    if (expected && data.length !== expected.bytes) throw new FileFormatError(file, `is ${data.length} bytes, ${checkpointFiles.manifest} says ${expected.bytes}`);
    if (expected && sha256(data) !== expected.sha256) throw new FileFormatError(file, `does not match its SHA-256 in ${checkpointFiles.manifest}: the file is damaged`);
    return data;
  };
  const stateFile = join(dir, checkpointFiles.state);
  let state: LoopState;
  try {
    state = parseLoopState(bytes(checkpointFiles.state).toString('utf8'));
  } catch (e) {
    if (e instanceof FileFormatError) throw e;
    throw new FileFormatError(stateFile, `is damaged: ${(e as Error).message}`);
  }
  const weightsFile = join(dir, checkpointFiles.weights);
  const weights = parseSafetensors(bytes(checkpointFiles.weights), weightsFile);
  const optimizerFile = join(dir, checkpointFiles.optimizer);
  const optimizer = parseSafetensors(bytes(checkpointFiles.optimizer), optimizerFile);
  return { dir, weights: weights.tensors, metadata: weights.metadata, optimizer: optimizer.tensors, state, checksummed: manifest !== undefined };
}

/**
 * After a resume from checkpoint `name`: removes the step folders after it (their steps are
 * trained again, their events were cut) and the temporary folders of interrupted writes.
 */
export function removeCheckpointsAfter(runDir: string, name: string): void {
  const root = checkpointsFolder(runDir);
  const step = checkpointStep(name)!;
  for (const entry of readdirSync(root)) {
    const after = checkpointStep(entry);
    if (entry.startsWith('.tmp-') || (after !== undefined && after > step)) removeEntry(join(root, entry));
  }
}
