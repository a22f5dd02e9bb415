#!/usr/bin/env node
// Scale benchmark of the run manager (issue 4): RUNS runs × STEPS steps on disk, each with the
// events.jsonl and scalars.bin a trainer writes; measures how long the server takes to index them
// (run.json and the end of each events.jsonl: a finished run's events are read when first
// requested, its series from scalars.bin), a downsampled 2,000-point series request, the server's
// RSS once every run's series has been loaded, and the latency from a new events.jsonl line to
// the client's eventsAppended notification. The same first request is also measured for a run
// without scalars.bin (a run from before it), which the server reads from the JSON lines.
// Usage: node scripts/build.mjs && node scripts/bench-server.mjs [--runs 100] [--steps 100000] [--keep DIR]
// or, for hostile documents against the language features (issue 11): ... bench-server.mjs --language
// or, for a sweep (issue 14): ... bench-server.mjs --sweep [--runs 1000] [--steps 1000]: one sweep
// folder (sweep.json) and its member runs; index, listRuns and listSweeps (targets < 5 s, < 100 ms).
// Targets: index < 5 s, series < 50 ms (the first request of a finished run, which loads it, and the
// later ones), RSS < 300 MB, latency < 100 ms (median).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { tsImport } from 'tsx/esm/api';
import rpc from 'vscode-languageserver-protocol/node';

const { createProtocolConnection, StreamMessageReader, StreamMessageWriter } = rpc;
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// scalars.bin is encoded by the trainer's own codec (tfjs-free TypeScript, loaded through tsx), so
// the benchmark reads what a trainer writes, not a second idea of the layout.
const { encodeScalarsRecords, scalarsFileHeader } = await tsImport('../trainer/run/scalarsFile.ts', import.meta.url);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const { values } = parseArgs({ options: { runs: { type: 'string' }, steps: { type: 'string' }, keep: { type: 'string' }, language: { type: 'boolean', default: false }, sweep: { type: 'boolean', default: false } } });
if (values.language) {
  await benchLanguage();
  process.exit(0);
}
if (values.sweep) {
  await benchSweep(Number(values.runs ?? 1000), Number(values.steps ?? 1000));
  process.exit(0);
}
values.runs ??= '100';
values.steps ??= '100000';
const runs = Number(values.runs);
const steps = Number(values.steps);

// The data: reused from --keep DIR when it already holds it.
const runsDir = values.keep ?? mkdtempSync(join(tmpdir(), 'crate-bench-server-'));
const stamp = join(runsDir, `.bench-${runs}x${steps}-scalars-v2`);
if (!existsSync(stamp)) {
  const t0 = performance.now();
  mkdirSync(runsDir, { recursive: true });
  const t = new Date().toISOString();
  for (let r = 0; r < runs; r++) {
    const dir = join(runsDir, `run-${String(r).padStart(3, '0')}`);
    mkdirSync(dir, { recursive: true });
    const info = { id: `run-${r}`, name: 'bench', configHash: 'x', status: 'completed', pid: 1, host: hostname(), backend: 'cpu', step: steps, epoch: 0, totalSteps: steps, createdAt: t, updatedAt: t, heartbeat: t };
    writeFileSync(join(dir, 'run.json'), JSON.stringify(info));
    const file = join(dir, 'events.jsonl');
    const scalarsFile = join(dir, 'scalars.bin');
    writeFileSync(file, '');
    writeFileSync(scalarsFile, scalarsFileHeader());
    let chunk = [];
    let eventsSize = 0;
    const flush = () => {
      // As RunWriter.event writes them: the line ({t, ...event}), then the event's record with the
      // line's position.
      const lines = chunk.map((event) => {
        const text = `${JSON.stringify(event)}\n`;
        const line = { event, offset: eventsSize, bytes: Buffer.byteLength(text), text };
        eventsSize += line.bytes;
        return line;
      });
      appendFileSync(file, lines.map((l) => l.text).join(''));
      appendFileSync(scalarsFile, encodeScalarsRecords(lines));
      chunk = [];
    };
    for (let s = 1; s <= steps; s++) {
      const loss = 2 * Math.exp(-s / steps) + 0.1 * Math.sin(s * 0.37 + r);
      chunk.push({ t, type: 'scalars', step: s, epoch: 0, loss, lr: 0.001 * (1 - s / steps), imagesPerSecond: 1000 + (s % 97) });
      if (s % 1000 === 0) chunk.push({ t, type: 'eval', step: s, epoch: 0, split: 'validation', loss: loss + 0.1, accuracy: 0.5 });
      if (chunk.length >= 20000) flush();
    }
    if (chunk.length) flush();
    // The run's end, with scalars.bin's digest (the server checks the whole file against it).
    const scalarsSha256 = createHash('sha256').update(readFileSync(scalarsFile)).digest('hex');
    appendFileSync(file, `${JSON.stringify({ t, type: 'status', step: steps, status: 'completed', scalarsSha256 })}\n`);
  }
  // The same events as run-000, without scalars.bin: a run written before it existed (under a
  // dot-folder, which the server does not index, so that it is not one of the RUNS runs).
  const legacy = join(runsDir, '.legacy', 'run-000');
  mkdirSync(legacy, { recursive: true });
  for (const f of ['run.json', 'events.jsonl']) copyFileSync(join(runsDir, 'run-000', f), join(legacy, f));
  writeFileSync(stamp, '');
  console.log(`generated ${runs} runs × ${steps} steps in ${((performance.now() - t0) / 1000).toFixed(1)} s (${runsDir})`);
}

