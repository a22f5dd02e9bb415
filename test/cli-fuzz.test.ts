// Fuzzing the crate-lab command line (issue 11): hundreds of seeded command lines of every command
// (support/cliFuzzCases.ts), valid and invalid by construction, with hostile values and files.
// For each: no internal error, no stack trace, no hang; a valid one exits 0 with output and an
// invalid one exits 2 with one line naming what is wrong. Most run in-process through the
// dispatcher the binary uses (support/cliHost.ts); a sample runs as the real binary.
//
// CRATE_LAB_FUZZ_SEED changes the seed, CRATE_LAB_FUZZ_CASES the count, and CRATE_LAB_FUZZ_ONLY
// (case numbers, comma-separated) reruns the cases a failure names.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveShape } from '../trainer/model/architecture.js';
import { shapeMetadata } from '../trainer/model/checkpointShape.js';
import { initializeParameters } from '../trainer/model/initialize.js';
import { encodeNpy } from '../trainer/io/npy.js';
import { encodeSafetensors } from '../trainer/io/safetensors.js';
import { Rng } from '../trainer/random/rng.js';
import { cliPath } from './support/cli.js';
import { CliHost, type HostResult } from './support/cliHost.js';
import { type FuzzCase, type FuzzFiles, fuzzCase, seededRandom } from './support/cliFuzzCases.js';

const seed = Number(process.env.CRATE_LAB_FUZZ_SEED ?? 20261201);
const count = Number(process.env.CRATE_LAB_FUZZ_CASES ?? 1000);
const spawnedCount = 30;
const only = process.env.CRATE_LAB_FUZZ_ONLY?.split(',').map(Number);
/** Valid cases take well under a second; a loaded machine may take several. */
const hangMs = 30_000;

const dir = mkdtempSync(join(tmpdir(), 'crate-cli-fuzz-'));
let files: FuzzFiles;
const host = new CliHost();

function makeFiles(): FuzzFiles {
  const path = (name: string) => join(dir, name);
  const write = (name: string, data: Buffer | string): string => {
    writeFileSync(path(name), data);
    return path(name);
  };
  const link = (name: string, target: string): string => {
    symlinkSync(target, path(name));
    return path(name);
  };
  const shape = resolveShape('crate-alpha', undefined, { image: 8, patch: 4, channels: 1, dim: 8, depth: 1, heads: 2, classes: 3 });
  const rng = new Rng(11);
  const params = initializeParameters(shape, rng);
  const weightsBytes = encodeSafetensors(params, shapeMetadata(shape));
  const images = rng.fill(new Float32Array(2 * 64), () => rng.normal());
  const inputBytes = encodeNpy({ shape: [2, 1, 8, 8], data: images });
  const weights = write('w.safetensors', weightsBytes);
  const input = write('x.npy', inputBytes);
  const folder = path('folder');
  mkdirSync(folder);
  const fifo = path('pipe');
  assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo');

  const headerShort = Buffer.from(weightsBytes);
  headerShort.writeBigUInt64LE(headerShort.readBigUInt64LE(0) - 1n, 0);
  const headerHuge = Buffer.from(weightsBytes);
  headerHuge.writeBigUInt64LE(0xffffffffffffff00n, 0);
  const [firstName, first] = [...params][0];
  const nanWeights = new Map(params);
  nanWeights.set(firstName, { shape: first.shape, data: Float32Array.from(first.data, (v, i) => (i === 1 ? NaN : v)) });
  const random = seededRandom(5);
  const garbage = Buffer.from(Array.from({ length: 1000 }, () => Math.floor(random() * 256)));
  const npyHeaderEnd = inputBytes.length - images.byteLength;
  const badInputs = [
    path('missing.safetensors'),
    path('new\nline.npy'),
    path('y'.repeat(300)),
    folder,
    fifo,
    '/dev/zero',
    write('empty', ''),
    write('garbage.bin', garbage),
    write('cut4.safetensors', weightsBytes.subarray(0, 4)),
    write('cut8.safetensors', weightsBytes.subarray(0, 8)),
    write('cut-half.safetensors', weightsBytes.subarray(0, weightsBytes.length >> 1)),
    write('cut-last.safetensors', weightsBytes.subarray(0, weightsBytes.length - 1)),
    write('header-short.safetensors', headerShort),
    write('header-huge.safetensors', headerHuge),
    write('header-empty.safetensors', Buffer.concat([Buffer.from([2, 0, 0, 0, 0, 0, 0, 0]), Buffer.from('{}')])),
    write('nan.safetensors', encodeSafetensors(nanWeights, shapeMetadata(shape))),
    write('cut.npy', inputBytes.subarray(0, npyHeaderEnd + 10)),
    write('magic.npy', Buffer.concat([Buffer.from('NUMPY!'), inputBytes.subarray(6)])),
    write('none.npy', encodeNpy({ shape: [0, 1, 8, 8], data: new Float32Array(0) })),
    write('nan.npy', encodeNpy({ shape: [2, 1, 8, 8], data: images.map((v, i) => (i === 70 ? NaN : v)) })),
    write('inf.npy', encodeNpy({ shape: [2, 1, 8, 8], data: images.map((v, i) => (i === 3 ? -Infinity : v)) })),
    write('five-d.npy', encodeNpy({ shape: [1, 2, 1, 8, 8], data: images })),
    write('rgb.npy', encodeNpy({ shape: [1, 2, 8, 8], data: images })),
    write('claims-huge.npy', Buffer.from(inputBytes.toString('latin1').replace('(2, 1, 8, 8)', '(9999999999, 8, 8, 8)'), 'latin1')),
    link('dangling', path('nowhere')),
    link('loop', path('loop')),
    link('to-fifo', fifo),
    link('to-folder', folder),
  ];
  const config = write('tiny.crate.yaml', 'backend: cpu\nmodel: {arch: crate, depth: 1, width: 8, heads: 2}\ndata: {kind: synthetic-subspaces, image: 8, patch: 4, trainSize: 32, testSize: 16}\noptim: {batchSize: 16, maxSteps: 1}\n');
  const badConfigs = [
    path('missing.crate.yaml'),
    folder,
    fifo,
    '/dev/zero',
    path('empty'),
    path('garbage.bin'),
    write('list.crate.yaml', '- 1\n- 2\n'),
    write('unknown-key.crate.yaml', `${readFileSync(config, 'utf8')}bogus: 1\n`),
    write('wrong-type.crate.yaml', 'model: {arch: crate, depth: abc, width: -8, heads: 2}\ndata: {kind: synthetic-subspaces}\n'),
    write('tabs.crate.yaml', 'model:\n\tarch: crate\n'),
    link('config-loop.crate.yaml', path('config-loop.crate.yaml')),
  ];
  return {
    weights,
    input,
    weightsLink: link('w-link.safetensors', weights),
    inputLink: link('x-link.npy', input),
    config,
    runsDir: path('runs'),
    badInputs,
    badConfigs,
    badOutputs: [path('absent/out.npy'), folder, join(weights, 'out.npy'), fifo, ''],
    notFolders: [input, fifo, '/dev/zero'],
    output: (i, name) => path(`out-${i}-${name}.npy`),
  };
}

