#!/usr/bin/env node
// Runs every test/**/*.test.ts (or the files named) with Node's own test runner, TypeScript
// through tsx, and holds the run to two rules:
// - nothing hangs: each test file has CRATE_LAB_TEST_TIMEOUT_MS (default 8 minutes; Node 20's
//   --test-timeout applies to a file's whole process), and a file that runs out of time fails
//   the run, naming the test it was in; processes the files leave behind are killed;
// - nothing is skipped quietly: a test may skip only because the user opted out with a
//   CRATE_LAB_SKIP_* variable (test/support/optOut.ts), and the run then ends with one line
//   naming every suite skipped and why; any other skip fails the run.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The prefix of every opt-out skip reason (test/support/optOut.ts writes it). */
const OPT_OUT = /^opted out with (CRATE_LAB_SKIP_[A-Z_]+)=\S*: (.*)$/;

function testFiles(dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return testFiles(p);
    return e.name.endsWith('.test.ts') ? [relative(root, p)] : [];
  });
}

const timeoutMs = Number(process.env.CRATE_LAB_TEST_TIMEOUT_MS ?? 8 * 60_000);
if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
  process.stderr.write(`run-tests: CRATE_LAB_TEST_TIMEOUT_MS must be a positive whole number of milliseconds, not "${process.env.CRATE_LAB_TEST_TIMEOUT_MS}"\n`);
  process.exit(2);
}
const only = process.argv.slice(2);
const files = only.length > 0 ? only : testFiles(join(root, 'test')).sort();
const work = mkdtempSync(join(tmpdir(), 'crate-lab-tests-'));
const outcomesFile = join(work, 'outcomes.jsonl');

// Its own process group, so that whatever the test files leave running can be stopped with it.
const child = spawn(process.execPath, [
  '--import', 'tsx', '--test', '--test-concurrency=1', `--test-timeout=${timeoutMs}`,
  '--test-reporter=spec', '--test-reporter-destination=stdout',
  `--test-reporter=${pathToFileURL(join(root, 'scripts', 'test-outcomes-reporter.mjs'))}`, `--test-reporter-destination=${outcomesFile}`,
  ...files,
], { stdio: 'inherit', cwd: root, detached: true });
const killGroup = (signal) => {
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
};
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => killGroup(sig));
const [code, signal] = await new Promise((res) => child.once('exit', (c, s) => res([c, s])));
killGroup('SIGKILL');

let outcomes = [];
try {
  outcomes = readFileSync(outcomesFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
} catch (e) {
  process.stderr.write(`run-tests: the test outcomes could not be read (${e.message})\n`);
}
rmSync(work, { recursive: true, force: true });

let failed = code !== 0 || signal !== null;
const say = (line) => process.stdout.write(`${line}\n`);
for (const t of outcomes.filter((o) => o.kind === 'timedOut')) {
  say(`✖ ${relative(root, t.file)} ran out of its ${timeoutMs} ms${t.running ? `, in "${t.running}"` : ''}`);
  failed = true;
}
const skips = outcomes.filter((o) => o.kind === 'skipped');
const unexplained = skips.filter((s) => !OPT_OUT.test(s.reason));
for (const s of unexplained) {
  say(`✖ skipped without an opt-out: "${s.name}" (${relative(root, s.file)}): ${s.reason || 'no reason given'}`);
  failed = true;
}
const byOptOut = new Map();
for (const s of skips) {
  const m = OPT_OUT.exec(s.reason);
  if (!m) continue;
  const entry = byOptOut.get(m[1]) ?? { why: m[2], names: [] };
  entry.names.push(`"${s.name}"`);
  byOptOut.set(m[1], entry);
}
if (byOptOut.size > 0) {
  say(`Skipped by opt-out: ${[...byOptOut].map(([variable, e]) => `${variable} (${e.why}): ${e.names.join(', ')}`).join('; ')}`);
}
process.exit(failed ? 1 : 0);
