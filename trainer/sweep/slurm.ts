// The sweep's Slurm scheduler speaks to Slurm through these three calls: submitArray (one job
// array, `sbatch --parsable --array=0-(K-1)%P`), jobStates (`squeue --json`, then `sacct` for jobs
// slurmctld no longer holds) and cancel (`scancel`). Every client is spawned without a shell.
//
// No user value is ever parsed by a shell: each member's argv goes into members.json; the batch
// script is fixed text that execs Node on a fixed launcher, which picks the member by
// SLURM_ARRAY_TASK_ID and spawns its argv as an array. The paths reach the script through
// environment variables that sbatch exports to the job (quoted expansions, never re-parsed).
// The submission folder must be on a file system the compute nodes share, like the runs.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A Slurm command that ran and failed: its command line and Slurm's own words, verbatim. */
export class SlurmCommandError extends Error {
  constructor(readonly command: string[], readonly exitCode: number | null, readonly stderr: string, readonly stdout = '') {
    super(`${command.join(' ')} failed${exitCode === null ? '' : ` (exit ${exitCode})`}: ${stderr.trim() || stdout.trim() || '(no message)'}`);
  }
}

/** The Slurm clients are not installed here. */
export class SlurmMissingError extends Error {}

/** The clients are here but the controller does not answer. */
export class SlurmDownError extends Error {}

/** Slurm has no record of the job any more (slurmctld forgot it after MinJobAge, and there is no accounting). */
export class SlurmJobUnknownError extends Error {}

export interface SlurmOptions {
  /** The clients' environment (SLURM_CONF, PATH); process.env by default. */
  env?: NodeJS.ProcessEnv;
  /** How long one client may run before it is killed and reported (default 60 s). */
  timeoutMs?: number;
}

export interface ArrayMember {
  /** The program and its arguments, e.g. [node, cli.js, 'train', config, '--runs-dir', dir]. */
  argv: string[];
  /** Added to the job's environment for this member only. */
  env?: Record<string, string>;
}

export interface ArraySubmission {
  /** The job name (sbatch --job-name). */
  name: string;
  /** Member i runs as array task i. */
  members: ArrayMember[];
  /** At most this many members run at once (the %P of --array). */
  maxParallel: number;
  /** A folder on the shared file system: the submission's files go in a new folder inside it. */
  dir: string;
  cpusPerTask?: number;
  /** e.g. 'gpu:1' for a GPU backend. */
  gres?: string;
  /** sbatch --time, e.g. '01:00:00'. */
  time?: string;
  partition?: string;
  account?: string;
  /** Requeue members that Slurm kills (node failure, preemption): --requeue, else --no-requeue. */
  requeue?: boolean;
  /** sbatch --output pattern; default <submission folder>/%A_%a.log. */
  output?: string;
  /** Further sbatch arguments, passed as given (one array element per argument). */
  extraArgs?: string[];
  /** Added to every member's environment. */
  env?: Record<string, string>;
  /** The Node that runs the launcher on the compute node; this Node by default. */
  node?: string;
}

export interface Submitted {
  jobId: string;
  /** The folder holding members.json, the launcher and the batch script. */
  submissionDir: string;
  /** The sbatch command line, for the sweep's record and its messages. */
  command: string[];
}

/** Slurm's job states, as squeue and sacct name them (the base state, without flags). */
export type SlurmState = 'PENDING' | 'RUNNING' | 'SUSPENDED' | 'COMPLETING' | 'COMPLETED' | 'CANCELLED' | 'FAILED' | 'TIMEOUT' | 'NODE_FAIL' | 'PREEMPTED' | 'BOOT_FAIL' | 'DEADLINE' | 'OUT_OF_MEMORY' | 'REQUEUED' | 'RESIZING' | 'REVOKED' | 'SPECIAL_EXIT' | string;

export interface TaskState {
  /** The member's index (SLURM_ARRAY_TASK_ID). */
  taskId: number;
  state: SlurmState;
  /** Why it waits, for a pending task (squeue's reason), if Slurm says. */
  reason?: string;
  /** The member's exit status, once it has one. */
  exitCode?: number;
  /** How often Slurm requeued it (squeue only). */
  restarts?: number;
}

