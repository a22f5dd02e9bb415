// Stopping a run, for the CLI's `crate-lab stop` and the server's crateLab/stop alike: SIGTERM to
// the trainer run.json names (only if it is that very process, see trainerProcess.ts); the trainer
// then checkpoints and records `stopped`. The callers differ only in how they report a refusal.
import { hostname } from 'node:os';
import { isLiveStatus, type RunInfo, type RunStatus } from './format.js';
import { readRunInfo } from './runInfoFile.js';
import { signalTrainer } from './trainerProcess.js';

export type StopRequested = { signalled: true; pid: number; message: string } | { signalled: false; status: RunStatus; message: string };

/** Why a run cannot be stopped from here; `reason` lets the server choose its error code. */
export class StopRefusedError extends Error {
  override name = 'StopRefusedError';
  constructor(readonly reason: 'otherHost' | 'trainerGone', message: string) {
    super(message);
  }
}

/** Signals the run's trainer; a run that is not running is not an error. Throws RunInfoError for an unreadable run.json. */
export function requestStop(runDir: string): StopRequested {
  const info = readRunInfo(runDir);
  if (!isLiveStatus(info.status)) return { signalled: false, status: info.status, message: `${runDir} is not running (status ${info.status})` };
  if (info.host !== hostname()) throw new StopRefusedError('otherHost', `${runDir} runs on ${info.host}; stop it there`);
  if (!signalTrainer(info)) throw new StopRefusedError('trainerGone', `the trainer of ${runDir} (pid ${info.pid}) is gone; resume it with: crate-lab resume ${runDir}`);
  return { signalled: true, pid: info.pid, message: `sent SIGTERM to pid ${info.pid}` };
}

/** Waits until run.json no longer says running or stopping; undefined when `timeoutMs` passed first. */
export async function stoppedRun(runDir: string, timeoutMs: number): Promise<RunInfo | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    const now = readRunInfo(runDir);
    if (!isLiveStatus(now.status)) return now;
  }
  return undefined;
}