const child = spawn(process.execPath, [join(root, 'dist', 'server', 'server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
const waiting = [];
connection.onNotification('crateLab/eventsAppended', (p) => {
  for (const w of waiting.splice(0)) w(p);
});
connection.listen();
const rss = () => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))[1]) / 1024;

const t0 = performance.now();
await connection.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {}, initializationOptions: { runsDirs: [runsDir] } });
await connection.sendNotification('initialized', {});
const listed = await connection.sendRequest('crateLab/listRuns', {});
const indexMs = performance.now() - t0;

// The first request of a finished run loads it (scalars.bin and the non-scalar lines of
// events.jsonl); later ones are in memory.
const one = join(runsDir, 'run-000');
const series = [];
let points = 0;
let firstSeriesMs = 0;
let firstAnswer;
for (let i = 0; i < 21; i++) {
  const t = performance.now();
  const r = await connection.sendRequest('crateLab/getScalars', { runDir: one, keys: ['loss'], maxPoints: 2000 });
  if (i === 0) {
    firstSeriesMs = performance.now() - t;
    firstAnswer = r.series;
  } else series.push(performance.now() - t);
  points = r.series.loss.step.length;
}
// The same run without scalars.bin: every line parsed. Both ways must give the same series.
const tLegacy = performance.now();
const legacyAnswer = await connection.sendRequest('crateLab/getScalars', { runDir: join(runsDir, '.legacy', 'run-000'), keys: ['loss'], maxPoints: 2000 });
const firstSeriesJsonMs = performance.now() - tLegacy;
if (JSON.stringify(legacyAnswer.series) !== JSON.stringify(firstAnswer)) throw new Error('the series from scalars.bin differs from the one from events.jsonl');

// Every run's series in memory (a compare of all of them would do this).
const tLoad = performance.now();
for (let r = 0; r < runs; r++) await connection.sendRequest('crateLab/getScalars', { runDir: join(runsDir, `run-${String(r).padStart(3, '0')}`), keys: ['loss'], maxPoints: 2000 });
const loadAllMs = performance.now() - tLoad;

