// A resolved config as the run directory keeps it: config.yaml (keys in schema order, short
// lists inline) and the hash in run.json, which depends on values only — not on key order,
// comments or formatting.
import { createHash } from 'node:crypto';
import { Document, isSeq, visit } from 'yaml';
import { describeSchema } from './describe.js';
import type { ResolvedConfig } from './resolved.js';

/** Object keys in the order the schema lists them (for `data`, its kind's), recursively. */
function inSchemaOrder(value: unknown, kind: string | undefined, prefix = ''): unknown {
  if (Array.isArray(value)) return value.map((v) => inSchemaOrder(v, kind, prefix));
  if (value === null || typeof value !== 'object') return value;
  const order = describeSchema()
    .filter((f) => !f.when || f.when.equals === kind)
    .map((f) => f.path);
  const rank = (key: string) => {
    const i = order.indexOf(prefix ? `${prefix}.${key}` : key);
    return i < 0 ? order.length : i;
  };
  const keys = Object.keys(value).sort((a, b) => rank(a) - rank(b));
  return Object.fromEntries(keys.map((k) => [k, inSchemaOrder((value as Record<string, unknown>)[k], kind, prefix ? `${prefix}.${k}` : k)]));
}

export function stringifyConfig(config: ResolvedConfig): string {
  const doc = new Document(inSchemaOrder(config, config.data.kind));
  // Lists here are short (betas, layer indices): one line each reads better.
  visit(doc, {
    Seq(_, node) {
      if (isSeq(node)) node.flow = true;
    },
  });
  doc.commentBefore = ' The fully resolved run config: every default spelled out, paths absolute.';
  return doc.toString({ lineWidth: 0 });
}

/** JSON with object keys sorted at every level: equal configs give equal text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** sha256 (hex) of the canonical JSON of the resolved config. */
export function configHash(config: ResolvedConfig): string {
  return createHash('sha256').update(canonicalJson(config)).digest('hex');
}
