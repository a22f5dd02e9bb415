// Short labels for the compared runs, shown with their colour swatch in the legend, tables and
// scatter instead of the long run ids (20261201-043638-quickstart-e7d6): the run's name where it
// tells the members apart, the name and the id's hash where names repeat, the id otherwise. The
// full "name (id)" goes in the tooltip.

export interface RunIdentity {
  dir: string;
  /** The run id, when known (a deleted run that was never described has only its directory). */
  id?: string;
  name?: string;
}

/** Labels longer than this are shortened in the middle (the start and the end tell runs apart). */
const maxLength = 24;

function basename(dir: string): string {
  return dir.split(/[\\/]/).filter(Boolean).pop() ?? dir;
}

function shorten(label: string): string {
  if (label.length <= maxLength) return label;
  const keep = maxLength - 1;
  return `${label.slice(0, Math.ceil(keep / 2))}…${label.slice(label.length - Math.floor(keep / 2))}`;
}

/** One short, distinct label per run (in the order given). */
export function shortRunLabels(runs: readonly RunIdentity[]): string[] {
  const id = (r: RunIdentity) => r.id ?? basename(r.dir);
  // Without a name (a run deleted before the panel heard of it), the id less its timestamp.
  const named = runs.map((r) => r.name || id(r).replace(/^\d{8}-\d{6}-/, ''));
  const count = (xs: string[]) => xs.reduce((m, x) => m.set(x, (m.get(x) ?? 0) + 1), new Map<string, number>());
  const names = count(named);
  // Repeated names: the id's last part (the trainer's hash) tells them apart.
  const labels = runs.map((r, i) => (names.get(named[i])! > 1 ? `${named[i]} ·${id(r).split('-').pop()}` : named[i]));
  const shortened = labels.map(shorten);
  const seen = count(shortened);
  return runs.map((r, i) => (seen.get(shortened[i])! > 1 ? shorten(id(r)) : shortened[i]));
}

/** The full identity for a tooltip: "name (id)", or the id alone when the name is the id. */
export function fullRunLabel(r: RunIdentity): string {
  const id = r.id ?? basename(r.dir);
  return r.name && r.name !== id ? `${r.name} (${id})` : id;
}
