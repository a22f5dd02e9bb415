// The wasm backend's matmul kernels (trainer/backend/nativeGemm.ts) against tfjs's cpu backend:
// every transpose combination, single and batched products, broadcast batch dims, fused bias and
// activations, and gradients; once with the OpenBLAS addon and once with the XNNPACK fallback.
// Without the addon the OpenBLAS half is skipped locally but fails under CI=true.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { tf, type Tensor } from '../trainer/tf.js';
import { initWasmBackend, probeWasm } from '../trainer/backend/wasm.js';
import { loadNativeGemm } from '../trainer/backend/nativeGemm.js';

const gemm = loadNativeGemm();

/** Deterministic values in [-1, 1) (mulberry32), so a failure reproduces. */
function values(size: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  }
  return out;
}

function size(shape: number[]): number {
  return shape.reduce((p, d) => p * d, 1);
}

/**
 * Runs `compute` on `backend` inside tidy and returns its outputs as arrays. Fails when a tensor
 * or a backend data id (wasm heap block) outlives the call.
 */
async function run(backend: string, compute: () => Tensor | Tensor[]): Promise<Float32Array[]> {
  await tf.setBackend(backend);
  const tensorsBefore = tf.memory().numTensors;
  const dataBefore = tf.backend().numDataIds();
  const outputs = tf.tidy(compute);
  const list = Array.isArray(outputs) ? outputs : [outputs];
  const arrays = list.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(list);
  assert.equal(tf.memory().numTensors, tensorsBefore, `${backend}: tensors leaked`);
  assert.equal(tf.backend().numDataIds(), dataBefore, `${backend}: backend data leaked`);
  return arrays;
}

/** |got - want| ≤ 1e-4 · max(1, |want|) everywhere. */
function assertClose(got: Float32Array[], want: Float32Array[], what: string): void {
  assert.equal(got.length, want.length, `${what}: output count`);
  got.forEach((g, o) => {
    assert.equal(g.length, want[o].length, `${what}: output ${o} size`);
    for (let i = 0; i < g.length; i++) {
      const tolerance = 1e-4 * Math.max(1, Math.abs(want[o][i]));
      if (!(Math.abs(g[i] - want[o][i]) <= tolerance)) {
        assert.fail(`${what}: output ${o}[${i}] = ${g[i]}, cpu gives ${want[o][i]}`);
      }
    }
  });
}

/** Compares `compute` on the wasm backend with the same computation on cpu. */
async function assertMatchesCpu(compute: () => Tensor | Tensor[], what: string): Promise<void> {
  const want = await run('cpu', compute);
  const got = await run('wasm', compute);
  assertClose(got, want, what);
}

interface Product {
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
}

/** Stored operand shapes for op(A) = m×k, op(B) = k×n with the given batch dims. */
function product(aBatch: number[], bBatch: number[], m: number, k: number, n: number, transposeA: boolean, transposeB: boolean): Product {
  return {
    a: [...aBatch, ...(transposeA ? [k, m] : [m, k])],
    b: [...bBatch, ...(transposeB ? [n, k] : [k, n])],
    transposeA,
    transposeB,
  };
}

function label(p: Product): string {
  return `[${p.a}]${p.transposeA ? 'ᵀ' : ''}·[${p.b}]${p.transposeB ? 'ᵀ' : ''}`;
}

const flags: [boolean, boolean][] = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];

/** Batch layouts tfjs's cpu kernel gets right: equal, one side unbatched, suffix broadcast. */
const batchLayouts: [number[], number[]][] = [
  [[], []],
  [[3], [3]],
  [[1], [4]],
  [[4], []],
  [[2, 3], [3]],
  [[2, 3], [2, 3]],
];

/** Sizes that exercise the addon's row and column splits and its serial path. */
const dims: [number, number, number][] = [
  [7, 5, 6],
  [40, 30, 50],
  [4, 100, 300],
  [130, 96, 70],
];

function productCases(): Product[] {
  const cases: Product[] = [];
  for (const [tA, tB] of flags) {
    for (const [aBatch, bBatch] of batchLayouts) cases.push(product(aBatch, bBatch, 7, 5, 6, tA, tB));
    for (const [m, k, n] of dims) cases.push(product([3], [3], m, k, n, tA, tB), product([], [], m, k, n, tA, tB));
  }
  return cases;
}

