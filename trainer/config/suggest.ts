// "Did you mean …?" for misspelt keys and enum values.

/** Lower-case, without `_`, `-` and spaces: batch_size, BatchSize and batch-size compare equal. */
const fold = (s: string): string => s.toLowerCase().replace(/[-_\s]/g, '');

/** Optimal-string-alignment distance: Levenshtein plus adjacent transpositions (lr ↔ rl). */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array(rows * cols).fill(0);
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[(i - 1) * cols + j] + 1, d[i * cols + j - 1] + 1, d[(i - 1) * cols + j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[(i - 2) * cols + j - 2] + 1);
      d[i * cols + j] = v;
    }
  }
  return d[rows * cols - 1];
}

/** How far apart two folded words are; a word that starts a candidate (cifar → cifar10) is nearly equal. */
function distance(w: string, c: string): number {
  if (w === c) return 0;
  if (w.length >= 3 && c.startsWith(w)) return 0.5;
  return editDistance(w, c);
}

/**
 * The candidate closest to `word`, if it is close enough to be a likely typo: equal up to case
 * and separators, a prefix, or within a quarter of its length in edits (at least one).
 */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const w = fold(word);
  if (w === '') return undefined;
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = distance(w, fold(c));
    if (d < bestDistance) [best, bestDistance] = [c, d];
  }
  return bestDistance <= Math.max(1, Math.floor(w.length / 4)) ? best : undefined;
}
