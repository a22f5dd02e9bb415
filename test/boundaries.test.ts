// The import rules of scripts/check-boundaries.mjs hold for this checkout, and the checker finds
// what breaks them (a forbidden direction, a cycle, a dynamic or type-only import, a missing file).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { checkBoundaries } from '../scripts/check-boundaries.mjs';

const check = checkBoundaries as (root: string) => string[];

test('this checkout keeps the import rules: allowed directions only, no import cycles', () => {
  assert.deepEqual(check(join(__dirname, '..')), []);
});

test('the checker names a forbidden direction (between parts and between the server\'s rooms), a cycle through type-only and dynamic imports, and an unresolved import', () => {
  const root = mkdtempSync(join(tmpdir(), 'crate-boundaries-'));
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  try {
    write('trainer/a.ts', "import type { B } from './b.js';\nexport type A = number;\n");
    write('trainer/b.ts', "// import { nothing } from './gone.js';\nexport type B = number;\nexport const load = () => import('./a.js');\n");
    write('trainer/c.ts', "import {\n  run,\n} from '../server/s.js';\nimport './missing.js';\n");
    write('server/s.ts', "import { A } from '../trainer/a.js';\nexport const run = 1;\n");
    write('webviews/w.ts', "import '../server/s.js';\n");
    // The server's rooms: the language room reaches the runs room only through its index interface.
    write('server/runs/runIndex.ts', 'export type RunIndex = number;\n');
    write('server/runs/r.ts', "import type { RunIndex } from './runIndex.js';\nexport const r: RunIndex = 1;\n");
    write('server/language/l.ts', "import type { RunIndex } from '../runs/runIndex.js';\nimport { r } from '../runs/r.js';\n");
    write('server/runs/back.ts', "import '../language/l.js';\n");
    const problems = check(root);
    assert.deepEqual(problems.sort(), [
      'import cycle: trainer/a.ts → trainer/b.ts → trainer/a.ts',
      'server/language/l.ts: server/language/ may not import server/runs/ (../runs/r.js); allowed: server/language, trainer, protocol, server/runs/runIndex.ts, server/handlerGuard.ts',
      'server/runs/back.ts: server/runs/ may not import server/language/ (../language/l.js); allowed: server/runs, trainer, protocol, server/handlerGuard.ts',
      'trainer/c.ts: imports ./missing.js, which is not a file of this repository',
      'trainer/c.ts: trainer/ may not import server/ (../server/s.js); allowed: trainer, protocol',
      'webviews/w.ts: webviews/ may not import server/ (../server/s.js); allowed: webviews, protocol',
    ]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
