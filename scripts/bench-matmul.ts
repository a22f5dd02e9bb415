// GFLOP/s of the matmuls that dominate CRATE-α training (d=192, 50 tokens, batch 64, 3 heads)
// on the wasm backend: tfjs's own kernels, the transpose-then-XNNPACK fallback and OpenBLAS,
// each on 1 and 2 threads.
//
//   node --import tsx scripts/bench-matmul.ts [--threads 1,2] [--paths original,fallback,native] [--seconds 0.5]
import { parseArgs } from 'node:util';
import { tf } from '../trainer/tf.js';
import { initWasmBackend } from '../trainer/backend/wasm.js';
import { restoreOriginalMatMulKernels } from '../trainer/backend/matMulKernels.js';

interface Case {
  label: string;
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
}

/** Forward products and both gradients of each (dA = dC·Bᵀ, dB = Aᵀ·dC). */
function productAndGradients(label: string, a: number[], b: number[]): Case[] {
  const batch = a.slice(0, -2);
  const m = a[a.length - 2];
  const n = b[b.length - 1];
  const dc = [...batch, m, n];
  return [
    { label: `${label} A·B`, a, b, transposeA: false, transposeB: false },
    { label: `${label} dC·Bᵀ`, a: dc, b, transposeA: false, transposeB: true },
    { label: `${label} Aᵀ·dC`, a, b: dc, transposeA: true, transposeB: false },
  ].map((c) => ({ ...c, label: c.label.padEnd(34) + ` [${c.a}]${c.transposeA ? 'ᵀ' : ''}·[${c.b}]${c.transposeB ? 'ᵀ' : ''}` }));
}

const cases: Case[] = [
  ...productAndGradients('qkv/out 3200×192×192', [3200, 192], [192, 192]),
  ...productAndGradients('mlp up 3200×192×768', [3200, 192], [192, 768]),
  ...productAndGradients('mlp down 3200×768×192', [3200, 768], [768, 192]),
  ...productAndGradients('attn scores 192×(50×64×50)', [192, 50, 64], [192, 64, 50]),
  ...productAndGradients('attn values 192×(50×50×64)', [192, 50, 50], [192, 50, 64]),
  { label: 'square 1024', a: [1024, 1024], b: [1024, 1024], transposeA: false, transposeB: false },
];

function flops(c: Case): number {
  const m = c.transposeA ? c.a[c.a.length - 1] : c.a[c.a.length - 2];
  const k = c.transposeA ? c.a[c.a.length - 2] : c.a[c.a.length - 1];
  const n = c.transposeB ? c.b[c.b.length - 2] : c.b[c.b.length - 1];
  const batch = c.a.slice(0, -2).reduce((p, d) => p * d, 1);
  return 2 * batch * m * n * k;
}

/**
 * Rate of the fastest repetition within `seconds`: the machine is shared, and the best run is the
 * one least disturbed by other processes.
 */
function gflops(c: Case, seconds: number): number {
  const a = tf.randomNormal(c.a);
  const b = tf.randomNormal(c.b);
  const run = () => tf.matMul(a, b, c.transposeA, c.transposeB).dispose();
  run();
  let best = Infinity;
  const start = performance.now();
  for (let reps = 0; reps < 1000 && performance.now() - start < seconds * 1000; reps++) {
    const t = performance.now();
    run();
    best = Math.min(best, performance.now() - t);
  }
  a.dispose();
  b.dispose();
  return flops(c) / (best / 1000) / 1e9;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      threads: { type: 'string', default: '1,2' },
      paths: { type: 'string', default: 'original,fallback,native' },
      seconds: { type: 'string', default: '0.5' },
    },
  });
  const threadCounts = values.threads.split(',').map(Number);
  const paths = values.paths.split(',');
  const seconds = Number(values.seconds);

  const columns: string[] = [];
  const results = new Map<string, number[]>();
  for (const threads of threadCounts) {
    for (const path of paths) {
      const { detail } = await initWasmBackend({ threads, nativeGemm: path === 'native' });
      if (path === 'native' && !detail.includes('OpenBLAS')) {
        process.stderr.write(`skipping native: ${detail}\n`);
        continue;
      }
      if (path === 'original') restoreOriginalMatMulKernels();
      process.stderr.write(`${path}, ${threads} thread(s): ${detail}\n`);
      columns.push(`${path}/${threads}t`);
      for (const c of cases) {
        // The naive loop needs minutes for the 1024² product; one repetition is enough there.
        const rate = gflops(c, path === 'original' ? Math.min(seconds, 0.2) : seconds);
        results.set(c.label, [...(results.get(c.label) ?? []), rate]);
      }
    }
  }

  const width = Math.max(...cases.map((c) => c.label.length));
  process.stdout.write(`${'GFLOP/s'.padEnd(width)}  ${columns.map((c) => c.padStart(12)).join('')}\n`);
  for (const c of cases) {
    const row = (results.get(c.label) ?? []).map((r) => r.toFixed(1).padStart(12)).join('');
    process.stdout.write(`${c.label.padEnd(width)}  ${row}\n`);
  }
}

void main();
