// crate-lab train / resume / stop (README, The CLI): runs in this process; a progress line on a TTY,
// JSON lines with --json.
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { NotARegularFile, readRegularFile } from '../io/regularFile.js';
import { loadConfigFile, parseConfig, ConfigError, type ResolvedConfig, resolveConfig } from '../config/index.js';
import { isLiveStatus, runFiles, type RunInfo, type RunSweep } from '../run/format.js';
import { RunInfoError, readRunInfo as readCheckedRunInfo } from '../run/runInfoFile.js';
import { BadAnnotations, checkedNote, checkedTags, updateRunAnnotations } from '../run/annotationsFile.js';
import { trainerAlive } from '../run/trainerProcess.js';
import { runLockedMessage } from '../run/trainerGuard.js';
import { requestStop, StopRefusedError, stoppedRun } from '../run/stopRun.js';
import { type Progress, type RunHooks, type RunOutcome, resumeRun, startRun } from '../train/runTraining.js';
import { TrainingSetupError } from '../train/setupError.js';
import { positiveInt } from './shapeFlags.js';
import { UsageError } from './usageError.js';
import { useDevice } from './backendFlag.js';
import { activeDevice } from '../backend/activeDevice.js';
import { type CliIo, processIo } from './cliIo.js';

export const trainUsage = 'train CONFIG.crate.yaml [--runs-dir DIR] [--max-steps N] [--name NAME] [--tag TAG]... [--note TEXT] [--backend B] [--device N|NAME] [--introspect-every N] [--sweep-member SWEEP_ID:INDEX] [--json]';
export const resumeUsage = 'resume RUN_DIR [--max-steps N] [--patch P] [--device N|NAME] [--json]';
export const stopUsage = 'stop RUN_DIR [--timeout SECONDS]';

function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  const m = Math.floor(s / 60);
  return m > 0 ? `${m}m${String(Math.round(s % 60)).padStart(2, '0')}s` : `${Math.round(s)}s`;
}

function hooks(json: boolean, io: CliIo = processIo): RunHooks {
  const tty = io.stdout.isTTY && !json;
  const line = (o: object): void => {
    io.stdout.write(`${JSON.stringify(o)}\n`);
  };
  return {
    onStart: (runDir, backend) => {
      const device = activeDevice();
      if (json) line({ type: 'start', runDir, backend, device });
      else io.stdout.write(`run ${runDir} on ${device ?? backend}\nbackend: ${backend}\n`);
    },
    onProgress: (p: Progress) => {
      if (json) line({ type: 'progress', ...p });
      else if (tty) io.stdout.write(`\rstep ${p.step}/${p.totalSteps}  epoch ${p.epoch}  loss ${p.loss.toFixed(4)}  ${p.imagesPerSecond.toFixed(1)} images/s  ETA ${formatSeconds(p.etaSeconds)}   `);
      else if (p.step % 50 === 0 || p.step === p.totalSteps) io.stdout.write(`step ${p.step}/${p.totalSteps} epoch ${p.epoch} loss ${p.loss.toFixed(4)} ${p.imagesPerSecond.toFixed(1)} images/s\n`);
    },
    onEvent: (message) => (json ? line({ type: 'event', message }) : io.stdout.write(`${tty ? '\n' : ''}${message}\n`)),
  };
}

/** A completed or stopped run exits 0; a failed or diverged one says why in one line on stderr (README, The CLI) and exits 1. */
function report(command: string, outcome: RunOutcome, json: boolean, io: CliIo = processIo): number {
  const ok = outcome.status === 'completed' || outcome.status === 'stopped';
  if (json) io.stdout.write(`${JSON.stringify({ type: 'end', ...outcome })}\n`);
  else if (ok) io.stdout.write(`\n${outcome.status} at step ${outcome.step}${outcome.message ? `: ${outcome.message}` : ''}\n`);
  else io.stdout.write('\n'); // ends a progress line
  if (!ok) io.stderr.write(`crate-lab ${command}: ${outcome.runDir} ${outcome.status}: ${outcome.message ?? `at step ${outcome.step}`}\n`);
  return ok ? 0 : 1;
}