// A live run: new lines appended one at a time.
const live = join(runsDir, 'live');
rmSync(live, { recursive: true, force: true });
mkdirSync(live);
const now = new Date().toISOString();
writeFileSync(join(live, 'run.json'), JSON.stringify({ id: 'live', name: 'live', configHash: 'x', status: 'running', pid: process.pid, host: hostname(), backend: 'cpu', step: 0, epoch: 0, totalSteps: 100, createdAt: now, updatedAt: now, heartbeat: now }));
writeFileSync(join(live, 'events.jsonl'), '');
await new Promise((r) => setTimeout(r, 1500)); // discovered by the watcher / rescan
const latencies = [];
for (let s = 1; s <= 50; s++) {
  const got = new Promise((resolve) => waiting.push(resolve));
  const t = performance.now();
  appendFileSync(join(live, 'events.jsonl'), `{"t":"${now}","type":"scalars","step":${s},"epoch":0,"loss":1,"lr":0.001,"imagesPerSecond":1}\n`);
  await got;
  latencies.push(performance.now() - t);
  await new Promise((r) => setTimeout(r, 20));
}
const memory = rss();
rmSync(live, { recursive: true, force: true });

await connection.sendRequest('shutdown');
await connection.sendNotification('exit');
const result = {
  runs: listed.length,
  indexSeconds: +(indexMs / 1000).toFixed(2),
  firstSeriesMs: +firstSeriesMs.toFixed(1),
  firstSeriesJsonMs: +firstSeriesJsonMs.toFixed(1),
  seriesMedianMs: +median(series).toFixed(2),
  seriesPoints: points,
  loadAllSeconds: +(loadAllMs / 1000).toFixed(2),
  rssMB: Math.round(memory),
  eventLatencyMedianMs: +median(latencies).toFixed(1),
};
console.log(JSON.stringify(result));
console.log(
  [
    `index ${result.indexSeconds} s (< 5) ${result.indexSeconds < 5 ? 'ok' : 'MISSED'}`,
    `first series of a finished run, with its lazy load ${result.firstSeriesMs} ms (< 50) ${result.firstSeriesMs < 50 ? 'ok' : 'MISSED'}`,
    `the same for a run without scalars.bin (all JSON parsed) ${result.firstSeriesJsonMs} ms (not a target: runs from before scalars.bin)`,
    `series, loaded ${result.seriesMedianMs} ms (< 50) ${result.seriesMedianMs < 50 ? 'ok' : 'MISSED'}`,
    `all ${runs} runs' series loaded in ${result.loadAllSeconds} s (not a target: loading is lazy)`,
    `rss with all loaded ${result.rssMB} MB (< 300) ${result.rssMB < 300 ? 'ok' : 'MISSED'}`,
    `latency ${result.eventLatencyMedianMs} ms (< 100) ${result.eventLatencyMedianMs < 100 ? 'ok' : 'MISSED'}`,
  ].join('\n'),
);
if (!values.keep) rmSync(runsDir, { recursive: true, force: true });

/**
 * `--language` (issue 11): hostile documents A (test/support/hostileConfigs.ts, plus 1 MB forms of
 * each) are opened and changed while document B is hovered; reports the worst hover delay on B and
 * the worst time to A's diagnostics. Target: hover delay < 100 ms.
 */