function matMulOf(p: Product, seed: number): () => Tensor {
  return () => {
    const a = tf.tensor(values(size(p.a), seed), p.a);
    const b = tf.tensor(values(size(p.b), seed + 1), p.b);
    return tf.matMul(a, b, p.transposeA, p.transposeB);
  };
}

/** Gradients of a scalar that weighs each output element differently, so no error cancels. */
function gradsOf(p: Product, seed: number): () => Tensor[] {
  return () => {
    const a = tf.tensor(values(size(p.a), seed), p.a);
    const b = tf.tensor(values(size(p.b), seed + 1), p.b);
    const loss = (x: Tensor, y: Tensor) => {
      const c = tf.matMul(x, y, p.transposeA, p.transposeB);
      return tf.sum(tf.mul(tf.tanh(c), tf.tensor(values(c.size, seed + 2), c.shape)));
    };
    return tf.grads(loss)([a, b]);
  };
}

/** A head of attention, softmax(q·kᵀ)·v, with gradients for q, k and v. */
function attentionGrads(seed: number): () => Tensor[] {
  return () => {
    const shape = [2, 3, 10, 8];
    const [q, k, v] = [0, 1, 2].map((i) => tf.tensor(values(size(shape), seed + i), shape));
    const loss = (q: Tensor, k: Tensor, v: Tensor) => {
      const out = tf.matMul(tf.softmax(tf.matMul(q, k, false, true)), v);
      return tf.sum(tf.mul(out, tf.tensor(values(out.size, seed + 3), out.shape)));
    };
    return tf.grads(loss)([q, k, v]);
  };
}

/** op(A)·op(B) with batch dims [2,1] and [1,3]: true broadcasting, which tfjs's cpu kernel lacks. */
function crossBroadcastCase(tA: boolean, tB: boolean) {
  const p = product([2, 1], [1, 3], 5, 4, 6, tA, tB);
  const wasm = matMulOf(p, 99);
  // The reference tiles both operands to the full batch [2,3] first.
  const reference = () => {
    const a = tf.tile(tf.tensor(values(size(p.a), 99), p.a), [1, 3, 1, 1]);
    const b = tf.tile(tf.tensor(values(size(p.b), 100), p.b), [2, 1, 1, 1]);
    return tf.matMul(a, b, tA, tB);
  };
  return { p, wasm, reference };
}

const activations = ['linear', 'relu', 'relu6', 'elu', 'sigmoid', 'leakyrelu', 'prelu'] as const;

function fusedOf(p: Product, activation: (typeof activations)[number], biasShape: number[] | null, seed: number): () => Tensor {
  return () => {
    const a = tf.tensor(values(size(p.a), seed), p.a);
    const b = tf.tensor(values(size(p.b), seed + 1), p.b);
    const n = p.transposeB ? p.b[p.b.length - 2] : p.b[p.b.length - 1];
    const bias = biasShape == null ? undefined : tf.tensor(values(size(biasShape), seed + 2), biasShape);
    const preluActivationWeights = activation === 'prelu' ? tf.tensor(values(n, seed + 3), [n]) : undefined;
    const { transposeA, transposeB } = p;
    return tf.fused.matMul({ a, b, transposeA, transposeB, bias, activation, preluActivationWeights, leakyreluAlpha: 0.3 });
  };
}