const launcherSource = `// Written by crate-lab (trainer/sweep/slurm.ts): runs one member of a Slurm job array.
'use strict';
const { spawn } = require('node:child_process');
const { readFileSync } = require('node:fs');
const { members } = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const id = process.env.SLURM_ARRAY_TASK_ID;
const member = /^[0-9]+$/.test(id || '') ? members[Number(id)] : undefined;
if (!member) {
  process.stderr.write('crate-lab launcher: no member for SLURM_ARRAY_TASK_ID=' + id + ' in ' + process.argv[2] + '\\n');
  process.exit(2);
}
const child = spawn(member.argv[0], member.argv.slice(1), { stdio: 'inherit', env: { ...process.env, ...member.env } });
// scancel and the time limit signal the job: pass them on, so the member can stop cleanly.
for (const s of ['SIGTERM', 'SIGINT', 'SIGUSR1', 'SIGUSR2']) process.on(s, () => child.kill(s));
child.on('error', (e) => {
  process.stderr.write('crate-lab launcher: cannot run ' + member.argv[0] + ': ' + e.message + '\\n');
  process.exit(127);
});
child.on('exit', (code, signal) => process.exit(code === null ? 128 + (require('node:os').constants.signals[signal] || 0) : code));
`;

const batchScript = `#!/bin/sh
# Written by crate-lab (trainer/sweep/slurm.ts): one member of a sweep's job array.
exec "$CRATE_LAB_SLURM_NODE" "$CRATE_LAB_SLURM_LAUNCHER" "$CRATE_LAB_SLURM_MEMBERS"
`;

/** Submits the members as one job array; resolves to Slurm's job id. */
export async function submitArray(s: ArraySubmission, opts: SlurmOptions = {}): Promise<Submitted> {
  if (s.members.length === 0) throw new Error('submitArray: a job array needs at least one member');
  if (!Number.isInteger(s.maxParallel) || s.maxParallel < 1) throw new Error(`submitArray: maxParallel must be a whole number ≥ 1, not ${s.maxParallel}`);
  s.members.forEach((m, i) => {
    if (m.argv.length === 0) throw new Error(`submitArray: member ${i} has an empty argv`);
  });
  mkdirSync(s.dir, { recursive: true });
  const submissionDir = mkdtempSync(join(s.dir, 'slurm-'));
  const members = join(submissionDir, 'members.json');
  const launcher = join(submissionDir, 'launch.cjs');
  const script = join(submissionDir, 'array.sh');
  writeFileSync(members, JSON.stringify({ members: s.members.map((m) => ({ argv: m.argv, env: { ...s.env, ...m.env } })) }, null, 1));
  writeFileSync(launcher, launcherSource);
  writeFileSync(script, batchScript, { mode: 0o755 });
  const args = [
    '--parsable',
    `--job-name=${s.name}`,
    `--array=0-${s.members.length - 1}%${s.maxParallel}`,
    `--chdir=${submissionDir}`,
    `--output=${s.output ?? join(submissionDir, '%A_%a.log')}`,
    s.requeue ? '--requeue' : '--no-requeue',
    ...(s.cpusPerTask !== undefined ? [`--cpus-per-task=${s.cpusPerTask}`] : []),
    ...(s.gres !== undefined ? [`--gres=${s.gres}`] : []),
    ...(s.time !== undefined ? [`--time=${s.time}`] : []),
    ...(s.partition !== undefined ? [`--partition=${s.partition}`] : []),
    ...(s.account !== undefined ? [`--account=${s.account}`] : []),
    ...(s.extraArgs ?? []),
    script,
  ];
  const env = {
    ...(opts.env ?? process.env),
    CRATE_LAB_SLURM_NODE: s.node ?? process.execPath,
    CRATE_LAB_SLURM_LAUNCHER: launcher,
    CRATE_LAB_SLURM_MEMBERS: members,
  };
  const { stdout } = await slurm('sbatch', args, { ...opts, env });
  // --parsable prints "jobid" or "jobid;cluster".
  const jobId = stdout.trim().split(';')[0];
  if (!/^[0-9]+$/.test(jobId)) throw new Error(`sbatch ${args.join(' ')} printed no job id: "${stdout.trim()}"`);
  return { jobId, submissionDir, command: ['sbatch', ...args] };
}

