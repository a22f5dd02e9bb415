// A field of the config language in words (markdown), for completion documentation and hover.
// Everything comes from describeSchema's FieldDoc; nothing about the fields is restated here.
import type { FieldDoc, ValueSpec } from '../../trainer/config/index.js';

const code = (v: unknown): string => `\`${typeof v === 'string' ? v : JSON.stringify(v)}\``;

function typeName(v: ValueSpec): string {
  switch (v.type) {
    case 'list':
      return `list of ${[...new Set(v.items.map(typeName))].join(' or ') || 'values'}`;
    case 'string':
      return v.enum ? 'name' : 'text';
    default:
      return v.type;
  }
}

/** The allowed values or bounds of one kind of value, or undefined when anything of its type goes. */
function rangeOf(v: ValueSpec): string | undefined {
  switch (v.type) {
    case 'integer':
    case 'number': {
      if (v.enum) return v.enum.map(code).join(', ');
      const bounds = [
        v.minimum !== undefined ? `≥ ${v.minimum}` : undefined,
        v.exclusiveMinimum !== undefined ? `> ${v.exclusiveMinimum}` : undefined,
        v.maximum !== undefined ? `≤ ${v.maximum}` : undefined,
        v.exclusiveMaximum !== undefined ? `< ${v.exclusiveMaximum}` : undefined,
      ].filter((b) => b !== undefined);
      return bounds.length ? bounds.join(', ') : undefined;
    }
    case 'string':
      if (v.enum) return v.enum.map(code).join(', ');
      return v.minLength ? `at least ${v.minLength} character${v.minLength === 1 ? '' : 's'}` : undefined;
    case 'boolean':
      return '`true`, `false`';
    case 'list': {
      const items = v.items.map(rangeOf).filter((r) => r !== undefined);
      const count = v.minItems === v.maxItems && v.minItems !== undefined ? `${v.minItems} items` : undefined;
      return [count, ...items.map((r) => `each ${r}`)].filter(Boolean).join('; ') || undefined;
    }
    default:
      return undefined;
  }
}

/** Description, type, default and range of a field: the body of its hover and completion docs. */
export function fieldMarkdown(field: FieldDoc): string {
  const lines = [field.description, ''];
  const isSection = field.values.some((v) => v.type === 'mapping');
  if (!isSection) lines.push(`- type: ${[...new Set(field.values.map(typeName))].join(' or ')}`);
  if (field.default !== undefined) lines.push(`- default: ${code(field.default)}`);
  else if (field.computedDefault) lines.push(`- default: ${field.computedDefault}`);
  else if (field.required) lines.push('- required');
  const ranges = field.values.map(rangeOf).filter((r) => r !== undefined);
  if (ranges.length) lines.push(`- values: ${ranges.join(', or ')}`);
  if (field.valueDescriptions) {
    lines.push('');
    for (const [value, description] of Object.entries(field.valueDescriptions)) lines.push(`- ${code(value)}: ${description}`);
  }
  if (field.when) lines.push('', `_(only when \`${field.when.path}\` is \`${field.when.equals}\`)_`);
  return lines.join('\n').trim();
}

/** The values a field takes from a fixed set (enums, literals, booleans), for value completion. */
export function enumeratedValues(field: FieldDoc): string[] {
  const values = field.values.flatMap((v): string[] => {
    if (v.type === 'boolean') return ['true', 'false'];
    if ((v.type === 'string' || v.type === 'integer' || v.type === 'number') && v.enum) return v.enum.map(String);
    return [];
  });
  return [...new Set(values)];
}