/** Applies command-line overrides by re-resolving, so every rule of the schema still applies. */
function withOverrides(
  config: ResolvedConfig,
  file: string,
  overrides: { runsDir?: string; maxSteps?: number; name?: string; patch?: number; backend?: string; introspectEvery?: number },
): ResolvedConfig {
  const input = structuredClone(config) as unknown as Record<string, unknown> & { optim: Record<string, unknown>; model: Record<string, unknown>; introspect: Record<string, unknown> };
  if (overrides.backend !== undefined) input.backend = overrides.backend;
  if (overrides.introspectEvery !== undefined) input.introspect.every = overrides.introspectEvery;
  if (overrides.patch !== undefined) input.model.patch = overrides.patch;
  if (overrides.runsDir !== undefined) input.runsDir = resolve(overrides.runsDir);
  if (overrides.name !== undefined) input.name = overrides.name;
  if (overrides.maxSteps !== undefined) {
    input.optim.maxSteps = overrides.maxSteps;
    input.optim.epochs = 0;
  }
  const r = resolveConfig(input, { file });
  // An override's mistake has no line to point at: name the field (runsDir is --runs-dir).
  if (!r.config) throw new UsageError(r.problems.filter((p) => p.severity === 'error').map((p) => `${p.path.join('.')}: ${p.message}`).join('; '));
  return r.config;
}

/** `--sweep-member ID:INDEX`, which `crate-lab sweep` passes its members' trainers (recorded in run.json). */
function sweepMember(flag: string | undefined): RunSweep | undefined {
  if (flag === undefined) return undefined;
  const m = /^([A-Za-z0-9_.-]+):(\d+)$/.exec(flag);
  if (!m) throw new UsageError(`--sweep-member takes SWEEP_ID:INDEX (e.g. 20261201-0100-study-1a2b:3), got "${flag}"`);
  return { id: m[1], member: Number(m[2]) };
}

export async function train(argv: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      'runs-dir': { type: 'string' },
      'max-steps': { type: 'string' },
      name: { type: 'string' },
      tag: { type: 'string', multiple: true },
      note: { type: 'string' },
      backend: { type: 'string' },
      device: { type: 'string' },
      'introspect-every': { type: 'string' },
      'sweep-member': { type: 'string' },
      json: { type: 'boolean' },
    },
    strict: true,
  });
  if (positionals.length !== 1) throw new UsageError(`train takes one config file; got ${positionals.length}`);
  const file = positionals[0];
  const { config: loaded, warnings } = loadConfigFile(file);
  for (const w of warnings) io.stderr.write(`${file}: warning: ${w.message}\n`);
  const config = withOverrides(loaded, file, {
    runsDir: values['runs-dir'],
    maxSteps: positiveInt('max-steps', values['max-steps']),
    name: values.name,
    backend: values.backend,
    introspectEvery: positiveInt('introspect-every', values['introspect-every']),
  });
  // Before the trainer starts its backend.
  useDevice(values.device ?? config.device, config.backend);
  const sweep = sweepMember(values['sweep-member']);
  const annotations = annotationFlags(values.tag, values.note);
  const runHooks = hooks(values.json ?? false, io);
  if (annotations) {
    const announce = runHooks.onStart;
    // The run directory exists (run.json written) when onStart is called; annotations.json is its own file.
    runHooks.onStart = (runDir, backend) => {
      updateRunAnnotations(runDir, annotations);
      announce?.(runDir, backend);
    };
  }
  return report('train', await startRun(config, runHooks, sweep), values.json ?? false, io);
}