/** An argument as a person reads it: long ones shortened, line breaks shown. */
function show(argv: string[]): string {
  return argv.map((a) => JSON.stringify(a.length > 80 ? `${a.slice(0, 40)}…(${a.length} chars)` : a)).join(' ');
}

/** One line after the CLI's own joining of a multi-line message (a path with a line break in it). */
function asOneLine(word: string): string {
  return word.split('\n').map((l) => l.trim()).filter(Boolean).join(' ').toLowerCase();
}

/**
 * Dawn (the webgpu package's native library) logs to the process's stderr while `doctor` probes
 * for adapters ("Warning: Couldn't load Vulkan" with its C++ location); that is not the CLI's.
 */
function withoutDawnLog(stderr: string): string {
  return stderr
    .split('\n')
    .filter((l) => !/^Warning: /.test(l) && !/^\s+at .*\/third_party\/dawn\//.test(l))
    .join('\n')
    .replace(/^\n+/, '');
}

/** What is wrong with result `r` of case `c`, or undefined when it is right. */
function judge(c: FuzzCase, result: HostResult): string | undefined {
  const r = { ...result, stderr: withoutDawnLog(result.stderr) };
  if (/internal error/i.test(r.stdout + r.stderr)) return 'an internal error';
  if (/^\s+at /m.test(r.stderr)) return 'a stack trace';
  const lines = r.stderr.split('\n').filter((l) => l.trim() !== '');
  switch (c.expect) {
    case 'help':
      return r.code === 0 && r.stdout.startsWith('usage: crate-lab') ? undefined : `exit ${r.code} without its usage (want exit 0 and usage)`;
    case 'no-command':
      return r.code === 2 && r.stdout.startsWith('usage: crate-lab <command>') ? undefined : `exit ${r.code}; want 2 and the list of commands`;
    case 'valid': {
      if (r.code !== 0) return `rejected a valid command line (exit ${r.code})`;
      if (r.stderr.trim() !== '') return 'wrote to stderr on success';
      if (r.stdout.trim() === '') return 'printed nothing';
      if (c.argv.includes('--json')) {
        for (const line of r.stdout.trim().split('\n')) {
          try {
            JSON.parse(line);
          } catch {
            return `--json printed a line that is not JSON: ${line.slice(0, 200)}`;
          }
        }
      }
      const missing = c.writes.find((f) => !existsSync(f));
      return missing ? `did not write ${missing}` : undefined;
    }
    case 'invalid': {
      if (r.code === 0) return 'accepted an invalid command line (exit 0)';
      if (r.code !== 2) return `exit ${r.code}; a user's mistake exits 2`;
      if (lines.length === 0) return 'no error line';
      if (lines.length > (c.linePerMistake ? 30 : 1)) return `${lines.length} error lines`;
      const text = lines.join('\n').toLowerCase();
      const words = c.faults.map(asOneLine).filter((w) => w !== '');
      if (words.length > 0 && !words.some((w) => text.includes(w))) return `the error names none of ${show(c.faults)}`;
      return undefined;
    }
  }
}

function report(i: number, c: FuzzCase, outcome: string, r?: HostResult): string {
  const detail = r ? `; exit ${r.code}; stderr: ${r.stderr.slice(0, 600).trimEnd() || '(none)'}` : '';
  return `case ${i} (${c.expect}): crate-lab ${show(c.argv)}\n  ${outcome}${detail}`;
}

const reproduce = (failed: number[]) =>
  `reproduce with CRATE_LAB_FUZZ_SEED=${seed} CRATE_LAB_FUZZ_ONLY=${failed.join(',')} node scripts/run-tests.mjs test/cli-fuzz.test.ts`;

before(() => {
  files = makeFiles();
});

after(() => {
  host.close();
  rmSync(dir, { recursive: true, force: true });
});

test(`${only ? only.length : count} seeded command lines in-process: no internal error, hang or silent acceptance`, async (t) => {
  t.diagnostic(`seed ${seed} (CRATE_LAB_FUZZ_SEED changes it)`);
  const indices = only ?? Array.from({ length: count }, (_, i) => i);
  const failures: string[] = [];
  const failed: number[] = [];
  const tally = { valid: 0, invalid: 0, help: 0, 'no-command': 0 };
  for (const i of indices) {
    const c = fuzzCase(seed, i, files);
    tally[c.expect]++;
    const r = await host.run(c.argv, hangMs);
    const outcome = r === 'timeout' ? `no answer within ${hangMs / 1000} s (a hang)` : 'crash' in r ? r.crash : judge(c, r);
    if (outcome) {
      failures.push(report(i, c, outcome, typeof r === 'object' && 'code' in r ? r : undefined));
      failed.push(i);
    }
  }
  t.diagnostic(`${JSON.stringify(tally)}`);
  assert.ok(tally.valid >= indices.length / 10 || only, `too few valid cases to catch false rejections: ${JSON.stringify(tally)}`);
  assert.equal(failures.length, 0, `${failures.length} of ${indices.length} command lines misbehaved (seed ${seed}):\n${failures.join('\n')}\n${reproduce(failed)}`);
});

/** The real binary, as a user runs it: a process, no shell. */
function spawnCli(argv: string[]): Promise<HostResult | 'timeout'> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cliPath, ...argv], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      resolve('timeout');
    }, hangMs);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal === 'SIGKILL' ? 137 : 1), stdout, stderr });
    });
  });
}