/** The kernel tests, run once per matmul path. */
function kernelTests(): void {
  test('BatchMatMul matches cpu: all transposes, batch 1 and >1, broadcast batch dims', async () => {
    const cases = productCases();
    for (const [i, p] of cases.entries()) await assertMatchesCpu(matMulOf(p, 10 * i), label(p));
  });

  test('BatchMatMul broadcasts [2,1] against [1,3] batch dims like NumPy', async () => {
    for (const [tA, tB] of flags) {
      const c = crossBroadcastCase(tA, tB);
      const want = await run('cpu', c.reference);
      const got = await run('wasm', c.wasm);
      assertClose(got, want, label(c.p));
    }
  });

  test('BatchMatMul with an empty inner or batch dim', async () => {
    await assertMatchesCpu(matMulOf(product([], [], 3, 0, 4, false, false), 1), 'k = 0');
    await assertMatchesCpu(matMulOf(product([3], [3], 3, 0, 4, true, false), 1), 'batched k = 0');
    await assertMatchesCpu(matMulOf(product([0], [0], 3, 2, 4, false, true), 1), 'batch 0');
  });

  test('_FusedMatMul matches cpu: bias and every fusable activation', async () => {
    let seed = 500;
    for (const [tA, tB] of flags) {
      for (const activation of activations) {
        for (const [aBatch, bBatch] of [[[], []], [[3], [3]]] as [number[], number[]][]) {
          const p = product(aBatch, bBatch, 9, 7, 5, tA, tB);
          await assertMatchesCpu(fusedOf(p, activation, [5], seed++), `${label(p)} ${activation} + bias[5]`);
        }
      }
      const p = product([], [], 9, 7, 5, tA, tB);
      await assertMatchesCpu(fusedOf(p, 'relu', null, seed++), `${label(p)} relu, no bias`);
      await assertMatchesCpu(fusedOf(p, 'linear', [1], seed++), `${label(p)} scalar bias`);
      // A bias that varies down the rows takes the separate add-and-activate route.
      await assertMatchesCpu(fusedOf(p, 'elu', [9, 1], seed++), `${label(p)} elu + bias[9,1]`);
    }
  });

  test('products stay right after the wasm memory grows', async () => {
    const p = product([4], [4], 30, 20, 10, true, false);
    const operands = () => [tf.tensor(values(size(p.a), 5), p.a), tf.tensor(values(size(p.b), 6), p.b)];
    const [before] = await run('wasm', () => {
      const [a, b] = operands();
      return tf.matMul(a, b, true, false);
    });
    const [afterGrowth] = await run('wasm', () => {
      // 256 MB more than anything allocated so far grows the heap; the operands and the product
      // allocated after it lie beyond the memory's old end.
      tf.zeros([64 * 1024 * 1024]);
      const [a, b] = operands();
      return tf.matMul(a, b, true, false);
    });
    assert.deepEqual(afterGrowth, before);
  });

  test('gradients through matMul match cpu', async () => {
    let seed = 900;
    for (const [tA, tB] of flags) {
      // tfjs's matMul gradient does not reduce over broadcast batch dims, so none are broadcast here.
      for (const [aBatch, bBatch] of [[[], []], [[3], [3]], [[2, 3], [2, 3]]] as [number[], number[]][]) {
        const p = product(aBatch, bBatch, 6, 5, 7, tA, tB);
        await assertMatchesCpu(gradsOf(p, seed), `d/d(a, b) ${label(p)}`);
        seed += 10;
      }
    }
    await assertMatchesCpu(attentionGrads(7), 'attention gradients');
  });
}

describe('wasm backend with the OpenBLAS GEMM addon', () => {
  // scripts/setup.mjs builds it (npm test stops there when it cannot), so a missing addon fails.
  test('the addon is built and loads', () => {
    assert.ok(gemm.ok, `native GEMM addon unavailable: ${gemm.ok ? '' : gemm.reason}`);
  });

  // The addon cuts products into row blocks for its threads; where the cut falls must not change
  // a bit (OpenBLAS orders an element's sum by the kernel's panel: exact resume and the study's
  // measures recomputed with another --threads depend on this). Wide products (n > m) included:
  // the addon used to cut those between columns, which changed about half of the elements.
  test('products are the same bits on 1, 2, 3 and 4 threads, for every transpose and shape', () => {
    assert.ok(gemm.ok, 'native GEMM addon unavailable (see the test above)');
    const addon = gemm.addon;
    const shapes = [[750, 192, 768], [750, 768, 192], [192, 750, 768], [390, 384, 1536], [777, 100, 37], [37, 100, 777], [200, 64, 200]];
    let seed = 7;
    const random = () => (seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5;
    try {
      for (const [m, k, n] of shapes) {
        const heap = new Float32Array(m * k + k * n + m * n);
        for (let i = 0; i < m * k + k * n; i++) heap[i] = random();
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            const product = (threads: number) => {
              addon.setThreads(threads);
              addon.sgemmBatch(new Uint8Array(heap.buffer), Float64Array.from([0, m * k * 4, (m * k + k * n) * 4]), m, n, k, transA, transB);
              return heap.slice(m * k + k * n);
            };
            const one = product(1);
            for (const threads of [2, 3, 4]) {
              const many = product(threads);
              const differing = one.filter((x, i) => !Object.is(x, many[i])).length;
              assert.equal(differing, 0, `${m}×${k}·${k}×${n} (transA ${transA}, transB ${transB}) on ${threads} threads: ${differing} elements differ from 1 thread`);
            }
          }
        }
      }
    } finally {
      addon.setThreads(2);
    }
  });

  describe('kernels', () => {
    before(async () => {
      assert.ok(gemm.ok, 'native GEMM addon unavailable (see the test above)');
      const { detail } = await initWasmBackend({ threads: 2, nativeGemm: true });
      assert.match(detail, /^wasm \(SIMD, 2 threads, OpenBLAS GEMM on 2 threads\)$/);
    });
    kernelTests();
  });
});

