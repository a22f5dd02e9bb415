// A stop request (SIGTERM or SIGINT, as `crate-lab stop` and the server send) is taken from the
// moment run.json names this process, not only once the training loop runs: during start-up
// (building a large model takes seconds) the signal's default action would end the process,
// leaving run.json `running` and `stop` waiting out its timeout.
import type { RunWriter } from '../run/runWriter.js';

export class StopSignal {
  private requested = false;
  private run: RunWriter | undefined;
  private readonly onSignal = (): void => {
    this.requested = true;
    this.markStopping();
  };

  constructor() {
    process.on('SIGTERM', this.onSignal);
    process.on('SIGINT', this.onSignal);
  }

  /** Whether a stop was asked for; the loop checkpoints and ends at its next step. */
  get stopRequested(): boolean {
    return this.requested;
  }

  /** The run to mark `stopping` on a signal, also one that came before the run was opened. */
  attach(run: RunWriter): void {
    this.run = run;
    if (this.requested) this.markStopping();
  }

  dispose(): void {
    process.off('SIGTERM', this.onSignal);
    process.off('SIGINT', this.onSignal);
  }

  private markStopping(): void {
    // Only a running run: a signal repeated after the run ended (Slurm's scancel signals every
    // process of a job, and the launchers pass it on too) must not bring back `stopping` over `stopped`.
    if (this.run?.info.status !== 'running') return;
    try {
      this.run.update({ status: 'stopping' });
    } catch {
      // run.json keeps `running`; the loop still stops and writes the final status.
    }
  }
}