/**
 * The state of every task of job array `jobId`, by task id. slurmctld answers while it holds the
 * job (MinJobAge after it ends); after that, the accounting database through sacct.
 */
export async function jobStates(jobId: string, opts: SlurmOptions = {}): Promise<TaskState[]> {
  checkJobId(jobId);
  const squeueArgs = ['--json', '--states=all', `--jobs=${jobId}`];
  const { stdout: json } = await slurm('squeue', squeueArgs, opts);
  const doc = JSON.parse(json) as { jobs?: SqueueJob[]; errors?: { description?: string; error?: string }[] };
  // squeue --json exits 0 even when slurmctld does not answer, with its errors in the document
  // (and a job id it has forgotten is no error: just no jobs).
  if (doc.errors && doc.errors.length > 0) {
    const said = doc.errors.map((e) => `${e.description ?? ''}: ${e.error ?? ''}`).join('; ');
    const ping = await slurm('scontrol', ['ping'], opts).catch((e: Error) => ({ stdout: e instanceof SlurmCommandError ? e.stdout : e.message }));
    if (/DOWN|Unable to contact/.test(ping.stdout)) {
      // scontrol ping's first line is its answer; a banner follows when it is DOWN.
      throw new SlurmDownError(`Slurm is down or unreachable: its controller (slurmctld) does not answer squeue ${squeueArgs.join(' ')} (${said}); scontrol ping says: ${ping.stdout.trim().split('\n')[0]}`);
    }
    throw new SlurmCommandError(['squeue', ...squeueArgs], 0, said);
  }
  const fromSqueue = squeueTasks(doc, jobId);
  if (fromSqueue.length > 0) return fromSqueue;
  const { stdout } = await slurm('sacct', ['--noheader', '--parsable2', '--allocations', `--jobs=${jobId}`, '--format=JobID,State,ExitCode'], opts);
  const tasks = sacctTasks(stdout, jobId);
  if (tasks.length === 0) throw new SlurmJobUnknownError(`Slurm knows no job ${jobId}: slurmctld no longer holds it and sacct has no record of it`);
  return tasks;
}

/** Cancels the whole job array (every member, running or queued). */
export async function cancel(jobId: string, opts: SlurmOptions = {}): Promise<void> {
  checkJobId(jobId);
  await slurm('scancel', [jobId], opts);
}

function checkJobId(jobId: string): void {
  if (!/^[0-9]+$/.test(jobId)) throw new Error(`not a Slurm job id: "${jobId}"`);
}

/** A number or, from Slurm 23.02 on, {set, infinite, number}. */
function slurmNumber(v: unknown): number | undefined {
  if (typeof v === 'number') return v;
  if (v && typeof v === 'object' && 'number' in v && (v as { set?: boolean }).set !== false) return (v as { number: number }).number;
  return undefined;
}

/** A state string or, from Slurm 23.02 on, a list whose first entry is the base state. */
function slurmState(v: unknown): string {
  return Array.isArray(v) ? String(v[0]) : String(v);
}

/** Task ids in an array expression such as "3-9%2", "1,4-6:2" (the pending remainder). */
function expandTaskIds(expr: string): number[] {
  const ids: number[] = [];
  for (const part of expr.split('%')[0].split(',')) {
    const m = /^(\d+)(?:-(\d+)(?::(\d+))?)?$/.exec(part.trim());
    if (!m) continue;
    const [from, to, step] = [Number(m[1]), Number(m[2] ?? m[1]), Number(m[3] ?? 1)];
    for (let i = from; i <= to; i += step) ids.push(i);
  }
  return ids;
}

interface SqueueJob {
  job_id: unknown;
  array_job_id?: unknown;
  array_task_id?: unknown;
  array_task_string?: string;
  job_state: unknown;
  state_reason?: string;
  exit_code?: unknown;
  restart_cnt?: unknown;
}

