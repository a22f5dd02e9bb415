// Devices found and named (issue 12): Dawn's adapter list read from its own reply, the adapter
// `auto` and `--device` pick, the labels run.json and doctor print, and doctor's NVIDIA advice.
// Dawn runs for real here (Mesa llvmpipe through its GL backends); the NVIDIA machine's facts are
// the ones read on an H200 container (docs/performance.md), fed to the pure diagnosis.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type ListedAdapter,
  adapterLabel,
  adapterRoutes,
  chooseAdapter,
  listedAdapters,
  parseAvailableAdapters,
  parseDeviceSelection,
  unmatchedAdapterName,
} from '../trainer/backend/webgpuAdapters.js';
import { listWebgpuAdapters } from '../trainer/backend/webgpu.js';
import { type NvidiaFacts, diagnoseNvidia, icdSearchDirs, readNvidiaFacts } from '../trainer/backend/nvidiaVulkan.js';
import { runCli } from './support/cli.js';

const [vulkan, gles, gl] = adapterRoutes('linux');

function adapters(entries: Array<[typeof vulkan, string]>): ListedAdapter[] {
  const byRoute = new Map<typeof vulkan, string[]>();
  for (const [route, name] of entries) byRoute.set(route, [...(byRoute.get(route) ?? []), name]);
  return listedAdapters([...byRoute].map(([route, names]) => ({ route, names })));
}

test("Dawn's list of adapters is read from its reply to a name no adapter has", async () => {
  process.env.EGL_PLATFORM ??= 'surfaceless';
  const { create } = (await import('webgpu')) as unknown as { create(o: string[]): GPU };
  let message = '';
  try {
    await create([`backend=${gles.backend}`, `adapter=${unmatchedAdapterName}`]).requestAdapter(gles.request);
  } catch (e) {
    message = (e as Error).message;
  }
  // Set-up installs Mesa, so Dawn always has a GL adapter to list.
  assert.ok(message.includes('Available adapters'), `Dawn gave no adapter list: ${message}`);
  const listed = parseAvailableAdapters(message);
  assert.ok(listed.length >= 1, message);
  assert.ok(listed.every((a) => a.backend === 'opengles' && a.name.length > 0), message);
  // The shape of the reply on the H200 machine's Vulkan backend, two GPUs.
  assert.deepEqual(parseAvailableAdapters("no adapter with backend 'vulkan' and name 'x' found\nAvailable adapters:\n * backend: 'vulkan', name: 'NVIDIA H200'\n * backend: 'vulkan', name: 'llvmpipe (LLVM 15.0.6, 256 bits)'"), [
    { backend: 'vulkan', name: 'NVIDIA H200' },
    { backend: 'vulkan', name: 'llvmpipe (LLVM 15.0.6, 256 bits)' },
  ]);
});

