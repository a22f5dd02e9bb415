// sweep.json: a sweep's record (docs/run-directory.md, Sweeps): its members, the values that vary,
// the scheduler and its job ids, and each member's place in the queue. Replaced atomically; only
// the process holding the sweep's lock (sweep/lock.ts) writes it once the sweep has started, so
// the queue survives the scheduler, and a reader never sees half of it. Checked by a schema when
// read: a damaged file is one reason naming the field.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { slurmSettingsSchema } from '../config/schema.js';
import { writeFileAtomic } from '../io/atomicWrite.js';

export const sweepFiles = {
  record: 'sweep.json',
  /** The members' configs, `NNNN.crate.yaml`, each a resolved config (as a run's config.yaml). */
  members: 'members',
  /** The members' trainer output, `NNNN.log`, appended to by each start. */
  logs: 'logs',
  /** The local scheduler's own output. */
  schedulerLog: 'scheduler.log',
  /** Who holds the lock: the scheduler's pid and process identity (for `sweep stop`). */
  scheduler: 'scheduler.json',
  /** The Slurm scheduler's submissions: one folder per sbatch (members.json, launcher, batch script, Slurm's output per task). */
  slurm: 'slurm',
} as const;

export const schedulerKinds = ['local', 'slurm'] as const;
export type SchedulerKind = (typeof schedulerKinds)[number];

/**
 * Where a member is in the queue, as the scheduler last saw it. The member's run.json is the
 * record of its run; `running` with a trainer that is gone means it was killed.
 */
export const memberStates = ['queued', 'running', 'completed', 'stopped', 'failed', 'diverged'] as const;
export type MemberState = (typeof memberStates)[number];

const memberSchema = z.strictObject({
  index: z.int().nonnegative(),
  name: z.string(),
  values: z.record(z.string(), z.unknown()),
  /** The member's config, relative to the sweep folder. */
  config: z.string(),
  /** Its run directory once its trainer has made one (absolute). */
  runDir: z.string().optional(),
  state: z.enum(memberStates),
  /** The scheduler's id of the member's current or last job: the trainer's pid (local), the array task `<job id>_<task id>` (slurm). */
  jobId: z.string().optional(),
  /** How many times a trainer was started for it (slurm: submitted; Slurm's own requeues are not counted). */
  starts: z.int().nonnegative(),
  /** Why its last trainer failed, when it did. */
  error: z.string().optional(),
});

/** One sbatch of the Slurm scheduler: array task i runs member members[i]. */
const slurmSubmissionSchema = z.strictObject({
  jobId: z.string().regex(/^[0-9]+$/),
  members: z.array(z.int().nonnegative()),
  submittedAt: z.string(),
  /** The sbatch command line. */
  command: z.array(z.string()),
  /** Its folder (absolute): members.json, the launcher, the batch script, Slurm's output per task (`<job>_<task>.log`). */
  dir: z.string(),
});

/** The Slurm scheduler's settings as resolved at launch (config and flags), kept for `sweep resume`, and its submissions. */
const slurmRecordSchema = slurmSettingsSchema.extend({
  cpusPerTask: z.int().positive(),
  /** sbatch --gres: `gpu:1` when a member trains on a GPU backend. */
  gres: z.string().optional(),
  extraArgs: z.array(z.string()),
  submissions: z.array(slurmSubmissionSchema),
});
export type SlurmRecord = z.infer<typeof slurmRecordSchema>;
/** The settings part of it, as a launch resolves them. */
export type SlurmLaunchSettings = Omit<SlurmRecord, 'submissions'>;

const sweepSchema = z.strictObject({
  version: z.literal(1),
  id: z.string().regex(/^[A-Za-z0-9_.-]+$/),
  name: z.string(),
  /** The *.crate.yaml the sweep was expanded from (absolute). */
  source: z.string(),
  createdAt: z.string(),
  scheduler: z.enum(schedulerKinds),
  /** At most this many members train at once. */
  parallel: z.int().positive(),
  /** Where the members' run directories are made (absolute): the sweep folder's parent. */
  runsDir: z.string(),
  /** The dotted config paths whose values vary between members. */
  varying: z.array(z.string()),
  members: z.array(memberSchema),
  /** The Slurm scheduler's settings and submissions (scheduler `slurm` only). */
  slurm: slurmRecordSchema.optional(),
});

export type SweepRecord = z.infer<typeof sweepSchema>;
export type SweepMemberRecord = SweepRecord['members'][number];

/** sweep.json that cannot be used; the message names the file and the field. */
export class SweepFileError extends Error {
  override name = 'SweepFileError';
}

export function readSweep(sweepDir: string): SweepRecord {
  const file = join(sweepDir, sweepFiles.record);
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new SweepFileError(code === 'ENOENT' ? `${sweepDir} is not a sweep folder (no ${sweepFiles.record})` : `${file} is unreadable: ${code ?? (e as Error).message}`);
  }
  const checked = sweepSchema.safeParse(value);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new SweepFileError(`${file} is damaged: ${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`);
  }
  return checked.data;
}

export function writeSweep(sweepDir: string, record: SweepRecord): void {
  writeFileAtomic(join(sweepDir, sweepFiles.record), `${JSON.stringify(record, null, 2)}\n`);
}

/** `members/0003.crate.yaml` and `logs/0003.log` of member 3. */
export const memberFile = (kind: 'members' | 'logs', index: number): string => join(sweepFiles[kind], `${String(index).padStart(4, '0')}.${kind === 'members' ? 'crate.yaml' : 'log'}`);
