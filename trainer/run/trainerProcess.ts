// Whether the trainer that run.json names is still running, and signalling only that process.
// A pid alone is not enough: after a crash the pid may belong to an unrelated process, which a
// `stop` must never signal. So run.json also records the trainer's identity (the boot and the
// process start time, from /proc), and a signal goes only to a live process with that identity.
import { readFileSync } from 'node:fs';
import type { RunInfo } from './format.js';

/** Whether a process with this pid exists on this host (EPERM: alive, another user's). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** This boot's id, read once: the run list checks live trainers' identities every rescan. */
let bootId: string | undefined;

/**
 * `<boot id>:<start time in clock ticks>` of process `pid` (Linux), which a later process with a
 * recycled pid does not share; undefined where /proc cannot tell (another OS, the process gone).
 */
export function processIdentity(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces and parentheses): state is field 3,
    // starttime field 22.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    bootId ??= readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    return `${bootId}:${fields[19]}`;
  } catch {
    return undefined;
  }
}

/** A command line that runs the crate-lab trainer (the CLI's train or resume). */
function looksLikeTrainer(pid: number): boolean {
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return args.some((a) => /(crate-lab|cli\.js)$/.test(a)) && args.some((a) => a === 'train' || a === 'resume');
  } catch {
    return true; // no /proc: the pid is all there is to go by
  }
}

/**
 * Whether the trainer run.json names is still running on this host: its pid lives and is the
 * same process (its recorded identity, or, for runs from before identities were recorded, a
 * trainer's command line).
 */
export function trainerAlive(info: Pick<RunInfo, 'pid' | 'trainerIdentity'>): boolean {
  if (!isAlive(info.pid)) return false;
  if (info.trainerIdentity !== undefined) {
    const now = processIdentity(info.pid);
    return now === undefined || now === info.trainerIdentity;
  }
  return looksLikeTrainer(info.pid);
}

/** SIGTERM to the trainer run.json names; false (nothing signalled) when it is not running. */
export function signalTrainer(info: Pick<RunInfo, 'pid' | 'trainerIdentity'>): boolean {
  if (!trainerAlive(info)) return false;
  try {
    process.kill(info.pid, 'SIGTERM');
  } catch (e) {
    // It ended between the check and the signal: not running, as if the check had seen it so.
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw e;
  }
  return true;
}
