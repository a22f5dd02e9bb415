// The command line in-process (trainer/cli/dispatch.ts, as the binary and the CLI fuzz test run
// it): exit codes and output come back to the caller, and commands leave nothing behind that
// breaks the next one.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCrateLab as runCli } from '../bin/crateLab.js';

async function run(argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } });
  return { code, stdout, stderr };
}

test('bench twice in one process: the second finds no variables of the first (tfjs names them globally)', async () => {
  const argv = ['bench', '--arch', 'crate', '--depth', '1', '--width', '8', '--heads', '2', '--patch', '4', '--image', '8', '--channels', '1', '--classes', '3', '--batch', '2', '--steps', '1', '--warmup', '0', '--backend', 'cpu', '--json'];
  for (let k = 0; k < 2; k++) {
    const r = await run(argv);
    assert.equal(r.stderr, '', `run ${k + 1}`);
    assert.equal(r.code, 0);
    assert.equal(JSON.parse(r.stdout).batch, 2);
  }
});

test('a user mistake comes back as exit 2 and one line on the given stderr', async () => {
  const r = await run(['inspect', '--arch', 'crate', '--size', 'tiny', '--depth', 'abc']);
  assert.deepEqual(r, { code: 2, stdout: '', stderr: 'crate-lab inspect: --depth must be a positive integer, got "abc"\n' });
});
