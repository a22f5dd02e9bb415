// crate-lab sweep: many runs from one config's `sweep:` block (docs/run-directory.md, Sweeps).
//   sweep CONFIG [--scheduler local|slurm] [--parallel N] [--runs-dir DIR] [--dry-run] [--json] [--force]
//         [--partition P] [--account A] [--time T] [--cpus-per-task N] [--sbatch-arg ARG]…  (slurm)
//   sweep status|stop|resume SWEEP      (SWEEP: the sweep folder, or its id in the runs folder)
//   sweep scheduler SWEEP_DIR [--resume] (the local scheduler's own process; started by the others)
//   sweep member SWEEP_DIR INDEX         (one member as a Slurm array task runs it)
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, parseConfig } from '../config/index.js';
import { type SlurmSettings, slurmSettingsSchema } from '../config/schema.js';
import { createSweep, memberThreads } from '../sweep/create.js';
import { type SweepMember, sweepMemberLimit } from '../sweep/expand.js';
import { runLocalScheduler } from '../sweep/localScheduler.js';
import { currentState, memberRuns, stateWithoutJob } from '../sweep/memberRuns.js';
import { type MemberJob, SweepSchedulerError } from '../sweep/scheduler.js';
import { schedulerFor } from '../sweep/schedulers.js';
import { SlurmCommandError, SlurmDownError, SlurmMissingError } from '../sweep/slurm.js';
import { runSweepMember } from '../sweep/slurmMember.js';
import { type SchedulerKind, type SlurmLaunchSettings, SweepFileError, type SweepRecord, readSweep, schedulerKinds, sweepFiles } from '../sweep/sweepFile.js';
import { positiveInt } from './shapeFlags.js';
import { UsageError } from './usageError.js';

export const sweepUsage =
  'sweep CONFIG.crate.yaml [--scheduler local|slurm] [--parallel N] [--runs-dir DIR] [--dry-run] [--json] [--force] [--partition P] [--account A] [--time T] [--cpus-per-task N] [--sbatch-arg ARG]... | sweep status|stop|resume SWEEP [--runs-dir DIR] [--json]';

const subcommands = ['status', 'stop', 'resume', 'scheduler', 'member'] as const;

export async function sweep(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if ((subcommands as readonly string[]).includes(first ?? '') && !(first && existsSync(first))) {
    try {
      if (first === 'scheduler') return await schedulerProcess(rest);
      if (first === 'member') return await memberProcess(rest);
      if (first === 'status') return await status(rest);
      if (first === 'stop') return await stop(rest);
      return await resumeSweep(rest);
    } catch (e) {
      throw asUsageError(e);
    }
  }
  try {
    return await launch(argv);
  } catch (e) {
    throw asUsageError(e);
  }
}

/** Errors about the sweep folder or its scheduler, and Slurm's (its own words, with the command), are the user's to act on: one line, exit 2. */
function asUsageError(e: unknown): unknown {
  return e instanceof SweepFileError || e instanceof SweepSchedulerError || isSlurmError(e) ? new UsageError(e.message) : e;
}

const isSlurmError = (e: unknown): e is Error => e instanceof SlurmCommandError || e instanceof SlurmMissingError || e instanceof SlurmDownError;

/** The flags that override the config's `sweep.slurm` settings, by field. */
const slurmFlags = { partition: 'partition', account: 'account', time: 'time', cpusPerTask: 'cpus-per-task', extraArgs: 'sbatch-arg' } as const satisfies Record<keyof SlurmSettings, string>;

/**
 * The Slurm scheduler's settings: the config's `sweep.slurm`, each overridden by its flag, checked
 * by the config's schema; CPUs per member default to the config's threads, else 1; a GPU for members on webgpu.
 */
function slurmSettings(fromConfig: SlurmSettings | undefined, flags: Record<string, unknown>, threads: number, members: SweepMember[]): SlurmLaunchSettings {
  const given: Record<string, unknown> = { ...fromConfig };
  for (const [field, flag] of Object.entries(slurmFlags)) if (flags[flag] !== undefined) given[field] = field === 'cpusPerTask' ? Number(flags[flag]) : flags[flag];
  const checked = slurmSettingsSchema.safeParse(given);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const field = String(issue.path[0]) as keyof SlurmSettings;
    const where = flags[slurmFlags[field]] !== undefined ? `--${slurmFlags[field]}` : `sweep.slurm.${issue.path.join('.')}`;
    throw new UsageError(`${where}: ${issue.message}`);
  }
  const settings = checked.data;
  return {
    ...settings,
    cpusPerTask: settings.cpusPerTask ?? (threads > 0 ? threads : 1),
    ...(members.some((m) => m.config.backend === 'webgpu') && { gres: 'gpu:1' }),
    extraArgs: settings.extraArgs ?? [],
  };
}