/** `--tag` (repeatable; each may be a comma-separated list) and `--note`, checked before any work. */
function annotationFlags(tags: string[] | undefined, note: string | undefined): { tags?: string[]; note?: string } | undefined {
  if (tags === undefined && note === undefined) return undefined;
  const checked = <T>(flag: string, check: () => T): T => {
    try {
      return check();
    } catch (e) {
      if (e instanceof BadAnnotations) throw new UsageError(`--${flag}: ${e.message}`);
      throw e;
    }
  };
  return { ...(tags ? { tags: checked('tag', () => checkedTags(tags)) } : {}), ...(note !== undefined ? { note: checked('note', () => checkedNote(note)) } : {}) };
}

function readRunInfo(runDir: string): RunInfo {
  if (!existsSync(join(runDir, runFiles.info))) throw new UsageError(`${runDir} is not a run directory (no ${runFiles.info})`);
  try {
    return readCheckedRunInfo(runDir);
  } catch (e) {
    if (e instanceof RunInfoError) throw new UsageError(e.message);
    throw e;
  }
}

/** config.yaml of a run: a regular file, not a link (it could show another run's config as this one's). */
function readRunConfig(file: string): string {
  try {
    return readRegularFile(file, { noFollow: true, maxBytes: 1 << 20 }).toString('utf8');
  } catch (e) {
    if (e instanceof NotARegularFile) throw new UsageError(`${file} ${e.message}`);
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`${file} ${code === 'ENOENT' ? 'is missing' : `cannot be read (${code ?? (e as Error).message})`}`);
  }
}

export async function resume(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { 'max-steps': { type: 'string' }, patch: { type: 'string' }, device: { type: 'string' }, json: { type: 'boolean' } }, strict: true });
  if (positionals.length !== 1) throw new UsageError('resume takes one run directory');
  const runDir = resolve(positionals[0]);
  const info = readRunInfo(runDir);
  if (isLiveStatus(info.status) && info.host === hostname() && info.pid !== process.pid && trainerAlive(info)) {
    // The same refusal as the run lock's (a resume racing this one may be past this check and hold the lock instead).
    throw new UsageError(runLockedMessage(runDir, { pid: info.pid, host: info.host }));
  }
  const configFile = join(runDir, runFiles.config);
  const parsed = parseConfig(readRunConfig(configFile), configFile);
  if (!parsed.config) throw new ConfigError(configFile, parsed.diagnostics);
  const config = withOverrides(parsed.config, configFile, { maxSteps: positiveInt('max-steps', values['max-steps']), patch: positiveInt('patch', values.patch) });
  // The run may resume on another GPU than it started on (run.json then names the new one).
  useDevice(values.device ?? config.device, config.backend);
  let result;
  try {
    result = await resumeRun(runDir, config, hooks(values.json ?? false));
  } catch (e) {
    // The run's own config cannot start (its data shrank, a damaged config.yaml read as another): say which run.
    if (e instanceof TrainingSetupError && !e.message.includes(runDir)) throw new TrainingSetupError(`${runDir}: ${e.message}`);
    throw e;
  }
  return report('resume', result, values.json ?? false);
}

export async function stop(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({ args: argv, allowPositionals: true, options: { timeout: { type: 'string' } }, strict: true });
  if (positionals.length !== 1) throw new UsageError('stop takes one run directory');
  const runDir = resolve(positionals[0]);
  readRunInfo(runDir); // a missing or damaged run.json: one clear line
  let requested;
  try {
    requested = requestStop(runDir);
  } catch (e) {
    if (e instanceof StopRefusedError || e instanceof RunInfoError) throw new UsageError(e.message);
    throw e;
  }
  if (!requested.signalled) {
    process.stdout.write(`${requested.message}\n`);
    return 0;
  }
  const stopped = await stoppedRun(runDir, 1000 * (positiveInt('timeout', values.timeout) ?? 120));
  if (!stopped) throw new UsageError(`${runDir} did not stop within the timeout`);
  process.stdout.write(`${runDir}: ${stopped.status} at step ${stopped.step}\n`);
  return 0;
}