function squeueTasks(doc: { jobs?: SqueueJob[] }, jobId: string): TaskState[] {
  const tasks = new Map<number, TaskState>();
  for (const j of doc.jobs ?? []) {
    if (String(slurmNumber(j.array_job_id) ?? slurmNumber(j.job_id)) !== jobId) continue;
    const state = slurmState(j.job_state);
    const reason = j.state_reason && j.state_reason !== 'None' ? j.state_reason : undefined;
    const restarts = slurmNumber(j.restart_cnt);
    const exit = j.exit_code;
    // 22.05: the exit status as a number (wait(2) form); 23.02+: {status, return_code}.
    const exitCode = typeof exit === 'number' ? exit >> 8 : exit && typeof exit === 'object' ? slurmNumber((exit as { return_code?: unknown }).return_code) : undefined;
    const finished = !['PENDING', 'RUNNING', 'SUSPENDED', 'COMPLETING', 'CONFIGURING', 'RESIZING', 'REQUEUED'].includes(state);
    const record = { state, ...(reason && { reason }), ...(restarts !== undefined && { restarts }), ...(finished && exitCode !== undefined && { exitCode }) };
    const taskId = slurmNumber(j.array_task_id);
    // The pending remainder of an array is one record whose task string lists its ids.
    const ids = j.array_task_string ? expandTaskIds(j.array_task_string) : taskId !== undefined ? [taskId] : [];
    for (const id of ids) tasks.set(id, { taskId: id, ...record });
  }
  return [...tasks.values()].sort((a, b) => a.taskId - b.taskId);
}

function sacctTasks(stdout: string, jobId: string): TaskState[] {
  const tasks = new Map<number, TaskState>();
  for (const line of stdout.split('\n')) {
    const [id, stateField, exitField] = line.split('|');
    const m = id ? new RegExp(`^${jobId}_(?:(\\d+)|\\[(.*)\\])$`).exec(id) : null;
    if (!m) continue;
    const state = stateField.split(' ')[0];
    const exitCode = Number((exitField ?? '').split(':')[0]);
    for (const t of m[1] !== undefined ? [Number(m[1])] : expandTaskIds(m[2])) {
      tasks.set(t, { taskId: t, state, ...(state !== 'PENDING' && state !== 'RUNNING' && Number.isFinite(exitCode) && { exitCode }) });
    }
  }
  return [...tasks.values()].sort((a, b) => a.taskId - b.taskId);
}

/** What Slurm's clients print when slurmctld cannot be reached. */
const controllerDown = /Unable to contact slurm controller|Could not establish a configuration source|Socket timed out on send\/recv|Connection refused|slurm_load_jobs error: Unable to contact/i;

/** Runs one Slurm client without a shell; its failures as the errors above. */
function slurm(cmd: string, args: string[], opts: SlurmOptions): Promise<{ stdout: string; stderr: string }> {
  const timeoutMs = opts.timeoutMs ?? 60_000;
  const command = [cmd, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(e.code === 'ENOENT'
        ? new SlurmMissingError(`${cmd} is not installed (or not on PATH): the Slurm scheduler needs Slurm's clients, Debian's slurm-client package (apt-get install slurm-client, or slurm-wlm for a whole node)`)
        : new Error(`could not run ${command.join(' ')}: ${e.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) return resolve({ stdout, stderr });
      if (signal === 'SIGKILL') return reject(new SlurmDownError(`Slurm did not answer: ${command.join(' ')} ran for ${timeoutMs / 1000} s and was stopped${stderr.trim() ? `; it said: ${stderr.trim()}` : ''}`));
      if (controllerDown.test(stderr)) {
        return reject(new SlurmDownError(`Slurm is down or unreachable: its controller (slurmctld) does not answer ${command.join(' ')}; \`scontrol ping\` tells whether it runs. Slurm said: ${stderr.trim()}`));
      }
      reject(new SlurmCommandError(command, code, stderr, stdout));
    });
  });
}