async function launch(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      scheduler: { type: 'string' },
      parallel: { type: 'string' },
      'runs-dir': { type: 'string' },
      'dry-run': { type: 'boolean' },
      json: { type: 'boolean' },
      force: { type: 'boolean' },
      partition: { type: 'string' },
      account: { type: 'string' },
      time: { type: 'string' },
      'cpus-per-task': { type: 'string' },
      'sbatch-arg': { type: 'string', multiple: true },
    },
    strict: true,
  });
  if (positionals.length !== 1) throw new UsageError(`sweep takes one config file (or status|stop|resume SWEEP); got ${positionals.length} arguments`);
  const kind = (values.scheduler ?? 'local') as SchedulerKind;
  if (!schedulerKinds.includes(kind)) throw new UsageError(`--scheduler must be one of ${schedulerKinds.join(', ')}, got "${values.scheduler}"`);
  const parallel = positiveInt('parallel', values.parallel) ?? 1;
  const slurmFlagGiven = Object.values(slurmFlags).find((flag) => values[flag] !== undefined);
  if (slurmFlagGiven && kind !== 'slurm') throw new UsageError(`--${slurmFlagGiven} is a setting of the slurm scheduler: give --scheduler slurm too`);
  if (values['cpus-per-task'] !== undefined) positiveInt('cpus-per-task', values['cpus-per-task']);
  const file = positionals[0];
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(file, [], `${file}: cannot read the config: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const parsed = parseConfig(text, file, { force: values.force ?? false });
  if (!parsed.config) throw new ConfigError(file, parsed.diagnostics);
  const plan = parsed.sweep;
  if (!plan) throw new UsageError(`${file} has no sweep: block (crate-lab train runs a single config)`);
  if (!plan.members) throw new UsageError(`${file}: the sweep has ${plan.count} members, more than the limit of ${sweepMemberLimit}; give --force to launch it anyway`);
  for (const d of parsed.diagnostics) if (d.severity === 'warning') process.stderr.write(`${file}: warning: ${d.message}\n`);
  const runsDir = values['runs-dir'] !== undefined ? resolve(values['runs-dir']) : parsed.config.runsDir;

  const slurm = kind === 'slurm' ? slurmSettings(plan.slurm, values, parsed.config.threads, plan.members) : undefined;

  const json = values.json ?? false;
  if (values['dry-run']) {
    const members = plan.members.map((m) => ({ index: m.index, name: m.name, values: m.values }));
    if (json) process.stdout.write(`${JSON.stringify({ count: plan.count, varying: plan.varying, scheduler: kind, parallel, runsDir, ...(slurm && { slurm }), members })}\n`);
    else {
      process.stdout.write(`${plan.count} members (varying ${plan.varying.join(', ')}), ${kind} scheduler, ${parallel} at a time, runs in ${runsDir}:\n`);
      for (const m of members) process.stdout.write(`  ${String(m.index).padStart(4)}  ${m.name}\n`);
    }
    return 0;
  }
  const scheduler = schedulerFor(kind);
  // Local members share this machine's cores; a Slurm member has the CPUs Slurm gives it.
  const threads = slurm ? (configured: number) => (configured > 0 ? configured : slurm.cpusPerTask) : (configured: number) => memberThreads(configured, parallel);
  const { dir, record } = createSweep({ name: parsed.config.name, source: resolve(file), members: plan.members, varying: plan.varying, runsDir, scheduler: kind, parallel, threads, ...(slurm && { slurm }) });
  try {
    await scheduler.launch(dir, { resume: false });
  } catch (e) {
    // Slurm refused the array (or cannot be reached): nothing runs, so no sweep is left to follow.
    if (isSlurmError(e)) rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  if (json) process.stdout.write(`${JSON.stringify({ type: 'sweep', id: record.id, dir, members: record.members.length, scheduler: kind, parallel })}\n`);
  else process.stdout.write(`sweep ${record.id}: ${record.members.length} members, ${parallel} at a time (${kind} scheduler)\nfolder ${dir}\nfollow it with: crate-lab sweep status ${dir}\n`);
  return 0;
}

/** SWEEP: a sweep folder, or a sweep id in --runs-dir (default ./runs). */
function sweepDirOf(sweepArg: string, runsDir: string | undefined): string {
  const asPath = resolve(sweepArg);
  if (existsSync(join(asPath, sweepFiles.record))) return asPath;
  if (!isAbsolute(sweepArg) && !sweepArg.includes('/')) {
    const byId = resolve(runsDir ?? 'runs', sweepArg);
    if (existsSync(join(byId, sweepFiles.record))) return byId;
  }
  throw new UsageError(`${sweepArg} is neither a sweep folder (with ${sweepFiles.record}) nor a sweep id in ${resolve(runsDir ?? 'runs')}`);
}

function sweepArgs(argv: string[], command: 'status' | 'stop' | 'resume') {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { 'runs-dir': { type: 'string' }, json: { type: 'boolean' }, timeout: { type: 'string' } },
    strict: true,
  });
  if (values.timeout !== undefined && command !== 'stop') throw new UsageError(`--timeout is an option of sweep stop, not of sweep ${command}`);
  if (positionals.length !== 1) throw new UsageError(`sweep ${command} takes one sweep (its folder or id); got ${positionals.length} arguments`);
  return { dir: sweepDirOf(positionals[0], values['runs-dir']), values };
}

/**
 * Each member as it is now: sweep.json's state checked against its run and its job; `jobs`
 * undefined when the scheduler cannot be asked (then against the run alone).
 */
function members(record: SweepRecord, jobs: Map<number, MemberJob> | undefined) {
  const runs = memberRuns(record.runsDir, record.id);
  return record.members.map((m) => {
    const run = runs.get(m.index);
    const job = jobs?.get(m.index);
    return {
      index: m.index,
      name: m.name,
      values: m.values,
      state: jobs ? currentState(m, run?.info, job?.life ?? 'gone') : stateWithoutJob(m, run?.info),
      runDir: run?.dir ?? m.runDir ?? null,
      step: run?.info.step ?? 0,
      totalSteps: run?.info.totalSteps ?? null,
      jobId: m.jobId ?? null,
      // The scheduler's own word for the job (Slurm's PENDING, RUNNING, CANCELLED, TIMEOUT, …), and why it waits.
      jobState: job?.state ?? null,
      ...(job?.reason ? { jobReason: job.reason } : {}),
      starts: m.starts,
      ...(m.error ? { error: m.error } : {}),
    };
  });
}

async function status(argv: string[]): Promise<number> {
  const { dir, values } = sweepArgs(argv, 'status');
  const record = readSweep(dir);
  const scheduler = schedulerFor(record.scheduler);
  // With Slurm down the runs on disk still tell most members' states: shown, with one line that says so.
  let active: boolean | null = null;
  let jobs: Map<number, MemberJob> | undefined;
  let unreachable: string | undefined;
  try {
    jobs = await scheduler.jobs(dir, record);
    active = await scheduler.active(dir, jobs);
  } catch (e) {
    if (!(e instanceof SlurmDownError)) throw e;
    unreachable = e.message;
    process.stderr.write(`crate-lab sweep: ${unreachable}; members' states are from sweep.json and their runs, "unknown" where only Slurm can tell\n`);
  }
  const list = members(record, jobs);
  const counts: Record<string, number> = {};
  for (const m of list) counts[m.state] = (counts[m.state] ?? 0) + 1;
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ id: record.id, dir, scheduler: record.scheduler, active, ...(unreachable && { unreachable }), parallel: record.parallel, varying: record.varying, counts, members: list })}\n`);
    return 0;
  }
  const summary = Object.entries(counts).map(([s, n]) => `${n} ${s}`).join(', ');
  const schedulerState = active === null ? 'not answering' : active ? 'working' : 'not running';
  process.stdout.write(`sweep ${record.id}: ${summary}; ${record.scheduler} scheduler ${schedulerState}\n`);
  for (const m of list) {
    const progress = m.totalSteps ? `${m.step}/${m.totalSteps}` : '';
    const job = m.jobState ? `  [Slurm ${m.jobId}: ${m.jobState}${m.jobReason ? ` (${m.jobReason})` : ''}]` : '';
    process.stdout.write(`  ${String(m.index).padStart(4)}  ${m.state.padEnd(9)} ${progress.padEnd(13)} ${m.name}${job}${m.error ? `  (${m.error})` : ''}\n`);
  }
  return 0;
}

async function stop(argv: string[]): Promise<number> {
  const { dir, values } = sweepArgs(argv, 'stop');
  const record = readSweep(dir);
  await schedulerFor(record.scheduler).stop(dir, 1000 * (positiveInt('timeout', values.timeout) ?? 300));
  return status(values.json ? [dir, '--json'] : [dir]);
}

async function resumeSweep(argv: string[]): Promise<number> {
  const { dir, values } = sweepArgs(argv, 'resume');
  const record = readSweep(dir);
  const scheduler = schedulerFor(record.scheduler);
  if (await scheduler.active(dir)) {
    const message = `${dir}: its scheduler is still working; stop it first (crate-lab sweep stop ${dir}) to queue its stopped and failed members again`;
    process.stdout.write(values.json ? `${JSON.stringify({ id: record.id, dir, resumed: false, message })}\n` : `${message}\n`);
    return 0;
  }
  await scheduler.launch(dir, { resume: true });
  return status(values.json ? [dir, '--json'] : [dir]);
}

async function schedulerProcess(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { resume: { type: 'boolean' } }, strict: true });
  if (positionals.length !== 1) throw new UsageError('sweep scheduler takes one sweep folder');
  return runLocalScheduler(resolve(positionals[0]), { cli: process.argv[1], resume: values.resume ?? false });
}

async function memberProcess(argv: string[]): Promise<number> {
  const { positionals } = parseArgs({ args: argv, allowPositionals: true, options: {}, strict: true });
  if (positionals.length !== 2 || !/^[0-9]+$/.test(positionals[1])) throw new UsageError('sweep member takes a sweep folder and a member index');
  return runSweepMember(resolve(positionals[0]), Number(positionals[1]), process.argv[1]);
}
