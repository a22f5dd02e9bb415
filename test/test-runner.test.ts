// The test runner's own rules (scripts/run-tests.mjs), on small fixture files run through it for
// real: a test file that hangs fails the run within its time limit, naming the test, and what it
// left running is stopped; a skip that no opt-out explains fails the run; skips by opt-out pass
// and are named in one closing line.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { waitFor } from './support/waitFor.js';

const root = join(__dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'crate-lab-runner-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** scripts/run-tests.mjs on fixture files, with no opt-out of the caller's leaking in. */
function runTests(fixtures: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CRATE_LAB_SKIP_') && !k.startsWith('NODE_TEST')));
  const started = Date.now();
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'run-tests.mjs'), ...fixtures.map((f) => join('test', 'fixtures', 'runner', f))], {
    cwd: root,
    encoding: 'utf8',
    env: { ...clean, ...env },
    timeout: 60_000,
  });
  return { code: r.status, out: `${r.stdout}${r.stderr}`, ms: Date.now() - started };
}

/** Running, as opposed to gone or a zombie waiting for the init process to reap it. */
const running = (pid: number): boolean => {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

test('a hung test file fails the run within its time limit, names the test, and its children are stopped', async () => {
  const pidFile = join(tmp, 'sleep.pid');
  const r = runTests(['hangs.ts'], { CRATE_LAB_TEST_TIMEOUT_MS: '4000', PID_FILE: pidFile });
  assert.equal(r.code, 1, r.out);
  assert.ok(r.ms < 30_000, `took ${r.ms} ms`);
  assert.match(r.out, /✔ finishes/);
  assert.match(r.out, /✖ test\/fixtures\/runner\/hangs\.ts ran out of its 4000 ms, in "waits forever"/);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  assert.ok(pid > 0);
  await waitFor(`the hung test's child ${pid} to be stopped`, () => !running(pid), 5000);
});

test('a skip without an opt-out fails the run and says which and why', () => {
  const r = runTests(['skipsQuietly.ts']);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /✖ skipped without an opt-out: "needs a GPU" \(test\/fixtures\/runner\/skipsQuietly\.ts\): no GPU here/);
});

test('skips by opt-out pass and are named in one closing line', () => {
  const plain = runTests(['optedOut.ts']);
  assert.equal(plain.code, 0, plain.out);
  assert.doesNotMatch(plain.out, /Skipped by opt-out/);

  const r = runTests(['optedOut.ts'], { CRATE_LAB_SKIP_VSCODE: '1', CRATE_LAB_SKIP_TMPFS: '1' });
  assert.equal(r.code, 0, r.out);
  const last = r.out.trimEnd().split('\n').at(-1);
  assert.equal(
    last,
    'Skipped by opt-out: CRATE_LAB_SKIP_VSCODE (the real-VS-Code suites (code-server and Chromium)): "needs VS Code"; '
      + 'CRATE_LAB_SKIP_TMPFS (the tests on a mounted tmpfs (read-only and full disks; mounting needs root)): "needs a tmpfs"',
  );
});

test('a bad time limit is refused with one line', () => {
  const r = runTests(['optedOut.ts'], { CRATE_LAB_TEST_TIMEOUT_MS: 'soon' });
  assert.equal(r.code, 2);
  assert.equal(r.out, 'run-tests: CRATE_LAB_TEST_TIMEOUT_MS must be a positive whole number of milliseconds, not "soon"\n');
});
