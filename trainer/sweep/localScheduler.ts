// The local scheduler: a detached process (`crate-lab sweep scheduler SWEEP_DIR`, started by
// `crate-lab sweep` and `sweep resume`) that trains a sweep's members on this machine, at most
// `parallel` at a time, each a `crate-lab train` or `crate-lab resume` child process. It outlives
// VS Code and the command that started it; its queue is sweep.json, so a scheduler started again
// after a crash or a reboot picks up where the last one was: members still training are followed
// to their end, members whose trainer died are resumed from their last checkpoint.
// `localScheduler` is its side in the processes that start, follow and stop it.
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomicWrite.js';
import { isLiveStatus } from '../run/format.js';
import { readRunInfo } from '../run/runInfoFile.js';
import { processIdentity, signalTrainer, trainerAlive } from '../run/trainerProcess.js';
import { acquireSweepLock, sweepLockHeld } from './lock.js';
import { currentState, memberCommand, memberRuns, stateOnTakeOver } from './memberRuns.js';
import { type MemberJob, type SweepScheduler, SweepSchedulerError } from './scheduler.js';
import { type MemberState, type SweepMemberRecord, type SweepRecord, memberFile, readSweep, sweepFiles, writeSweep } from './sweepFile.js';

const pollMs = 300;

/** The local scheduler as the processes that ask see it: started detached, followed by its lock, stopped by SIGTERM. */
export const localScheduler: SweepScheduler = {
  kind: 'local',

  async launch(sweepDir, { resume }) {
    if (await sweepLockHeld(sweepDir)) return; // already working on it: its queue is the same sweep.json
    const log = join(sweepDir, sweepFiles.schedulerLog);
    const fd = openSync(log, 'a');
    let exited: number | null | undefined;
    try {
      // Detached, in a session of its own: closing VS Code or the terminal does not end it.
      const child = spawn(process.execPath, [process.argv[1], 'sweep', 'scheduler', sweepDir, ...(resume ? ['--resume'] : [])], {
        detached: true,
        stdio: ['ignore', fd, fd],
        shell: false,
      });
      child.on('exit', (code) => (exited = code));
      child.unref();
    } finally {
      closeSync(fd);
    }
    // Back once it holds the lock, so that a `sweep status` right after sees it working; or once it
    // has ended, having had nothing to do (a resume of a finished sweep) or failed.
    const deadline = Date.now() + 30_000;
    while (!(await sweepLockHeld(sweepDir))) {
      if (exited === 0) return;
      if (exited !== undefined) throw new SweepSchedulerError(`the scheduler ended at once (exit ${exited ?? 'by a signal'}); see ${log}`);
      if (Date.now() > deadline) throw new SweepSchedulerError(`the scheduler did not start within 30 s; see ${log}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  },

  active: (sweepDir) => sweepLockHeld(sweepDir),

  async jobs(_sweepDir, record) {
    // A member's job is its trainer: the one its run names, or, before it made its run, the pid the scheduler started.
    const runs = memberRuns(record.runsDir, record.id);
    const jobs = new Map<number, MemberJob>();
    for (const m of record.members) {
      const run = runs.get(m.index);
      if (!run && m.jobId === undefined) continue;
      const alive = run ? isLiveStatus(run.info.status) && trainerAlive(run.info) : trainerAlive({ pid: Number(m.jobId) });
      jobs.set(m.index, { life: alive ? 'running' : 'gone' });
    }
    return jobs;
  },

  async stop(sweepDir, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    if (await sweepLockHeld(sweepDir)) {
      const scheduler = readSchedulerProcess(sweepDir);
      if (!scheduler) throw new SweepSchedulerError(`a scheduler holds ${sweepDir} but left no ${sweepFiles.scheduler}`);
      if (scheduler.host !== hostname()) throw new SweepSchedulerError(`the scheduler of ${sweepDir} runs on ${scheduler.host}; stop it there`);
      signalTrainer({ pid: scheduler.pid, trainerIdentity: scheduler.identity }); // a scheduler that ended meanwhile has let go of the lock
      while (await sweepLockHeld(sweepDir)) {
        if (Date.now() > deadline) throw new SweepSchedulerError(`${sweepDir} did not stop within ${Math.round(timeoutMs / 1000)} s`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    // Trainers a killed scheduler left behind stop too; they checkpoint first.
    const record = readSweep(sweepDir);
    for (;;) {
      const live = [...memberRuns(record.runsDir, record.id).values()].filter((r) => isLiveStatus(r.info.status) && trainerAlive(r.info));
      if (live.length === 0) break;
      for (const r of live) if (r.info.status === 'running') signalTrainer(r.info);
      if (Date.now() > deadline) throw new SweepSchedulerError(`${live.length} members of ${sweepDir} did not stop within ${Math.round(timeoutMs / 1000)} s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  },
};

/** scheduler.json: who holds the lock, so that `sweep stop` can signal it (and only it). */
export interface SchedulerProcess {
  pid: number;
  identity?: string;
  host: string;
  startedAt: string;
}

export function readSchedulerProcess(sweepDir: string): SchedulerProcess | undefined {
  try {
    return JSON.parse(readFileSync(join(sweepDir, sweepFiles.scheduler), 'utf8')) as SchedulerProcess;
  } catch {
    return undefined;
  }
}

const log = (message: string): void => void process.stdout.write(`${new Date().toISOString()} ${message}\n`);

/** The last line of a member's log that is not a JSON progress line: why its trainer ended. */
function lastWords(sweepDir: string, index: number): string | undefined {
  try {
    const lines = readFileSync(join(sweepDir, memberFile('logs', index)), 'utf8').split('\n');
    return lines.filter((l) => l.trim() !== '' && !l.startsWith('{')).at(-1);
  } catch {
    return undefined;
  }
}

export interface SchedulerOptions {
  /** The crate-lab CLI script its children run (this process's own). */
  cli: string;
  /** Queue stopped, failed, diverged and killed members again (`sweep resume`). */
  resume: boolean;
}

/** Trains the sweep's queued members; returns the exit code once none is queued or running, or when stopped. */
export async function runLocalScheduler(sweepDir: string, options: SchedulerOptions): Promise<number> {
  const lock = await acquireSweepLock(sweepDir);
  if (!lock) {
    log(`another scheduler works on ${sweepDir}; leaving it to that one`);
    return 0;
  }
  try {
    writeFileAtomic(join(sweepDir, sweepFiles.scheduler), JSON.stringify({ pid: process.pid, identity: processIdentity(process.pid), host: hostname(), startedAt: new Date().toISOString() } satisfies SchedulerProcess));
    return await new LocalScheduler(sweepDir, readSweep(sweepDir), options).run();
  } finally {
    lock.release();
  }
}

class LocalScheduler {
  /** This process's trainers, by member index. */
  private readonly children = new Map<number, ChildProcess>();
  private stopping = false;

  constructor(
    private readonly dir: string,
    private readonly sweep: SweepRecord,
    private readonly options: SchedulerOptions,
  ) {}

  async run(): Promise<number> {
    this.settle();
    const onStop = (): void => this.stop();
    process.on('SIGTERM', onStop);
    process.on('SIGINT', onStop);
    try {
      log(`scheduling ${this.sweep.members.length} members, ${this.sweep.parallel} at a time${this.options.resume ? ' (resume)' : ''}`);
      for (;;) {
        this.followAdopted();
        if (!this.stopping) this.startQueued();
        if (!this.sweep.members.some((m) => m.state === 'running')) break;
        await new Promise((r) => setTimeout(r, pollMs));
      }
      const counts = new Map<MemberState, number>();
      for (const m of this.sweep.members) counts.set(m.state, (counts.get(m.state) ?? 0) + 1);
      log(`done: ${[...counts].map(([s, n]) => `${n} ${s}`).join(', ')}`);
      return 0;
    } finally {
      process.off('SIGTERM', onStop);
      process.off('SIGINT', onStop);
    }
  }

  private save(): void {
    writeSweep(this.dir, this.sweep);
  }

  /**
   * sweep.json as the runs say: members a previous scheduler left running are followed while
   * their trainer lives, queued again when it died (killed: resumed from the last checkpoint);
   * with `resume`, stopped and failed members are queued again too.
   */
  private settle(): void {
    const runs = memberRuns(this.sweep.runsDir, this.sweep.id);
    for (const m of this.sweep.members) {
      const run = runs.get(m.index);
      if (run) m.runDir = run.dir;
      // A trainer of the last scheduler that has not made its run directory yet is still its job.
      const jobAlive = run ? isLiveStatus(run.info.status) && trainerAlive(run.info) : m.jobId !== undefined && trainerAlive({ pid: Number(m.jobId) });
      m.state = stateOnTakeOver(currentState(m, run?.info, jobAlive ? 'running' : 'gone'), this.options.resume);
      if (m.state === 'queued') m.error = undefined;
    }
    this.save();
  }

  /** Members running under a trainer this process did not start (a previous scheduler's). */
  private followAdopted(): void {
    let changed = false;
    for (const m of this.sweep.members) {
      if (m.state !== 'running' || this.children.has(m.index)) continue;
      const run = m.runDir ? this.runInfo(m.runDir) : memberRuns(this.sweep.runsDir, this.sweep.id).get(m.index)?.info;
      if (!m.runDir && run) m.runDir = memberRuns(this.sweep.runsDir, this.sweep.id).get(m.index)?.dir;
      const alive = run ? isLiveStatus(run.status) && trainerAlive(run) : m.jobId !== undefined && trainerAlive({ pid: Number(m.jobId) });
      if (alive) {
        if (this.stopping && run) signalTrainer(run);
        continue;
      }
      const state = currentState(m, run, 'gone');
      m.state = state === 'killed' ? (this.stopping ? 'stopped' : 'queued') : state;
      changed = true;
    }
    if (changed) this.save();
  }

  private runInfo(runDir: string) {
    try {
      return readRunInfo(runDir);
    } catch {
      return undefined;
    }
  }

  private startQueued(): void {
    let running = this.sweep.members.filter((m) => m.state === 'running').length;
    for (const m of this.sweep.members) {
      if (running >= this.sweep.parallel) break;
      if (m.state !== 'queued') continue;
      this.start(m);
      running++;
    }
  }

  /** A trainer for the member: `resume` from its run's last checkpoint when it has one, else a new run. */
  private start(m: SweepMemberRecord): void {
    const { args, resumes } = memberCommand(this.dir, this.sweep, m);
    if (!resumes) m.runDir = undefined;
    mkdirSync(join(this.dir, sweepFiles.logs), { recursive: true });
    const fd = openSync(join(this.dir, memberFile('logs', m.index)), 'a');
    let child: ChildProcess;
    try {
      // Output to a file, not a pipe: a trainer must not die of a broken pipe when this process does.
      child = spawn(process.execPath, [this.options.cli, ...args], { stdio: ['ignore', fd, fd], shell: false });
    } finally {
      closeSync(fd);
    }
    m.state = 'running';
    m.starts++;
    m.jobId = child.pid === undefined ? undefined : String(child.pid);
    m.error = undefined;
    this.children.set(m.index, child);
    log(`member ${m.index} (${m.name}): ${args[0]}, pid ${child.pid}`);
    child.on('error', (e) => this.finished(m, `could not start ${process.execPath}: ${e.message}`));
    child.on('exit', (code, signal) => this.finished(m, signal ? `its trainer was killed by ${signal}` : `its trainer exited with code ${code}`));
    this.save();
  }

  /** A trainer of this process ended: the member takes its run's status. */
  private finished(m: SweepMemberRecord, how: string): void {
    if (!this.children.delete(m.index)) return; // 'error' and 'exit' both came
    const run = memberRuns(this.sweep.runsDir, this.sweep.id).get(m.index);
    if (run) m.runDir = run.dir;
    const status = run?.info.status;
    if (status !== undefined && !isLiveStatus(status)) {
      m.state = status as MemberState;
      if (run?.info.error) m.error = run.info.error;
    } else if (this.stopping) {
      // Stopped before it could take the signal itself (still starting): nothing was lost.
      m.state = run ? 'stopped' : 'queued';
    } else {
      // No run, or one left `running`: the trainer died before it could say why.
      m.state = 'failed';
      m.error = `${how}${lastWords(this.dir, m.index) ? `: ${lastWords(this.dir, m.index)}` : ''}`;
    }
    log(`member ${m.index}: ${m.state}${m.error ? ` (${m.error})` : ''}`);
    this.save();
  }

  /** SIGTERM: no more starts; every trainer checkpoints and stops; members still queued stay queued. */
  private stop(): void {
    if (this.stopping) return;
    this.stopping = true;
    log('stopping: the running members checkpoint and stop');
    for (const child of this.children.values()) child.kill('SIGTERM');
  }
}
