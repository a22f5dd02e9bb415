// The architecture's import rules, written once and checked on every `npm test`
// (test/boundaries.test.ts): which top-level part may import which, and no import cycles between
// modules. `node scripts/check-boundaries.mjs` prints the violations of this checkout.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The parts, and the parts (or folders or files of a part) each may import besides itself. A part
 * is a top-level folder, or a folder inside one that has rules of its own (the server's two rooms);
 * a file belongs to the deepest part that holds it. The trainer stands alone (it runs headless, as
 * a CLI); the language server reads the trainer's config, run format and model tables; the
 * extension and the webviews talk to the others only through the protocol.
 */
export const allowedImports = {
  // The run directory's format is the trainer's (it writes it); the protocol carries its records.
  protocol: ['trainer/run'],
  trainer: ['protocol'],
  // The server's entry joins its two rooms; the config language asks the runs room only through
  // its index interface (which runs a config has, what a step of its shape costs).
  server: ['trainer', 'protocol', 'server/language', 'server/runs'],
  // Both rooms guard their handlers the same way (server/handlerGuard.ts).
  'server/language': ['trainer', 'protocol', 'server/runs/runIndex.ts', 'server/handlerGuard.ts'],
  'server/runs': ['trainer', 'protocol', 'server/handlerGuard.ts'],
  extension: ['protocol', 'webviews'],
  webviews: ['protocol'],
  // The `crate-lab` executable: the trainer's commands and the language server's `lsp`.
  bin: ['trainer', 'server', 'protocol'],
};

const sourceExtensions = ['.ts', '.tsx', '.mts'];

function sourceFiles(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'dist' ? [] : sourceFiles(path);
    return sourceExtensions.some((x) => e.name.endsWith(x)) && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The relative module specifiers a file imports: static, re-exports, side-effect and dynamic imports, type-only ones too. */
export function importSpecifiers(text) {
  const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/^\s*\/\/.*$/gm, '');
  const found = [];
  for (const re of [/\b(?:import|export)\s[^;'"]*?\bfrom\s*['"](\.[^'"]+)['"]/g, /\bimport\s*['"](\.[^'"]+)['"]/g, /\bimport\s*\(\s*['"](\.[^'"]+)['"]\s*\)/g]) {
    for (const m of code.matchAll(re)) found.push(m[1]);
  }
  return found;
}

function resolveImport(fromFile, specifier) {
  const base = resolve(dirname(fromFile), specifier);
  const stem = base.replace(/\.(m?js|jsx)$/, '');
  for (const candidate of [base, ...sourceExtensions.map((x) => stem + x), ...sourceExtensions.map((x) => join(base, `index${x}`))]) {
    if (existsSync(candidate) && statSync(candidate).isFile()) return candidate;
  }
  return undefined;
}

/** Every rule broken under `root`, as one readable line each; empty when the layout keeps its rules. */
export function checkBoundaries(root) {
  // Deepest first, so that a file belongs to the innermost part holding it.
  const parts = Object.keys(allowedImports).sort((a, b) => b.split('/').length - a.split('/').length);
  const partOf = (file) => {
    const path = relative(root, file).split(sep).join('/');
    return parts.find((part) => path.startsWith(`${part}/`));
  };
  const graph = new Map();
  const problems = [];
  for (const part of parts) {
    for (const file of sourceFiles(join(root, part))) {
      if (partOf(file) !== part) continue; // an inner part's file: checked under its own rules
      const targets = [];
      for (const specifier of importSpecifiers(readFileSync(file, 'utf8'))) {
        const target = resolveImport(file, specifier);
        const name = relative(root, file);
        if (!target) {
          problems.push(`${name}: imports ${specifier}, which is not a file of this repository`);
          continue;
        }
        const to = partOf(target);
        const path = relative(root, target).split(sep).join('/');
        if (to !== part && !allowedImports[part].some((allowed) => path === allowed || path.startsWith(`${allowed}/`))) {
          problems.push(`${name}: ${part}/ may not import ${to === undefined ? path : `${to}/`} (${specifier}); allowed: ${[part, ...allowedImports[part]].join(', ')}`);
        }
        if (to !== undefined) targets.push(target);
      }
      graph.set(file, targets);
    }
  }
  for (const cycle of importCycles(graph)) problems.push(`import cycle: ${cycle.map((f) => relative(root, f)).join(' → ')}`);
  return problems;
}

/** One cycle per strongly connected component of more than one module (Tarjan), as a path back to its start. */
function importCycles(graph) {
  let counter = 0;
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const components = [];
  const visit = (v) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) {
        low.set(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v) === index.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1 || (graph.get(v) ?? []).includes(v)) components.push(component);
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return components.map((component) => {
    // A path through the component from its first module back to it, for the message.
    const members = new Set(component);
    const start = [...component].sort()[0];
    const path = [start];
    const seen = new Set([start]);
    const walk = (v) => {
      for (const w of graph.get(v) ?? []) {
        if (w === start) return true;
        if (members.has(w) && !seen.has(w)) {
          seen.add(w);
          path.push(w);
          if (walk(w)) return true;
          path.pop();
        }
      }
      return false;
    };
    walk(start);
    return [...path, start];
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const problems = checkBoundaries(resolve(dirname(fileURLToPath(import.meta.url)), '..'));
  for (const p of problems) console.error(p);
  console.log(problems.length === 0 ? 'import boundaries: ok' : `import boundaries: ${problems.length} problem(s)`);
  process.exitCode = problems.length === 0 ? 0 : 1;
}
