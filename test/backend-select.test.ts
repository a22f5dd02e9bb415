// Backend selection: auto, explicit choices, failures as one-line reasons, and webgpu agreeing
// with cpu. On this project's CI machine (no GPU, no libtensorflow) auto picks wasm and webgpu
// runs on Mesa llvmpipe through Dawn's OpenGL ES backend.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tf } from '../trainer/tf.js';
import { diagnoseBackends } from '../trainer/backend/doctor.js';
import { type BackendChoice, backendChoices, initBackend } from '../trainer/backend/select.js';
import { probeTensorflow } from '../trainer/backend/tensorflow.js';
import { probeWebgpu } from '../trainer/backend/webgpu.js';

/** matmul then softmax over rows, read asynchronously (webgpu cannot read synchronously in Node). */
async function matMulSoftmax(): Promise<Float32Array> {
  const a = tf.tensor2d(Array.from({ length: 8 * 16 }, (_, i) => Math.sin(i) * 0.5), [8, 16]);
  const b = tf.tensor2d(Array.from({ length: 16 * 12 }, (_, i) => Math.cos(i * 0.7) * 0.5), [16, 12]);
  const out = tf.tidy(() => tf.softmax(tf.matMul(a, b)));
  try {
    return (await out.data()) as Float32Array;
  } finally {
    tf.dispose([a, b, out]);
  }
}

function assertOneLine(message: string): void {
  assert.ok(message.length > 0, 'empty reason');
  assert.ok(!message.includes('\n'), `reason spans several lines: ${message}`);
}

test('an unknown backend name is rejected with the valid choices', async () => {
  await assert.rejects(initBackend('gpu' as BackendChoice), (e: Error) => {
    assert.match(e.message, /unknown backend "gpu"/);
    for (const choice of backendChoices) assert.ok(e.message.includes(choice));
    assertOneLine(e.message);
    return true;
  });
});

test('explicit cpu starts and computes', async () => {
  const started = await initBackend('cpu');
  assert.equal(started.name, 'cpu');
  assert.equal(tf.getBackend(), 'cpu');
  const got = await matMulSoftmax();
  assert.equal(got.length, 8 * 12);
});

test('explicit tensorflow: starts when installed, else fails with a one-line reason and no fallback', async () => {
  await initBackend('cpu');
  const probe = probeTensorflow();
  if (probe.ok) {
    const started = await initBackend('tensorflow');
    assert.equal(started.name, 'tensorflow');
    return;
  }
  await assert.rejects(initBackend('tensorflow'), (e: Error) => {
    assertOneLine(e.message);
    assert.equal(e.message, probe.detail);
    if (/^not installed/.test(e.message)) assert.match(e.message, /npm i @tensorflow\/tfjs-node-gpu/);
    return true;
  });
  assert.equal(tf.getBackend(), 'cpu', 'a failed explicit choice must not switch backends');
});

test('explicit webgpu computes matmul + softmax equal to cpu within 1e-4', async (t) => {
  await initBackend('cpu');
  const want = await matMulSoftmax();
  let started;
  try {
    started = await initBackend('webgpu');
  } catch (e) {
    const reason = (e as Error).message;
    assertOneLine(reason);
    // scripts/setup.mjs installs Mesa (llvmpipe through Dawn's OpenGL ES), so webgpu must run.
    assert.fail(`webgpu did not start: ${reason}`);
  }
  try {
    assert.equal(started.name, 'webgpu');
    assert.equal(tf.getBackend(), 'webgpu');
    t.diagnostic(started.detail);
    const got = await matMulSoftmax();
    assert.equal(got.length, want.length);
    const worst = Math.max(...Array.from(got, (g, i) => Math.abs(g - want[i])));
    assert.ok(worst <= 1e-4, `webgpu differs from cpu by ${worst}`);
  } finally {
    await initBackend('cpu');
  }
});

test('auto picks the best backend that loads (wasm on a machine without GPU or libtensorflow)', async () => {
  const tensorflow = probeTensorflow();
  const webgpu = await probeWebgpu({ hardwareOnly: true });
  const expected = tensorflow.ok ? 'tensorflow' : webgpu.hardware ? 'webgpu' : 'wasm';
  const started = await initBackend('auto');
  assert.equal(started.name, expected, `auto chose ${started.name}: ${started.detail}`);
  assert.equal(tf.getBackend(), expected);
  assertOneLine(started.detail);
  if (!tensorflow.ok) assert.match(started.detail, /skipped tensorflow: /);
  if (expected === 'wasm') assert.match(started.detail, /webgpu: /);
  await initBackend('cpu');
});

test('doctor reports every backend, proves the working ones and leaves the active backend alone', async () => {
  await initBackend('cpu');
  const report = await diagnoseBackends();
  assert.deepEqual(
    report.map((r) => r.name),
    ['tensorflow', 'webgpu', 'wasm', 'cpu'],
  );
  for (const r of report) {
    assertOneLine(r.detail);
    if (r.ok) assert.match(r.detail, /matmul ok in/);
  }
  assert.ok(report.find((r) => r.name === 'cpu')?.ok, 'cpu must work');
  assert.ok(report.find((r) => r.name === 'wasm')?.ok, report.find((r) => r.name === 'wasm')?.detail);
  assert.equal(tf.getBackend(), 'cpu');
  // The backend that was active still computes afterwards.
  assert.equal((await matMulSoftmax()).length, 8 * 12);
});
