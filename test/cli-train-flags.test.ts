// `crate-lab train --backend B --introspect-every N`: the overrides the extension's settings
// ("default backend", "introspection interval") reach the trainer through.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './support/cli.js';
import { events, onlyRun, runInfo } from './support/runs.js';

const tmp = mkdtempSync(join(tmpdir(), 'crate-flags-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const config = join(tmp, 'tiny.crate.yaml');
writeFileSync(
  config,
  `backend: wasm
model: { arch: crate-alpha, depth: 1, width: 8, heads: 2 }
data: { kind: synthetic-subspaces, trainSize: 64, testSize: 16 }
optim: { batchSize: 16, maxSteps: 6 }
introspect: { every: 0, probeImages: 2 }
`,
);

test('--backend and --introspect-every override the config', () => {
  const runsDir = join(tmp, 'runs');
  const r = runCli(['train', config, '--runs-dir', runsDir, '--backend', 'cpu', '--introspect-every', '2']);
  assert.equal(r.status, 0, r.stderr);
  const dir = onlyRun(runsDir)!;
  assert.match(runInfo(dir).backend, /^cpu\b/);
  // run.json and the start line name the device (issue 12): the CPU's model for cpu and wasm.
  const model = cpus()[0].model.trim();
  assert.equal(runInfo(dir).device, `CPU: ${model} (cpu)`);
  assert.match(r.stdout, new RegExp(`^run .* on CPU: .+ \\(cpu\\)$`, 'm'));
  assert.deepEqual(events(dir).filter((e) => e.type === 'layers').map((e) => e.step), [2, 4, 6]);
});

test('--backend webgpu --device 1 trains on that adapter and run.json names it', () => {
  const runsDir = join(tmp, 'webgpu');
  const r = runCli(['train', config, '--runs-dir', runsDir, '--backend', 'webgpu', '--device', '1', '--max-steps', '2']);
  // Set-up installs Mesa, so there is always an adapter.
  assert.equal(r.status, 0, r.stderr);
  const info = runInfo(onlyRun(runsDir)!);
  // Adapter 1 here and on CI: Mesa's llvmpipe through Dawn's desktop OpenGL backend (0 is OpenGL ES).
  assert.match(info.device ?? '', /^llvmpipe .* via OpenGL \(software\)$/);
  assert.ok(info.backend.startsWith(`webgpu (${info.device}, adapter 1;`), info.backend);
});

test("the config's device picks the adapter; resume --device moves the run to another, and run.json says so", () => {
  const onDevice1 = join(tmp, 'device1.crate.yaml');
  writeFileSync(onDevice1, `backend: webgpu\ndevice: 1\nmodel: { arch: crate-alpha, depth: 1, width: 8, heads: 2 }\ndata: { kind: synthetic-subspaces, trainSize: 64, testSize: 16 }\noptim: { batchSize: 16, maxSteps: 2 }\nintrospect: { every: 0 }\n`);
  const runsDir = join(tmp, 'config-device');
  const r = runCli(['train', onDevice1, '--runs-dir', runsDir]);
  assert.equal(r.status, 0, r.stderr);
  const dir = onlyRun(runsDir)!;
  assert.match(runInfo(dir).device ?? '', /^llvmpipe .* via OpenGL \(software\)$/);
  // A resume stays on the config's device (config.yaml keeps it)…
  const resumed = runCli(['resume', dir, '--max-steps', '3']);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.equal(runInfo(dir).step, 3);
  assert.match(runInfo(dir).device ?? '', /^llvmpipe .* via OpenGL \(software\)$/);
  // …unless told otherwise: adapter 0 is llvmpipe through OpenGL ES.
  const moved = runCli(['resume', dir, '--max-steps', '4', '--device', '0']);
  assert.equal(moved.status, 0, moved.stderr);
  assert.equal(runInfo(dir).step, 4);
  assert.match(runInfo(dir).device ?? '', /^llvmpipe .* via OpenGL ES \(software\)$/);
});

test('a bad --backend or --introspect-every is one line naming the flag, exit 2, no run', () => {
  const runsDir = join(tmp, 'bad');
  for (const [args, message] of [
    [['--backend', 'tpu'], /backend: .*auto/],
    [['--introspect-every', 'often'], /--introspect-every/],
    // The config's backend is wasm: there is no adapter to pick.
    [['--device', '0'], /--device picks a WebGPU adapter; backend wasm has none/],
    [['--backend', 'webgpu', '--device', ''], /--device is empty/],
  ] as const) {
    const r = runCli(['train', config, '--runs-dir', runsDir, ...args]);
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, message);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.equal(onlyRun(runsDir), undefined);
  }
});
