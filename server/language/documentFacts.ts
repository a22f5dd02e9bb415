// Facts read straight from a config's YAML tree, for features that must work before the config
// is valid (the data kind decides which `data` fields exist).
import { type Document, isMap } from 'yaml';
import { describeSchema } from '../../trainer/config/index.js';

/** `data.kind` when it is one of the known kinds; otherwise undefined (every kind's fields apply). */
export function dataKindOf(yaml: Document): string | undefined {
  const data = isMap(yaml.contents) ? yaml.contents.get('data') : undefined;
  const kind = isMap(data) ? data.get('kind') : undefined;
  const known = describeSchema().find((f) => f.path === 'data.kind')?.values.flatMap((v) => (v.type === 'string' ? (v.enum ?? []) : []));
  return typeof kind === 'string' && known?.includes(kind) ? kind : undefined;
}
