// The Runs view's filter (Filter Runs… on the view's title bar): which runs it shows, and how the
// view says so. A run passes when it has one of the filter's tags (any run when it names none)
// and one of its statuses (any status when it names none). Kept in the workspace's state, so a
// reload keeps it.
import type { RunsFilter } from '../protocol/commands.js';
import type { RunSummary } from '../protocol/runData.js';

export type { RunsFilter };

export function isFiltering(f: RunsFilter): boolean {
  return (f.tags?.length ?? 0) > 0 || (f.statuses?.length ?? 0) > 0;
}

export function passes(f: RunsFilter, run: RunSummary): boolean {
  if (f.statuses?.length && !f.statuses.includes(run.status)) return false;
  if (f.tags?.length && !f.tags.some((t) => run.tags?.includes(t))) return false;
  return true;
}

/** `#baseline #lr-sweep · completed or stopped` */
export function filterText(f: RunsFilter): string {
  const parts: string[] = [];
  if (f.tags?.length) parts.push(f.tags.map((t) => `#${t}`).join(' '));
  if (f.statuses?.length) parts.push(f.statuses.join(' or '));
  return parts.join(' · ');
}

/** Only the fields a filter has, without empty lists (what is stored and compared). */
export function normalFilter(f: RunsFilter | undefined): RunsFilter {
  return {
    ...(f?.tags?.length ? { tags: [...new Set(f.tags)] } : {}),
    ...(f?.statuses?.length ? { statuses: [...new Set(f.statuses)] } : {}),
  };
}
