// How a run or a sweep reads in the Runs view, the status bar and pick lists (one wording everywhere).
import * as vscode from 'vscode';
import type { RunSummary, SweepSummary } from '../protocol/runData.js';
import { divergingText, epochText, heldOutText, timeText } from '../protocol/runHeadline.js';

const icons: Record<RunSummary['status'], [string, string?]> = {
  running: ['sync~spin', 'charts.blue'],
  stopping: ['loading~spin', 'charts.yellow'],
  stopped: ['debug-pause', 'charts.yellow'],
  completed: ['pass', 'testing.iconPassed'],
  failed: ['error', 'testing.iconFailed'],
  diverged: ['warning', 'problemsWarningIcon.foreground'],
  unknown: ['question'],
};

export function statusIcon(run: RunSummary): vscode.ThemeIcon {
  const [id, color] = icons[run.status];
  return new vscode.ThemeIcon(id, color ? new vscode.ThemeColor(color) : undefined);
}

/** `[⚠ diverging · ]step 120/400 · epoch 2/3 · loss 0.532 · val acc 80.8% (best 81.3% at step 100) · 812 img/s · 12 min elapsed · ≈ 3 min left` */
export function progressText(run: RunSummary): string {
  const parts = [...(run.diverging ? ['⚠ diverging'] : []), `step ${run.step}/${run.totalSteps}`, epochText(run)];
  if (run.loss !== null) parts.push(`loss ${formatNumber(run.loss)}`);
  const heldOut = heldOutText(run.heldOutAccuracy);
  if (heldOut) parts.push(heldOut);
  if (run.imagesPerSecond !== null && run.status === 'running') parts.push(`${Math.round(run.imagesPerSecond)} img/s`);
  const time = timeText(run);
  if (time) parts.push(time);
  return parts.join(' · ');
}

export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 1000 || (Math.abs(x) < 0.001 && x !== 0) ? x.toExponential(2) : x.toPrecision(3);
}

/** `quickstart 19:31` (today) or `quickstart Nov 24 19:31`: the run ids are long, their times tell runs apart. */
export function runLabel(run: RunSummary): string {
  const t = new Date(run.createdAt);
  if (Number.isNaN(t.getTime())) return run.name;
  const time = t.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
  const today = new Date().toDateString() === t.toDateString();
  return `${run.name} ${today ? time : `${t.toLocaleDateString(undefined, { month: 'short', day: 'numeric' })} ${time}`}`;
}

/** `#baseline #lr-sweep` */
export function tagsText(tags: readonly string[]): string {
  return tags.map((t) => `#${t}`).join(' ');
}

export function runTooltip(run: RunSummary): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${run.name}** — ${run.status}\n\n`);
  md.appendText(`${run.id}\n\n`);
  if (run.tags?.length) md.appendText(`${tagsText(run.tags)}\n\n`);
  if (run.note) md.appendText(`${run.note}\n\n`);
  md.appendMarkdown(`${progressText(run)}\n\n`);
  if (run.device) md.appendText(`on ${run.device}\n\n`);
  md.appendMarkdown(`backend ${run.backend} · started ${new Date(run.createdAt).toLocaleString()}\n\n`);
  if (run.statusReason) md.appendText(`${run.statusReason}\n\n`);
  if (run.diverging) md.appendText(`⚠ ${divergingText(run.diverging)}; a lower optim.lr may help\n\n`);
  if (run.error) md.appendText(`⚠ ${run.error}\n\n`);
  md.appendText(run.dir);
  return md;
}

export function runQuickPickItem(run: RunSummary): vscode.QuickPickItem & { run: RunSummary } {
  return { label: `$(${icons[run.status][0].replace('~spin', '')}) ${runLabel(run)}`, description: run.tags?.length ? `${run.status} · ${tagsText(run.tags)}` : run.status, detail: progressText(run), run };
}

/** A member run by what varies: `#3 model.arch=crate-c seed=1` (the sweep's name is its group's). */
export function memberLabel(run: RunSummary): string {
  const values = run.sweep?.values;
  if (!values) return `#${run.sweep?.member ?? '?'} ${run.name}`;
  return `#${run.sweep!.member} ${Object.entries(values).map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ')}`;
}

/** `4 done · 2 running · 2 queued · 0 failed` (stopped members only when there are some). */
export function countsText(sweep: SweepSummary): string {
  const { done, running, queued, failed, stopped } = sweep.counts;
  return [`${done} done`, `${running} running`, `${queued} queued`, `${failed} failed`, ...(stopped > 0 ? [`${stopped} stopped`] : [])].join(' · ');
}

export function sweepIcon(sweep: SweepSummary): vscode.ThemeIcon {
  const { running, failed, queued, stopped } = sweep.counts;
  if (running > 0) return new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.blue'));
  if (failed > 0) return new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed'));
  if (queued > 0 || stopped > 0) return new vscode.ThemeIcon('debug-pause', new vscode.ThemeColor('charts.yellow'));
  return new vscode.ThemeIcon('pass-filled', new vscode.ThemeColor('testing.iconPassed'));
}

export function sweepTooltip(sweep: SweepSummary): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${sweep.name}** — sweep of ${sweep.members} members\n\n`);
  md.appendText(`${sweep.id}\n\n`);
  md.appendMarkdown(`${countsText(sweep)}\n\n`);
  if (sweep.varying.length) md.appendText(`varying ${sweep.varying.join(', ')}\n\n`);
  md.appendText(`${sweep.scheduler} scheduler, ${sweep.parallel} at a time\n\n`);
  if (sweep.error) md.appendText(`⚠ ${sweep.error}\n\n`);
  md.appendText(sweep.dir);
  return md;
}

export function sweepQuickPickItem(sweep: SweepSummary): vscode.QuickPickItem & { sweep: SweepSummary } {
  return { label: `$(layers) ${sweep.name}`, description: sweep.id, detail: countsText(sweep), sweep };
}
