// The per-run status lines above the dashboard's charts: status, step, loss, held-out accuracy
// (final and best), throughput, the device, and for runs that failed or diverged the error with
// a link to the trainer's log.
import type { RunSummary } from '../../protocol/runData.js';
import { epochText, heldOutText, timeText } from '../../protocol/runHeadline.js';
import { formatNumber, formatShort } from '../shared/numberFormat.js';

export interface RunStatusView {
  summary: RunSummary | undefined;
  dir: string;
  color: string;
  removed: boolean;
}

function displayName(run: RunStatusView): string {
  return run.summary?.name && run.summary.name !== run.summary.id ? `${run.summary.name} (${run.summary.id})` : (run.summary?.id ?? run.dir);
}

export function renderRunStatus(list: HTMLElement, runs: RunStatusView[], openLog: (runDir: string) => void): void {
  list.replaceChildren(
    ...runs.map((run) => {
      const li = document.createElement('li');
      li.className = 'run-status';
      li.dataset.runDir = run.dir;
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = run.color;
      const name = document.createElement('strong');
      name.textContent = displayName(run);
      const s = run.summary;
      const heldOut = heldOutText(s?.heldOutAccuracy);
      const time = s ? timeText(s) : null;
      const facts = document.createElement('span');
      facts.className = 'run-facts';
      facts.textContent = s
        ? ` — ${s.status} · step ${s.step}${s.totalSteps ? ` / ${s.totalSteps}` : ''}${s.epochs ? ` · ${epochText(s)}` : ''} · loss ${formatNumber(s.loss)}${heldOut ? ` · ${heldOut}` : ''} · ${formatShort(s.imagesPerSecond)} images/s${s.device ? ` on ${s.device}` : ''}${time ? ` · ${time}` : ''}`
        : ' — waiting for the run';
      li.append(swatch, name, facts);
      if (run.removed) {
        const gone = document.createElement('span');
        gone.className = 'run-removed';
        gone.textContent = ' · run directory deleted';
        li.append(gone);
      }
      if (s && (s.status === 'failed' || s.status === 'diverged')) {
        const error = document.createElement('div');
        error.className = 'run-error';
        error.textContent = s.statusReason ?? s.error ?? `the run ${s.status}`;
        const link = document.createElement('button');
        link.className = 'link';
        link.type = 'button';
        link.textContent = 'Open log';
        link.addEventListener('click', () => openLog(run.dir));
        error.append(' ', link);
        li.append(error);
      }
      return li;
    }),
  );
}