test(`${spawnedCount} seeded command lines run as the crate-lab binary`, { skip: only !== undefined }, async (t) => {
  assert.ok(existsSync(cliPath), `${cliPath} is missing: run node scripts/build.mjs first`);
  // Other case numbers than the in-process test's, from the same generator.
  const indices = Array.from({ length: spawnedCount }, (_, k) => 1_000_000 + k);
  const failures: string[] = [];
  const failed: number[] = [];
  // Two at a time: each is mostly Node.js starting up.
  const queue = [...indices];
  const worker = async (): Promise<void> => {
    for (let i = queue.shift(); i !== undefined; i = queue.shift()) {
      const c = fuzzCase(seed, i, files);
      const r = await spawnCli(c.argv);
      const outcome = r === 'timeout' ? `did not exit within ${hangMs / 1000} s (a hang)` : judge(c, r);
      if (outcome) {
        failures.push(report(i, c, outcome, r === 'timeout' ? undefined : r));
        failed.push(i);
      }
    }
  };
  await Promise.all([worker(), worker()]);
  t.diagnostic(`seed ${seed}`);
  assert.equal(failures.length, 0, `${failures.length} of ${indices.length} command lines misbehaved as a process (seed ${seed}):\n${failures.join('\n')}\n${reproduce(failed)}`);
});
