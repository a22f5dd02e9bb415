// Reading run.json: every reader (the server, resume, stop) checks it against RunInfo's types
// here, so a damaged record is one reason naming the field, never a crash somewhere later (a
// `createdAt` of 7 once broke the run list of every run). Fields it does not know are kept.
import { join } from 'node:path';
import { z } from 'zod';
import { NotARegularFile, readRegularFile } from '../io/regularFile.js';
import { type RunInfo, runFiles, runStatuses } from './format.js';

const count = z.number().int().nonnegative();
const isoTime = z.string().refine((s) => !Number.isNaN(Date.parse(s)), 'not a date and time');

const runInfoSchema = z.looseObject({
  id: z.string(),
  name: z.string(),
  configHash: z.string(),
  status: z.enum(runStatuses),
  pid: z.number().int(),
  trainerIdentity: z.string().optional(),
  host: z.string(),
  backend: z.string(),
  device: z.string().optional(),
  step: count,
  epoch: count,
  totalSteps: count,
  stepsPerEpoch: z.number().int().positive().optional(),
  createdAt: isoTime,
  updatedAt: isoTime,
  heartbeat: isoTime,
  error: z.string().optional(),
  sweep: z.object({ id: z.string(), member: count }).optional(),
}) satisfies z.ZodType<RunInfo>;

/** run.json that does not hold a run record; the message names the file and the field. */
export class RunInfoError extends Error {
  override name = 'RunInfoError';
}

/** The record in `text` (the contents of `file`), or a RunInfoError saying what is wrong with it. */
export function parseRunInfo(text: string, file: string): RunInfo {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new RunInfoError(`${file} is not JSON: ${(e as Error).message}`);
  }
  const checked = runInfoSchema.safeParse(value);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw new RunInfoError(`${file} is damaged: ${where}${issue.message}`);
  }
  return checked.data as RunInfo;
}

/** Far more than any run record; a larger run.json is not one. */
const maxRunInfoBytes = 1 << 20;

/**
 * run.json of `runDir`, checked; unreadable files are RunInfoErrors too, and so is a run.json
 * that is a symbolic link (it could show another file as this run) or not a regular file.
 */
export function readRunInfo(runDir: string): RunInfo {
  const file = join(runDir, runFiles.info);
  let text: string;
  try {
    text = readRegularFile(file, { noFollow: true, maxBytes: maxRunInfoBytes }).toString('utf8');
  } catch (e) {
    if (e instanceof NotARegularFile) throw new RunInfoError(`${file} ${e.message}`);
    throw new RunInfoError(`${file} is unreadable: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return parseRunInfo(text, file);
}
