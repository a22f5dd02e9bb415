// What the panel keeps of a run deleted while it is compared: the server's next answer leaves the
// run out (`missing`), and the panel goes on showing the curves, final metrics and config values
// it had for it, beside the others' fresh ones.
import type { AlignedSeries, CompareRunsResult, ConfigDifference } from '../../protocol/runData.js';

export interface ShownComparison {
  result: CompareRunsResult;
  /** Runs shown from an earlier answer: their directory is gone. */
  kept: Set<string>;
}

/** One run's points of an aligned series. */
function pointsOf(s: AlignedSeries, i: number): [number, number][] {
  const out: [number, number][] = [];
  s.step.forEach((step, k) => {
    const v = s.values[i][k];
    if (v !== null) out.push([step, v]);
  });
  return out;
}

function align(per: [number, number][][]): AlignedSeries {
  const step = [...new Set(per.flatMap((p) => p.map(([s]) => s)))].sort((a, b) => a - b);
  const at = new Map(step.map((s, k) => [s, k]));
  const values = per.map((p) => {
    const row: (number | null)[] = new Array(step.length).fill(null);
    for (const [s, v] of p) row[at.get(s)!] = v;
    return row;
  });
  return { step, values };
}

/**
 * The comparison to show after `next`: `next` itself, plus the runs `shown` had that `next` names
 * missing (in their old places, with their old data).
 */
export function keepDeletedRuns(shown: ShownComparison | undefined, next: CompareRunsResult): ShownComparison {
  const missing = new Set(next.missing ?? []);
  const previous = shown?.result;
  const keep = previous?.runDirs.filter((d) => missing.has(d)) ?? [];
  if (!previous || keep.length === 0) return { result: next, kept: new Set() };
  const runDirs = [...previous.runDirs.filter((d) => missing.has(d) || next.runDirs.includes(d)), ...next.runDirs.filter((d) => !previous.runDirs.includes(d))];
  const source = (d: string) => (next.runDirs.includes(d) ? next : previous);
  const series: CompareRunsResult['series'] = {};
  for (const key of new Set([...Object.keys(previous.series), ...Object.keys(next.series)])) {
    const per = runDirs.map((d) => {
      const s = source(d).series[key];
      return s ? pointsOf(s, source(d).runDirs.indexOf(d)) : [];
    });
    if (per.some((p) => p.length > 0)) series[key] = align(per);
  }
  // Config values: a run's own answer gives them; a path that differs in one answer and not the
  // other takes the shared value (configs do not change while a run is compared).
  const paths = [...new Set([...previous.configDiff, ...next.configDiff].map((d) => d.path))].sort();
  const configDiff: ConfigDifference[] = paths
    .map((path) => ({
      path,
      values: runDirs.map((d) => {
        const own = source(d);
        const other = own === next ? previous : next;
        const inOwn = own.configDiff.find((c) => c.path === path);
        if (inOwn) return inOwn.values[own.runDirs.indexOf(d)];
        // Shared in its own answer: the value of any run of that answer, as the other answer gives it.
        const shared = own.runDirs.find((r) => other.runDirs.includes(r));
        const inOther = other.configDiff.find((c) => c.path === path);
        return shared === undefined || !inOther ? null : inOther.values[other.runDirs.indexOf(shared)];
      }),
    }))
    .filter((d) => new Set(d.values.map((v) => JSON.stringify(v ?? null))).size > 1);
  const final = runDirs.map((d) => source(d).final[source(d).runDirs.indexOf(d)]);
  return { result: { ...next, runDirs, series, configDiff, final }, kept: new Set(keep) };
}
