// AdamW (Loshchilov & Hutter) as torch.optim.AdamW: decoupled weight decay p ← p(1 − lr·wd) on
// the parameters that take decay (not norms, biases, embeddings; docs/training.md), then the Adam step.
// Moments are plain named tensors so a checkpoint can store and restore them exactly.
import { tf, type Tensor } from '../tf.js';
import { fusedKernels, hasFusedKernel, runFusedKernel } from '../model/fusedBlock.js';
import type { NamedTensor } from '../io/safetensors.js';
import type { ConfigValues } from '../config/schema.js';
import type { ModelVariables } from './modelVariables.js';
import { sumTensors } from './sumTensors.js';

export interface AdamWSettings {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/** AdamW over the model's trainable variables with the config's optim settings, decaying those that take weight decay. */
export function adamWFor(optim: Pick<ConfigValues['optim'], 'betas' | 'eps' | 'weightDecay'>, model: ModelVariables): AdamW {
  return new AdamW(model.vars, model.trainable, model.decays, { beta1: optim.betas[0], beta2: optim.betas[1], eps: optim.eps, weightDecay: optim.weightDecay });
}

export class AdamW {
  step = 0;
  private m: Record<string, tf.Variable> = {};
  private v: Record<string, tf.Variable> = {};

  constructor(
    private readonly params: Record<string, tf.Variable>,
    private readonly trainable: string[],
    private readonly decays: Set<string>,
    private readonly s: AdamWSettings,
  ) {
    // Each variable the only holder of its data (tidy disposes the zeros), so that the fused step
    // can update it in place (backend/nativeAdamW.ts).
    for (const name of trainable) {
      this.m[name] = tf.tidy(() => tf.variable(tf.zerosLike(params[name]), false));
      this.v[name] = tf.tidy(() => tf.variable(tf.zerosLike(params[name]), false));
    }
  }

  apply(grads: Record<string, Tensor>, lr: number): void {
    this.step++;
    const { beta1, beta2, eps, weightDecay } = this.s;
    const c1 = 1 - beta1 ** this.step;
    const c2 = 1 - beta2 ** this.step;
    // A scope per parameter: its dozen temporaries go before the next parameter's are made (one
    // scope around all of them held ~12 copies of the whole model at once: 0.7 GiB at d 384).
    const fused = hasFusedKernel(fusedKernels.adamW);
    for (const name of this.trainable) {
      tf.tidy(() => {
        const g = grads[name];
        const p = this.params[name];
        const decay = this.decays.has(name) && weightDecay > 0 ? 1 - lr * weightDecay : 1;
        if (fused) {
          // The same float32 operations in one pass (backend/nativeAdamW.ts, native/adamw.c).
          const [pNext, mNext, vNext] = runFusedKernel(fusedKernels.adamW, { p, g, m: this.m[name], v: this.v[name] }, { beta1, beta2, eps, c1, c2, lr, decay });
          this.m[name].assign(mNext);
          this.v[name].assign(vNext);
          p.assign(pNext);
          return;
        }
        const m = this.m[name].mul(beta1).add(g.mul(1 - beta1));
        const v = this.v[name].mul(beta2).add(g.square().mul(1 - beta2));
        this.m[name].assign(m);
        this.v[name].assign(v);
        const decayed = decay !== 1 ? p.mul(decay) : p;
        const update = m.div(c1).div(v.div(c2).sqrt().add(eps)).mul(lr);
        p.assign(decayed.sub(update));
      });
    }
  }

  async state(): Promise<Map<string, NamedTensor>> {
    const out = new Map<string, NamedTensor>();
    for (const name of this.trainable) {
      out.set(`m.${name}`, { shape: this.m[name].shape, data: (await this.m[name].data()) as Float32Array });
      out.set(`v.${name}`, { shape: this.v[name].shape, data: (await this.v[name].data()) as Float32Array });
    }
    return out;
  }

  /** Moments from a checkpoint; those of `fresh` parameters (e.g. resampled ones) restart at zero. */
  restore(state: Map<string, NamedTensor>, step: number, fresh: ReadonlySet<string> = new Set()): void {
    this.step = step;
    for (const name of this.trainable) {
      if (fresh.has(name)) continue;
      for (const [key, vars] of [['m', this.m], ['v', this.v]] as const) {
        const t = state.get(`${key}.${name}`);
        if (!t) throw new Error(`optimizer state lacks ${key}.${name}`);
        tf.tidy(() => vars[name].assign(tf.tensor(t.data, t.shape)));
      }
    }
  }

  dispose(): void {
    tf.dispose([...Object.values(this.m), ...Object.values(this.v)]);
  }
}

/** Σ‖g‖² over all gradients, a scalar on the device. */
export function gradientSquaredNorm(grads: Record<string, Tensor>): Tensor {
  return tf.tidy(() => sumTensors(Object.values(grads).map((g) => g.square().sum())));
}

/** Scales gradients in place so that their global L2 norm, `norm`, becomes at most `maxNorm`. */
export function scaleToNorm(grads: Record<string, Tensor>, norm: number, maxNorm: number): void {
  if (maxNorm > 0 && norm > maxNorm) {
    const scale = maxNorm / (norm + 1e-6);
    for (const k of Object.keys(grads)) {
      const scaled = grads[k].mul(scale);
      grads[k].dispose();
      grads[k] = scaled;
    }
  }
}

/** Scales gradients in place so their global L2 norm is at most `maxNorm`; returns the norm before. */
export async function clipGradients(grads: Record<string, Tensor>, maxNorm: number): Promise<number> {
  const sq = gradientSquaredNorm(grads);
  const norm = Math.sqrt((await sq.data())[0]);
  sq.dispose();
  scaleToNorm(grads, norm, maxNorm);
  return norm;
}