describe('wasm backend: Identity', () => {
  before(async () => {
    await initWasmBackend({ threads: 2, nativeGemm: gemm.ok });
  });

  // tf.clone, and every tensor the tape keeps for a gradient, is an Identity: it shares the data
  // (as on the cpu backend) instead of copying it (tfjs-backend-wasm's own kernel copies).
  test('a clone shares its input\'s data, outlives it, and the tape keeps no copies', async () => {
    const buffers = () => (tf.engine() as unknown as { state: { numDataBuffers: number } }).state.numDataBuffers;
    const x = tf.tensor1d([1, 2, 3, 4]);
    const start = buffers();
    const y = tf.clone(x);
    const backend = tf.backend() as unknown as { dataIdMap: { get(id: object): { memoryOffset: number } } };
    assert.equal(backend.dataIdMap.get(y.dataId).memoryOffset, backend.dataIdMap.get(x.dataId).memoryOffset);
    assert.equal(buffers(), start, 'the clone has no buffer of its own');
    x.dispose();
    assert.deepEqual(Array.from(await y.data()), [1, 2, 3, 4]);
    y.dispose();
    // A forward pass whose ops save tensors for the gradient (matMul its two inputs, relu and
    // square their input: 7 saved): only the 6 ops' outputs are new buffers. With copies the
    // tape's 7 saved tensors would add 7 more.
    const w = tf.variable(tf.randomNormal([64, 64], 0, 1, 'float32', 3));
    const a = tf.randomNormal([32, 64], 0, 1, 'float32', 4);
    let added = -1;
    const { value, grads } = tf.variableGrads(() => {
      const before = buffers();
      const loss = tf.relu(tf.matMul(tf.relu(tf.matMul(a, w)), w)).square().sum() as tf.Scalar;
      added = buffers() - before;
      return loss;
    }, [w]);
    tf.dispose([value, ...Object.values(grads), w, a]);
    assert.equal(added, 6);
  });
});

describe('wasm backend with the XNNPACK fallback', () => {
  before(async () => {
    const { detail } = await initWasmBackend({ threads: 2, nativeGemm: false });
    assert.equal(detail, 'wasm (SIMD, 2 threads, XNNPACK; native GEMM unavailable: disabled by option)');
  });
  kernelTests();
});

describe('wasm backend set-up', () => {
  after(async () => {
    await tf.setBackend('cpu');
  });

  test('probeWasm reports SIMD, threads and the addon without starting the backend', async () => {
    const probe = await probeWasm();
    assert.ok(probe.ok, probe.detail);
    assert.match(probe.detail, /^wasm: SIMD, threads \(\d+ cores\), native GEMM/);
    assert.ok(!probe.detail.includes('\n'));
  });

  test('one thread runs the non-threaded SIMD binary, with and without the addon', async () => {
    for (const nativeGemm of gemm.ok ? [true, false] : [false]) {
      const { detail } = await initWasmBackend({ threads: 1, nativeGemm });
      assert.match(detail, nativeGemm ? /^wasm \(SIMD, 1 thread, OpenBLAS GEMM on 1 thread\)$/ : /^wasm \(SIMD, 1 thread, XNNPACK; /);
      await assertMatchesCpu(matMulOf(product([3], [3], 70, 50, 60, true, true), 1), `single-threaded wasm, ${detail}`);
    }
  });
});