async function benchLanguage() {
  const { hostileConfigs } = await tsImport('../test/support/hostileConfigs.ts', import.meta.url);
  const megabyte = 1024 * 1024;
  const shapes = Object.entries(hostileConfigs).map(([name, make]) => [name, make()]);
  for (const [name, text] of [...shapes]) if (text.length < megabyte) shapes.push([`${name}, repeated to 1 MB`, text.repeat(Math.ceil(megabyte / text.length)).slice(0, megabyte)]);
  const server = spawn(process.execPath, [join(root, 'dist', 'server', 'server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lsp = createProtocolConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));
  const published = new Map();
  lsp.onNotification('textDocument/publishDiagnostics', (p) => published.get(`${p.uri}@${p.version}`)?.(p));
  lsp.listen();
  await lsp.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {}, initializationOptions: { diagnosticsDelayMs: 0 } });
  await lsp.sendNotification('initialized', {});
  const b = 'file:///bench/b.crate.yaml';
  await lsp.sendNotification('textDocument/didOpen', { textDocument: { uri: b, languageId: 'yaml', version: 1, text: 'name: b\nmodel: { arch: crate, size: tiny }\n' } });
  const hover = async () => {
    const t = performance.now();
    await lsp.sendRequest('textDocument/hover', { textDocument: { uri: b }, position: { line: 0, character: 1 } });
    return performance.now() - t;
  };
  await hover();
  const rows = [];
  for (const [i, [name, text]] of shapes.entries()) {
    const uri = `file:///bench/a${i}.crate.yaml`;
    const rounds = [];
    for (let version = 1; version <= 3; version++) {
      const diagnosed = new Promise((resolve) => published.set(`${uri}@${version}`, resolve));
      const t = performance.now();
      if (version === 1) await lsp.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'yaml', version, text } });
      else await lsp.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text: `${text} ` }] });
      const hoverMs = await hover();
      const { diagnostics } = await diagnosed;
      rounds.push({ hoverMs, diagnosticsMs: performance.now() - t, count: diagnostics.length });
    }
    const worst = (k) => +Math.max(...rounds.map((r) => r[k])).toFixed(1);
    rows.push({ document: name, chars: text.length, worstDiagnosticsMs: worst('diagnosticsMs'), worstHoverOnOtherMs: worst('hoverMs'), diagnostics: rounds[0].count });
  }
  await lsp.sendRequest('shutdown');
  await lsp.sendNotification('exit');
  for (const r of rows) console.log(JSON.stringify(r));
  const worstHover = Math.max(...rows.map((r) => r.worstHoverOnOtherMs));
  const worstMegabyte = Math.max(...rows.filter((r) => r.chars >= megabyte).map((r) => r.worstDiagnosticsMs));
  console.log(`worst hover delay on another document ${worstHover} ms (< 100) ${worstHover < 100 ? 'ok' : 'MISSED'}`);
  console.log(`worst diagnostics time of a 1 MB document ${worstMegabyte} ms; of any ${Math.max(...rows.map((r) => r.worstDiagnosticsMs))} ms`);
}

/**
 * `--sweep` (issue 14): a sweep of MEMBERS runs × STEPS steps, written as files (a sweep folder
 * with its sweep.json, and member runs whose run.json names the sweep): 90% completed, 5% failed,
 * 5% stopped and queued again. Measures the index (initialize → listRuns with every run), then
 * listRuns and listSweeps (medians of 20), and checks the counts listSweeps gives.
 * Targets: index < 5 s, listRuns < 100 ms, listSweeps < 100 ms.
 */
