// A config (or any parsed YAML/JSON value) as dotted paths to its leaves: `optim.lr` → 0.001.
// Lists are leaves, and an empty mapping is a leaf of its own ({}), so two configs that differ only
// there still differ. The language of sweep grids, config diffs and the study's settings.

/** `value`'s leaves by dotted path. */
export function flatten(value: unknown, prefix = '', out: Map<string, unknown> = new Map()): Map<string, unknown> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const entries = Object.entries(value as Record<string, unknown>);
    if (entries.length === 0 && prefix) out.set(prefix, {});
    for (const [k, v] of entries) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) {
    out.set(prefix, value);
  }
  return out;
}
