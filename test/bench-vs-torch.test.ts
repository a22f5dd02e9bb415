// `npm run bench -- vs-torch` (scripts/bench-vs-torch.mjs) without running PyTorch: no test may
// depend on torch. What is checked: a missing torch is one clear error with the install command,
// the children's environment drops the variables that pin OpenBLAS, and the medians.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { median, PINNING_VARIABLES, unpinnedEnv } from '../scripts/bench-vs-torch.mjs';

const root = join(__dirname, '..');

test('bench vs-torch without an interpreter that imports torch: exit 1 and says how to install PyTorch', () => {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'bench.mjs'), 'vs-torch', '--python', '/nonexistent/python3'], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stderr);
  assert.match(r.stderr, /\/nonexistent\/python3/);
  assert.match(r.stderr, /apt-get install python3-torch/);
  assert.equal(r.stdout, '');
});

test('bench vs-torch children run unpinned: OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE removed, the rest kept', () => {
  const env = unpinnedEnv({ OPENBLAS_CORETYPE: 'Haswell', OPENBLAS_L2_SIZE: '1048576', PATH: '/usr/bin', OMP_NUM_THREADS: '2' });
  assert.deepEqual(env, { PATH: '/usr/bin', OMP_NUM_THREADS: '2' });
  assert.deepEqual([...PINNING_VARIABLES].sort(), ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE']);
});

test('bench vs-torch medians: odd and even counts, order-independent', () => {
  assert.equal(median([31, 29, 60]), 31);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.throws(() => median([]), /no values/);
});
