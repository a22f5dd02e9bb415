// crate-lab command lines run in-process, many per Node.js start-up: a child process runs them
// one at a time through the dispatcher the binary uses (cliHostProcess.ts). A command line that
// does not answer in time is a hang: the child is killed and the next one starts afresh.
import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { repoRoot } from './reference.js';

export interface HostResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class CliHost {
  private child: ChildProcess | undefined;
  private ready: Promise<void> | undefined;
  /** The end of the child's own stderr. */
  private log = '';

  private start(): Promise<void> {
    const child = fork(join(repoRoot, 'test', 'support', 'cliHostProcess.ts'), [], {
      execArgv: ['--import', 'tsx'],
      cwd: repoRoot,
      // The commands read no stdin and their output comes back as messages; what else reaches the
      // process's stderr (native libraries' logs, a crash) is kept for the crash report.
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    this.child = child;
    this.log = '';
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (this.log = (this.log + s).slice(-4000)));
    return new Promise((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code, signal) => reject(new Error(`the CLI host exited (${code ?? signal}) before it was ready`)));
    });
  }

  /** The command line's result, or 'timeout' (the child is then killed), or 'crash' (the child died in it). */
  async run(argv: string[], timeoutMs: number): Promise<HostResult | 'timeout' | { crash: string }> {
    this.ready ??= this.start();
    await this.ready;
    const child = this.child!;
    return new Promise((resolve) => {
      const done = (r: HostResult | 'timeout' | { crash: string }): void => {
        clearTimeout(timer);
        child.off('message', onMessage);
        child.off('exit', onExit);
        if (r === 'timeout' || 'crash' in r) {
          child.kill('SIGKILL');
          this.ready = undefined;
        }
        resolve(r);
      };
      const onMessage = (m: unknown): void => done(m as HostResult);
      const onExit = (code: number | null, signal: string | null): void => done({ crash: `the process exited (${code ?? signal}) during the command; its stderr ended: ${this.log.slice(-1500)}` });
      const timer = setTimeout(() => done('timeout'), timeoutMs);
      child.on('message', onMessage);
      child.once('exit', onExit);
      child.send(argv);
    });
  }

  close(): void {
    this.child?.kill('SIGKILL');
    this.child = undefined;
    this.ready = undefined;
  }
}
