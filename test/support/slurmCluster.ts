// A real one-node Slurm cluster on localhost for the tests (Debian's slurm-wlm and munge, which
// `node scripts/setup.mjs test` installs). startSlurmCluster() writes a slurm.conf in a temporary
// folder and starts `munged` (its own key and socket there), `slurmctld -D` and `slurmd -D` as
// children of the test process, each in its own process group; it resolves once `sinfo` reports
// the node idle (about 2 s) and otherwise fails with the reason and the daemons' logs.
// stop() cancels the cluster's jobs, ends the three groups and removes the folder;
// stopController() ends slurmctld alone, to show what clients meet when Slurm is down; stop()
// then kills the jobs it could not cancel by the SLURM_CONF in their environment.
//
// Clients find the cluster through SLURM_CONF (cluster.env) and munge through the slurm.conf's
// AuthInfo=socket=…. Root only (SlurmUser=root). What works here: proctrack/linuxproc, task/none,
// select/cons_tres; no slurmdbd, so no accounting (sacct has nothing): job states come from
// slurmctld (squeue --json, scontrol), which keeps finished jobs for MinJobAge (1 h here).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { cpus, hostname, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';

export interface SlurmCluster {
  /** The temporary folder: slurm.conf, munge's key and socket, state, spool and logs. */
  dir: string;
  confPath: string;
  /** process.env with SLURM_CONF: the environment for sbatch, squeue, scancel, scontrol. */
  env: NodeJS.ProcessEnv;
  partition: string;
  nodeName: string;
  cpus: number;
  /** The daemons' logs, for a failing test's message. */
  logs(): string;
  /** Ends slurmctld alone, as a crash would: what clients meet when Slurm is down. */
  stopController(): Promise<void>;
  /** Cancels every job, ends the daemons and removes the folder; safe to call twice. */
  stop(): Promise<void>;
}

const daemonSpecs = ['munged', 'slurmctld', 'slurmd'] as const;
type Daemon = (typeof daemonSpecs)[number];
const readyTimeoutMs = 30_000;
const stopGraceMs = 5_000;