async function benchSweep(members, steps) {
  const runsDir = values.keep ?? mkdtempSync(join(tmpdir(), 'crate-bench-sweep-'));
  const stamp = join(runsDir, `.bench-sweep-${members}x${steps}-v2`);
  const id = 'bench-sweep-20261201-000000-beef';
  // Every member has a run; a queued one was stopped and queued again by a resume (sweep.json says queued).
  const stateOf = (i) => (i % 20 === 19 ? 'queued' : i % 20 === 18 ? 'failed' : 'completed');
  const runStatusOf = (i) => ({ queued: 'stopped', failed: 'failed', completed: 'completed' })[stateOf(i)];
  if (!existsSync(stamp)) {
    const t0 = performance.now();
    const t = new Date().toISOString();
    const sweepDir = join(runsDir, id);
    mkdirSync(join(sweepDir, 'members'), { recursive: true });
    const record = { version: 1, id, name: 'bench', source: join(runsDir, 'bench.crate.yaml'), createdAt: t, scheduler: 'local', parallel: 2, runsDir, varying: ['optim.lr', 'seed'], members: [] };
    for (let i = 0; i < members; i++) {
      const values = { 'optim.lr': 10 ** (-4 + (i % 10) / 5), seed: Math.floor(i / 10) };
      const state = stateOf(i);
      const member = { index: i, name: `bench lr=${values['optim.lr']} seed=${values.seed}`, values, config: `members/${String(i).padStart(4, '0')}.crate.yaml`, state, starts: 1 };
      {
        const dir = join(runsDir, `bench-member-${String(i).padStart(4, '0')}`);
        mkdirSync(dir, { recursive: true });
        member.runDir = dir;
        const info = { id: basename(dir), name: member.name, configHash: 'x', status: runStatusOf(i), pid: 1, host: hostname(), backend: 'cpu', step: steps, epoch: 0, totalSteps: steps, createdAt: t, updatedAt: t, heartbeat: t, sweep: { id, member: i } };
        writeFileSync(join(dir, 'run.json'), JSON.stringify(info));
        const lines = [];
        for (let s = 1; s <= steps; s++) lines.push(JSON.stringify({ t, type: 'scalars', step: s, epoch: 0, loss: 2 * Math.exp(-s / steps), lr: 0.001, imagesPerSecond: 1000 + (s % 97) }));
        lines.push(JSON.stringify({ t, type: 'status', step: steps, status: runStatusOf(i) }));
        writeFileSync(join(dir, 'events.jsonl'), `${lines.join('\n')}\n`);
      }
      record.members.push(member);
    }
    writeFileSync(join(sweepDir, 'sweep.json'), JSON.stringify(record));
    writeFileSync(stamp, '');
    console.log(`generated a sweep of ${members} members × ${steps} steps in ${((performance.now() - t0) / 1000).toFixed(1)} s (${runsDir})`);
  }
  const server = spawn(process.execPath, [join(root, 'dist', 'server', 'server.js'), '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lsp = createProtocolConnection(new StreamMessageReader(server.stdout), new StreamMessageWriter(server.stdin));
  lsp.listen();
  const t0 = performance.now();
  await lsp.sendRequest('initialize', { processId: process.pid, rootUri: null, capabilities: {}, initializationOptions: { runsDirs: [runsDir] } });
  await lsp.sendNotification('initialized', {});
  const listed = await lsp.sendRequest('crateLab/listRuns', {});
  const indexMs = performance.now() - t0;
  const timed = async (method) => {
    const times = [];
    let answer;
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      answer = await lsp.sendRequest(method, {});
      times.push(performance.now() - t);
    }
    return { ms: median(times), answer };
  };
  const runsTimed = await timed('crateLab/listRuns');
  const sweepsTimed = await timed('crateLab/listSweeps');
  await lsp.sendRequest('shutdown');
  await lsp.sendNotification('exit');
  const [sweep] = sweepsTimed.answer;
  const expected = { done: 0, running: 0, queued: 0, failed: 0, stopped: 0 };
  for (let i = 0; i < members; i++) expected[{ completed: 'done', failed: 'failed', queued: 'queued' }[stateOf(i)]]++;
  if (JSON.stringify(sweep?.counts) !== JSON.stringify(expected)) throw new Error(`listSweeps counted ${JSON.stringify(sweep?.counts)}, expected ${JSON.stringify(expected)}`);
  if (listed.filter((r) => r.sweep?.id === id && r.sweep.values).length !== listed.length) throw new Error('a member run is listed without its sweep values');
  const result = {
    members,
    runs: listed.length,
    steps,
    indexSeconds: +(indexMs / 1000).toFixed(2),
    listRunsMedianMs: +runsTimed.ms.toFixed(1),
    listSweepsMedianMs: +sweepsTimed.ms.toFixed(1),
    listRunsKB: Math.round(JSON.stringify(runsTimed.answer).length / 1024),
    listSweepsKB: Math.round(JSON.stringify(sweepsTimed.answer).length / 1024),
    counts: sweep.counts,
  };
  console.log(JSON.stringify(result));
  console.log(
    [
      `index ${result.runs} member runs ${result.indexSeconds} s (< 5) ${result.indexSeconds < 5 ? 'ok' : 'MISSED'}`,
      `listRuns ${result.listRunsMedianMs} ms (< 100) ${result.listRunsMedianMs < 100 ? 'ok' : 'MISSED'}`,
      `listSweeps ${result.listSweepsMedianMs} ms (< 100) ${result.listSweepsMedianMs < 100 ? 'ok' : 'MISSED'}`,
    ].join('\n'),
  );
  if (!values.keep) rmSync(runsDir, { recursive: true, force: true });
}
