// The schema as data, for completion and hover: one FieldDoc per key path. Built by walking the
// JSON Schema that zod derives from schema.ts, so descriptions, defaults and ranges are never
// restated here.
import { z } from 'zod';
import { configSchema } from './schema.js';

/** One accepted kind of value. A field accepting several (e.g. a step count or "epoch") has several. */
export type ValueSpec =
  | { type: 'integer' | 'number'; enum?: number[]; minimum?: number; maximum?: number; exclusiveMinimum?: number; exclusiveMaximum?: number }
  | { type: 'string'; enum?: string[]; minLength?: number; maxLength?: number }
  | { type: 'boolean' }
  | { type: 'list'; items: ValueSpec[]; minItems?: number; maxItems?: number }
  | { type: 'mapping' };

export interface FieldDoc {
  /** Dotted key path, e.g. "optim.lr"; list elements have no entries of their own. */
  path: string;
  key: string;
  description: string;
  values: ValueSpec[];
  /** The static default, when there is one. */
  default?: unknown;
  /** A default computed from other fields, in words (e.g. "from the dataset"). */
  computedDefault?: string;
  required: boolean;
  /** Only present for one dataset kind (fields of `data` that differ between kinds). */
  when?: { path: 'data.kind'; equals: string };
  /** Per allowed value, its own description (the dataset kinds). */
  valueDescriptions?: Record<string, string>;
}

type JsonSchema = {
  type?: string;
  description?: string;
  computedDefault?: string;
  kindDescription?: string;
  default?: unknown;
  const?: unknown;
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  items?: JsonSchema | false;
  prefixItems?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
};

let jsonSchema: JsonSchema | undefined;

/** The config schema as JSON Schema (draft 2020-12), e.g. for YAML editors that take one. */
export function configJsonSchema(): object {
  jsonSchema ??= z.toJSONSchema(configSchema, { io: 'input' }) as JsonSchema;
  return jsonSchema;
}

/** zod states the safe-integer range on every integer; it is noise in a hover. */
const bound = (v: number | undefined): number | undefined => (v === undefined || Math.abs(v) >= Number.MAX_SAFE_INTEGER ? undefined : v);

function valueSpecs(s: JsonSchema): ValueSpec[] {
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) return alternatives.flatMap(valueSpecs);
  const literals = s.const !== undefined ? [s.const] : s.enum;
  switch (s.type) {
    case 'integer':
    case 'number':
      return [
        withoutUndefined({
          type: s.type,
          enum: literals as number[] | undefined,
          minimum: bound(s.minimum),
          maximum: bound(s.maximum),
          exclusiveMinimum: s.exclusiveMinimum,
          exclusiveMaximum: s.exclusiveMaximum,
        }),
      ];
    case 'string':
      return [withoutUndefined({ type: 'string' as const, enum: literals as string[] | undefined, minLength: s.minLength, maxLength: s.maxLength })];
    case 'boolean':
      return [{ type: 'boolean' }];
    case 'array': {
      const items = s.prefixItems ?? (s.items ? [s.items] : []);
      return [withoutUndefined({ type: 'list' as const, items: items.flatMap(valueSpecs), minItems: s.minItems, maxItems: s.maxItems })];
    }
    case 'object':
      return [{ type: 'mapping' }];
    default:
      return [];
  }
}

function withoutUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

function doc(path: string, s: JsonSchema, required: boolean, description = s.description ?? ''): FieldDoc {
  const isSection = s.type === 'object' || s.oneOf !== undefined;
  return withoutUndefined({
    path,
    key: path.slice(path.lastIndexOf('.') + 1),
    description,
    values: isSection ? [{ type: 'mapping' as const }] : valueSpecs(s),
    // A section's `{}` default only says "may be left out"; its fields carry the real defaults.
    default: isSection ? undefined : s.default,
    computedDefault: s.computedDefault,
    required,
  });
}

function walkObject(s: JsonSchema, prefix: string, out: FieldDoc[]): void {
  for (const [key, child] of Object.entries(s.properties ?? {})) {
    const path = prefix ? `${prefix}.${key}` : key;
    out.push(doc(path, child, s.required?.includes(key) ?? false));
    if (child.properties) walkObject(child, path, out);
    if (child.oneOf) walkKinds(child, path, out);
  }
}

/**
 * A discriminated union (`data`): `kind` once, with every kind as an allowed value; a field that
 * is the same in every kind once; the others once per kind, tagged with `when`.
 */
function walkKinds(s: JsonSchema, prefix: string, out: FieldDoc[]): void {
  const variants = s.oneOf ?? [];
  const kinds = variants.map((v) => String(v.properties?.kind?.const));
  out.push({
    path: `${prefix}.kind`,
    key: 'kind',
    description: s.kindDescription ?? '',
    values: [{ type: 'string', enum: kinds }],
    required: true,
    valueDescriptions: Object.fromEntries(variants.map((v, i) => [kinds[i], v.properties?.kind?.description ?? ''])),
  });
  const perKind = variants.map((v) => {
    const fields: FieldDoc[] = [];
    walkObject({ ...v, properties: Object.fromEntries(Object.entries(v.properties ?? {}).filter(([k]) => k !== 'kind')) }, prefix, fields);
    return fields;
  });
  // Each kind's own fields first (in its order), then the shared ones.
  const shared = new Map<string, FieldDoc>();
  perKind.forEach((fields, i) => {
    for (const field of fields) {
      const same = perKind.every((other) => other.some((f) => JSON.stringify(f) === JSON.stringify(field)));
      if (!same) out.push({ ...field, when: { path: 'data.kind', equals: kinds[i] } });
      else if (!shared.has(field.path)) shared.set(field.path, field);
    }
  });
  out.push(...shared.values());
}

let fields: readonly FieldDoc[] | undefined;

/** Every key path of the config language, in schema order. */
export function describeSchema(): readonly FieldDoc[] {
  if (!fields) {
    const out: FieldDoc[] = [];
    walkObject(configJsonSchema() as JsonSchema, '', out);
    fields = out;
  }
  return fields;
}

const applies = (f: FieldDoc, kind: string | undefined): boolean => !f.when || kind === undefined || f.when.equals === kind;

/**
 * The field at a dotted path, for hover. `kind` (the document's `data.kind`, if valid) picks
 * between the kinds' variants of a data field; without it the first variant is returned.
 */
export function fieldDoc(path: string, kind?: string): FieldDoc | undefined {
  return describeSchema().find((f) => f.path === path && applies(f, kind));
}

/** The keys allowed directly under a mapping ("" is the top level), for completion. */
export function childFields(parent: string, kind?: string): FieldDoc[] {
  const depth = parent === '' ? 0 : parent.split('.').length;
  const byKey = new Map<string, FieldDoc>();
  for (const f of describeSchema()) {
    const inside = parent === '' || f.path.startsWith(`${parent}.`);
    if (inside && f.path.split('.').length === depth + 1 && applies(f, kind) && !byKey.has(f.key)) byKey.set(f.key, f);
  }
  return [...byKey.values()];
}