/** A TCP port that nothing listens on now (the kernel's pick). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function slurmConf(dir: string, node: string, ports: { ctld: number; d: number }, partition: string): string {
  const cpuCount = cpus().length;
  // Below the machine's memory: a node configured with more than it has is drained as invalid.
  const realMemoryMiB = Math.floor((totalmem() / 2 ** 20) * 0.9);
  return `# Written by test/support/slurmCluster.ts
ClusterName=cratelab-test
SlurmctldHost=${node}(127.0.0.1)
SlurmctldPort=${ports.ctld}
SlurmdPort=${ports.d}
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=${join(dir, 'munge', 'munge.socket')}
StateSaveLocation=${join(dir, 'state')}
SlurmdSpoolDir=${join(dir, 'spool')}
SlurmctldPidFile=${join(dir, 'slurmctld.pid')}
SlurmdPidFile=${join(dir, 'slurmd.pid')}
SlurmctldLogFile=${join(dir, 'log', 'slurmctld.log')}
SlurmdLogFile=${join(dir, 'log', 'slurmd.log')}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
SchedulerType=sched/builtin
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=${join(dir, 'jobcomp.txt')}
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
MailProg=/bin/true
ReturnToService=2
MinJobAge=3600
KillWait=5
NodeName=${node} NodeAddr=127.0.0.1 CPUs=${cpuCount} RealMemory=${realMemoryMiB} State=UNKNOWN
PartitionName=${partition} Nodes=${node} Default=YES MaxTime=INFINITE State=UP
`;
}

function tail(path: string, lines = 40): string {
  if (!existsSync(path)) return '(no log)';
  return readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

export async function startSlurmCluster(): Promise<SlurmCluster> {
  for (const bin of ['munged', 'slurmctld', 'slurmd', 'sinfo']) {
    const which = spawnSync('which', [bin]);
    if (which.status !== 0) throw new Error(`${bin} is not installed: the Slurm tests need Debian's slurm-wlm and munge (node scripts/setup.mjs test installs them)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'crate-slurm-'));
  // munged refuses a socket in a folder that others cannot search.
  chmodSync(dir, 0o755);
  for (const sub of ['munge', 'state', 'spool', 'log']) mkdirSync(join(dir, sub), { mode: 0o755 });
  const keyFile = join(dir, 'munge', 'munge.key');
  writeFileSync(keyFile, randomBytes(1024), { mode: 0o400 });
  const node = hostname();
  const partition = 'debug';
  const confPath = join(dir, 'slurm.conf');
  writeFileSync(confPath, slurmConf(dir, node, { ctld: await freePort(), d: await freePort() }, partition));
  const env: NodeJS.ProcessEnv = { ...process.env, SLURM_CONF: confPath };

  const logOf: Record<Daemon, string> = {
    munged: join(dir, 'log', 'munged.log'),
    slurmctld: join(dir, 'log', 'slurmctld.log'),
    slurmd: join(dir, 'log', 'slurmd.log'),
  };
  const argsOf: Record<Daemon, string[]> = {
    munged: ['-F', `--socket=${join(dir, 'munge', 'munge.socket')}`, `--key-file=${keyFile}`, `--pid-file=${join(dir, 'munge', 'munged.pid')}`,
      `--log-file=${logOf.munged}`, `--seed-file=${join(dir, 'munge', 'munged.seed')}`],
    slurmctld: ['-D', '-f', confPath],
    slurmd: ['-D', '-f', confPath, '-N', node],
  };
  const children = new Map<Daemon, ChildProcess>();
  const exits = new Map<Daemon, string>();
  const output = new Map<Daemon, string>();
  const logs = () => daemonSpecs.map((d) => `--- ${d} (${exits.get(d) ?? 'running'}) ---\n${tail(logOf[d])}\n${(output.get(d) ?? '').trim().split('\n').slice(-20).join('\n')}`).join('\n');

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    const ctld = children.get('slurmctld');
    if (ctld && ctld.exitCode === null && ctld.signalCode === null) {
      // Running jobs belong to slurmstepd, outside the daemons' groups: cancel them first.
      spawnSync('scancel', ['--full', '--user=root'], { env, timeout: 10_000 });
      const deadline = Date.now() + 10_000;
      while (Date.now() < deadline) {
        const q = spawnSync('squeue', ['-h', '-o', '%i', '--states=RUNNING,COMPLETING'], { env, encoding: 'utf8', timeout: 5_000 });
        if (q.status !== 0 || q.stdout.trim() === '') break;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    for (const d of ['slurmd', 'slurmctld', 'munged'] as const) await endGroup(children.get(d));
    killMarked(`SLURM_CONF=${confPath}`);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    for (const d of daemonSpecs) {
      const child = spawn(d, argsOf[d], { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      children.set(d, child);
      output.set(d, '');
      const keep = (b: Buffer) => output.set(d, (output.get(d) ?? '') + b.toString());
      child.stdout?.on('data', keep);
      child.stderr?.on('data', keep);
      child.on('error', (e) => exits.set(d, `could not start: ${e.message}`));
      child.on('exit', (code, signal) => exits.set(d, `exited ${signal ?? code}`));
      if (d === 'munged') await waitUntil(() => existsSync(join(dir, 'munge', 'munge.socket')) || exits.has('munged'), 10_000);
    }
    const deadline = Date.now() + readyTimeoutMs;
    let state = '';
    for (;;) {
      const died = [...exits.keys()];
      if (died.length > 0) throw new Error(`the test Slurm cluster did not come up: ${died.map((d) => `${d} ${exits.get(d)}`).join(', ')}`);
      const r = spawnSync('sinfo', ['-h', '-N', '-n', node, '-o', '%T'], { env, encoding: 'utf8', timeout: 5_000 });
      state = r.status === 0 ? r.stdout.trim() : `sinfo failed: ${r.stderr.trim()}`;
      if (state === 'idle') break;
      if (Date.now() > deadline) throw new Error(`the test Slurm cluster did not come up within ${readyTimeoutMs / 1000} s: node ${node} is "${state}"`);
      await new Promise((r2) => setTimeout(r2, 200));
    }
  } catch (e) {
    const reason = `${(e as Error).message}\n${logs()}`;
    await stop();
    throw new Error(reason);
  }
  const stopController = () => endGroup(children.get('slurmctld'));
  return { dir, confPath, env, partition, nodeName: node, cpus: cpus().length, logs, stopController, stop };
}

async function waitUntil(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
}

/**
 * SIGKILL to every process whose environment holds `marker`: what is left of the cluster's jobs
 * (slurmstepd and the members inherit SLURM_CONF) when slurmctld was down and could not cancel them.
 */
function killMarked(marker: string): void {
  const wanted = Buffer.from(`\0${marker}\0`);
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p)).map(Number)) {
    if (pid === process.pid) continue;
    try {
      const environ = Buffer.concat([Buffer.from([0]), readFileSync(`/proc/${pid}/environ`), Buffer.from([0])]);
      if (environ.includes(wanted)) process.kill(pid, 'SIGKILL');
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
}

/** SIGTERM to the child's whole process group, SIGKILL after a grace period. */
async function endGroup(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((r) => child.once('exit', () => r()));
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, s);
    } catch {
      // The group is already gone.
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), stopGraceMs);
  await gone;
  clearTimeout(timer);
}