test('this machine lists llvmpipe as a numbered software adapter, and --device 1 picks the OpenGL one', async () => {
  const { adapters: listed, tried } = await listWebgpuAdapters(true);
  assert.ok(listed.length > 0, `no WebGPU adapter: ${tried.join('; ')}`);
  assert.deepEqual(listed.map((a) => a.index), listed.map((_, i) => i));
  const first = listed[0];
  assert.match(adapterLabel(first), /^llvmpipe .* via OpenGL ES \(software\)$/);
  assert.equal(first.software, true);
  const glIndex = listed.findIndex((a) => a.route.backend === 'opengl');
  if (glIndex < 0) return;
  const r = runCli(['bench', '--arch', 'crate-alpha', '--width', '8', '--depth', '1', '--heads', '2', '--patch', '4', '--image', '8', '--classes', '3', '--batch', '2', '--steps', '1', '--warmup', '0', '--only', 'infer', '--backend', 'webgpu', '--device', String(glIndex), '--json']);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { backend: string };
  assert.match(out.backend, new RegExp(`^webgpu \\(llvmpipe .* via OpenGL \\(software\\), adapter ${glIndex};`));
  const bad = runCli(['bench', '--arch', 'crate-alpha', '--width', '8', '--depth', '1', '--heads', '2', '--patch', '4', '--image', '8', '--batch', '2', '--backend', 'webgpu', '--device', '99']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--device 99: there is no adapter 99 \(adapters: 0: llvmpipe/);
});

test('auto picks a hardware adapter over software ones; --device picks by number or name', () => {
  const listed = adapters([
    [vulkan, 'llvmpipe (LLVM 15.0.6, 256 bits)'],
    [vulkan, 'NVIDIA H200'],
    [gles, 'llvmpipe (LLVM 15.0.6, 256 bits)'],
  ]);
  assert.equal(adapterLabel(chooseAdapter(listed)), 'NVIDIA H200 via Vulkan');
  assert.equal(chooseAdapter(listed, parseDeviceSelection('2')).route, gles);
  assert.equal(chooseAdapter(listed, parseDeviceSelection('h200')).index, 1);
  // Only software: it is chosen (auto then passes webgpu over, select.ts).
  assert.equal(chooseAdapter(adapters([[gles, 'llvmpipe (LLVM 15.0.6, 256 bits)']])).software, true);
  assert.throws(() => chooseAdapter([]), /no WebGPU adapter/);
  assert.throws(() => chooseAdapter(listed, parseDeviceSelection('3')), /there is no adapter 3 \(adapters: 0: llvmpipe .*, 1: NVIDIA H200 via Vulkan, 2: llvmpipe .* via OpenGL ES \(software\)\)/);
  assert.throws(() => chooseAdapter(listed, parseDeviceSelection('a100')), /no adapter's name contains it/);
  assert.throws(() => parseDeviceSelection(' '), /--device is empty/);
});

test('two GPUs with one name: the second cannot be picked, and saying so beats using the first', () => {
  const listed = adapters([
    [vulkan, 'NVIDIA H200'],
    [vulkan, 'NVIDIA H200'],
    [gl, 'NVIDIA H200/PCIe/SSE2'],
  ]);
  assert.equal(chooseAdapter(listed, { index: 0 }).index, 0);
  assert.throws(() => chooseAdapter(listed, { index: 1 }), /adapter 1 \(NVIDIA H200 via Vulkan\) cannot be told apart from adapter 0/);
  // Another backend is another list: the GL adapter is its own.
  assert.equal(chooseAdapter(listed, { index: 2 }).route, gl);
});

/** The H200 container as read there (docs/performance.md): nvidia-smi, the ICD in /usr/share, no loader; device nodes as the driver names them. */
const h200: NvidiaFacts = {
  devNodes: ['/dev/nvidia-uvm', '/dev/nvidia-uvm-tools', '/dev/nvidia0', '/dev/nvidiactl'],
  smi: { gpus: ['NVIDIA H200'], driver: '580.159.04' },
  vulkanLoader: false,
  icdFiles: ['/usr/share/vulkan/icd.d/nvidia_icd.json'],
  distro: 'ubuntu',
  adapters: ['llvmpipe (LLVM 18.1.3, 256 bits) via OpenGL ES (software)'],
};

test('doctor on an NVIDIA machine names what WebGPU lacks and the command that installs it', () => {
  const noLoader = diagnoseNvidia(h200);
  assert.equal(noLoader.present, true);
  assert.equal(noLoader.usable, false);
  assert.deepEqual(noLoader.lines, ['NVIDIA GPU: NVIDIA H200, driver 580.159.04', 'missing: the Vulkan loader libvulkan.so.1; install it: apt-get install libvulkan1']);

  const elsewhere = diagnoseNvidia({ ...h200, vulkanLoader: true, icdFiles: [], icdElsewhere: '/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json' });
  assert.deepEqual(elsewhere.lines.slice(1), [
    "missing: the NVIDIA Vulkan ICD in the loader's search path; the driver's is at /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json: export VK_DRIVER_FILES=/usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json",
  ]);

  const neither = diagnoseNvidia({ ...h200, icdFiles: [] });
  assert.equal(neither.lines.length, 3);
  assert.match(neither.lines[2], /^missing: the NVIDIA Vulkan ICD file nvidia_icd\.json .*install it: apt-get install libnvidia-gl-580 \(matching driver 580\.159\.04\)/);
  assert.match(diagnoseNvidia({ ...h200, icdFiles: [], distro: 'debian' }).lines[2], /apt-get install nvidia-vulkan-icd/);

  const both = diagnoseNvidia({ ...h200, vulkanLoader: true });
  assert.match(both.lines[1], /are there, but Dawn lists no NVIDIA adapter: vulkaninfo --summary/);

  const working = diagnoseNvidia({ ...h200, vulkanLoader: true, adapters: ['NVIDIA H200 via Vulkan', ...h200.adapters] });
  assert.deepEqual(working, { present: true, usable: true, lines: ['NVIDIA GPU: NVIDIA H200, driver 580.159.04', 'WebGPU uses it: NVIDIA H200 via Vulkan'] });

  // nvidia-smi missing but the device node there: still detected.
  assert.equal(diagnoseNvidia({ ...h200, smi: undefined }).lines[0], 'NVIDIA GPU: 1 device node(s) /dev/nvidia0 (nvidia-smi not found)');
  assert.deepEqual(diagnoseNvidia({ ...h200, devNodes: [], smi: undefined }), { present: false, usable: false, lines: [] });
});

test("the facts doctor reads: the loader's ICD search path and VK_DRIVER_FILES", () => {
  assert.deepEqual(icdSearchDirs({}), ['/etc/xdg/vulkan/icd.d', '/usr/local/etc/vulkan/icd.d', '/etc/vulkan/icd.d', '/usr/local/share/vulkan/icd.d', '/usr/share/vulkan/icd.d']);
  const dir = mkdtempSync(join(tmpdir(), 'crate-icd-'));
  try {
    // An ICD named for what it loads, as NVIDIA's is, in a folder given by VK_DRIVER_FILES.
    mkdirSync(join(dir, 'icd.d'));
    const icd = join(dir, 'icd.d', 'gpu.json');
    writeFileSync(icd, JSON.stringify({ file_format_version: '1.0.1', ICD: { library_path: 'libGLX_nvidia.so.0', api_version: '1.4.312' } }));
    const facts = readNvidiaFacts([], { VK_DRIVER_FILES: icd });
    assert.deepEqual(facts.icdFiles, [icd]);
    // A Mesa ICD is not NVIDIA's.
    writeFileSync(icd, JSON.stringify({ ICD: { library_path: 'libvulkan_lvp.so' } }));
    assert.deepEqual(readNvidiaFacts([], { VK_DRIVER_FILES: icd }).icdFiles, []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
