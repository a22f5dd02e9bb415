// crate-lab sweep: many runs from one config's `sweep:` block (docs/run-directory.md, Sweeps).
//   sweep CONFIG [--scheduler local|slurm] [--parallel N] [--runs-dir DIR] [--dry-run] [--json] [--force]
//   sweep status|stop|resume SWEEP      (SWEEP: the sweep folder, or its id in the runs folder)
//   sweep scheduler SWEEP_DIR [--resume] (the local scheduler's own process; started by the others)
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ConfigError, parseConfig } from '../config/index.js';
import { isLiveStatus } from '../run/format.js';
import { signalTrainer, trainerAlive } from '../run/trainerProcess.js';
import { createSweep } from '../sweep/create.js';
import { sweepMemberLimit } from '../sweep/expand.js';
import { runLocalScheduler } from '../sweep/localScheduler.js';
import { currentState, memberRuns } from '../sweep/memberRuns.js';
import { SweepSchedulerError, schedulerFor } from '../sweep/scheduler.js';
import { type SchedulerKind, SweepFileError, type SweepRecord, readSweep, schedulerKinds, sweepFiles } from '../sweep/sweepFile.js';
import { positiveInt } from './shapeFlags.js';
import { UsageError } from './usageError.js';

export const sweepUsage =
  'sweep CONFIG.crate.yaml [--scheduler local|slurm] [--parallel N] [--runs-dir DIR] [--dry-run] [--json] [--force] | sweep status|stop|resume SWEEP [--runs-dir DIR] [--json]';

const subcommands = ['status', 'stop', 'resume', 'scheduler'] as const;

export async function sweep(argv: string[]): Promise<number> {
  const [first, ...rest] = argv;
  if ((subcommands as readonly string[]).includes(first ?? '') && !(first && existsSync(first))) {
    try {
      if (first === 'scheduler') return await schedulerProcess(rest);
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

/** Errors about the sweep folder or its scheduler are the user's to act on: one line, exit 2. */
function asUsageError(e: unknown): unknown {
  return e instanceof SweepFileError || e instanceof SweepSchedulerError ? new UsageError(e.message) : e;
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
    },
    strict: true,
  });
  if (positionals.length !== 1) throw new UsageError(`sweep takes one config file (or status|stop|resume SWEEP); got ${positionals.length} arguments`);
  const kind = (values.scheduler ?? 'local') as SchedulerKind;
  if (!schedulerKinds.includes(kind)) throw new UsageError(`--scheduler must be one of ${schedulerKinds.join(', ')}, got "${values.scheduler}"`);
  const parallel = positiveInt('parallel', values.parallel) ?? 1;
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

  const json = values.json ?? false;
  if (values['dry-run']) {
    const members = plan.members.map((m) => ({ index: m.index, name: m.name, values: m.values }));
    if (json) process.stdout.write(`${JSON.stringify({ count: plan.count, varying: plan.varying, scheduler: kind, parallel, runsDir, members })}\n`);
    else {
      process.stdout.write(`${plan.count} members (varying ${plan.varying.join(', ')}), ${kind} scheduler, ${parallel} at a time, runs in ${runsDir}:\n`);
      for (const m of members) process.stdout.write(`  ${String(m.index).padStart(4)}  ${m.name}\n`);
    }
    return 0;
  }
  const scheduler = schedulerFor(kind);
  const { dir, record } = createSweep({ name: parsed.config.name, source: resolve(file), members: plan.members, varying: plan.varying, runsDir, scheduler: kind, parallel });
  await scheduler.launch(dir, { resume: false });
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

/** Each member as it is now: sweep.json's state checked against its run. */
function members(record: SweepRecord) {
  const runs = memberRuns(record.runsDir, record.id);
  return record.members.map((m) => {
    const run = runs.get(m.index);
    const jobAlive = run ? isLiveStatus(run.info.status) && trainerAlive(run.info) : false;
    return {
      index: m.index,
      name: m.name,
      values: m.values,
      state: currentState(m, run?.info, jobAlive || (!run && m.jobId !== undefined && trainerAlive({ pid: Number(m.jobId) }))),
      runDir: run?.dir ?? m.runDir ?? null,
      step: run?.info.step ?? 0,
      totalSteps: run?.info.totalSteps ?? null,
      jobId: m.jobId ?? null,
      starts: m.starts,
      ...(m.error ? { error: m.error } : {}),
    };
  });
}

async function status(argv: string[]): Promise<number> {
  const { dir, values } = sweepArgs(argv, 'status');
  const record = readSweep(dir);
  const active = await schedulerFor(record.scheduler).active(dir);
  const list = members(record);
  const counts: Record<string, number> = {};
  for (const m of list) counts[m.state] = (counts[m.state] ?? 0) + 1;
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ id: record.id, dir, scheduler: record.scheduler, active, parallel: record.parallel, varying: record.varying, counts, members: list })}\n`);
    return 0;
  }
  const summary = Object.entries(counts).map(([s, n]) => `${n} ${s}`).join(', ');
  process.stdout.write(`sweep ${record.id}: ${summary}; ${record.scheduler} scheduler ${active ? 'working' : 'not running'}\n`);
  for (const m of list) {
    const progress = m.totalSteps ? `${m.step}/${m.totalSteps}` : '';
    process.stdout.write(`  ${String(m.index).padStart(4)}  ${m.state.padEnd(9)} ${progress.padEnd(13)} ${m.name}${m.error ? `  (${m.error})` : ''}\n`);
  }
  return 0;
}

async function stop(argv: string[]): Promise<number> {
  const { dir, values } = sweepArgs(argv, 'stop');
  const record = readSweep(dir);
  const timeoutMs = 1000 * (positiveInt('timeout', values.timeout) ?? 300);
  const deadline = Date.now() + timeoutMs;
  await schedulerFor(record.scheduler).stop(dir, timeoutMs);
  // Trainers a killed scheduler left behind stop too; they checkpoint first.
  for (;;) {
    const live = [...memberRuns(record.runsDir, record.id).values()].filter((r) => isLiveStatus(r.info.status) && trainerAlive(r.info));
    if (live.length === 0) break;
    for (const r of live) if (r.info.status === 'running') signalTrainer(r.info);
    if (Date.now() > deadline) throw new UsageError(`${live.length} members of ${dir} did not stop within the timeout`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return status([dir]);
}

async function resumeSweep(argv: string[]): Promise<number> {
  const { dir } = sweepArgs(argv, 'resume');
  const record = readSweep(dir);
  const scheduler = schedulerFor(record.scheduler);
  if (await scheduler.active(dir)) {
    process.stdout.write(`${dir}: its scheduler is still working; stop it first (crate-lab sweep stop ${dir}) to queue its stopped and failed members again\n`);
    return 0;
  }
  await scheduler.launch(dir, { resume: true });
  return status([dir]);
}

async function schedulerProcess(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { resume: { type: 'boolean' } }, strict: true });
  if (positionals.length !== 1) throw new UsageError('sweep scheduler takes one sweep folder');
  return runLocalScheduler(resolve(positionals[0]), { cli: process.argv[1], resume: values.resume ?? false });
}
