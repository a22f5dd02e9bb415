// The "union of subspaces" set (docs/training.md): every P×P patch of an image, as a vector in R^{P·P·C},
// lies (up to noise) on one of K random r-dimensional subspaces. Class c draws its patches from
// its own subspaces {c, c+1, …, c+m−1} (mod K), so one patch is ambiguous but an image's mix of
// subspaces names its class: a CRATE model must compress tokens onto the subspaces to classify.
// Example i is generated on demand from (seed, split, i); nothing is stored.
import type { Batch, Dataset, ImageDims, Split } from './dataset.js';
import { derivedRng } from '../random/derivedRng.js';
import { randomStreams } from '../random/streams.js';
import { checkIndex } from './exampleIndex.js';

export interface SyntheticSubspacesSpec {
  kind: 'synthetic-subspaces';
  /** Default 0. Train and test share the subspaces but not the examples. */
  seed?: number;
  /** Defaults 2048 and 512 examples. */
  trainSize?: number;
  testSize?: number;
  /** Image side (default 16), patch side (default 4), channels (default 1). */
  image?: number;
  patch?: number;
  channels?: number;
  /** Default 4. Labels are i mod classes, so classes are balanced. */
  classes?: number;
  /** K, default = classes. */
  subspaces?: number;
  /** r, the dimension of each subspace; default 3. */
  rank?: number;
  /** m, default 2. */
  subspacesPerClass?: number;
  /** Standard deviation of the Gaussian noise added to each pixel; default 0.05. */
  noise?: number;
}

export interface SubspaceModel {
  /** D = patch·patch·channels: patch vectors are flattened in (p1 p2 c) order, as CRATE's. */
  patchDim: number;
  rank: number;
  /** K orthonormal bases, each D×r row-major: bases[k][d·r + j] is component d of vector j. */
  bases: Float64Array[];
  /** The subspaces class c draws its patches from. */
  classSubspaces: number[][];
  noise: number;
}

export interface SyntheticSubspaces extends Dataset {
  readonly patch: number;
  readonly model: SubspaceModel;
}


type Resolved = Required<Omit<SyntheticSubspacesSpec, 'kind'>>;

/** The defaults of every field but `subspaces` (which defaults to `classes`); the config schema uses these. */
export const syntheticDefaults = { seed: 0, trainSize: 2048, testSize: 512, image: 16, patch: 4, channels: 1, classes: 4, rank: 3, subspacesPerClass: 2, noise: 0.05 } as const;

function withDefaults(spec: SyntheticSubspacesSpec): Resolved {
  const d = syntheticDefaults;
  const classes = spec.classes ?? d.classes;
  const r: Resolved = {
    seed: spec.seed ?? d.seed,
    trainSize: spec.trainSize ?? d.trainSize,
    testSize: spec.testSize ?? d.testSize,
    image: spec.image ?? d.image,
    patch: spec.patch ?? d.patch,
    channels: spec.channels ?? d.channels,
    classes,
    subspaces: spec.subspaces ?? classes,
    rank: spec.rank ?? d.rank,
    subspacesPerClass: spec.subspacesPerClass ?? d.subspacesPerClass,
    noise: spec.noise ?? d.noise,
  };
  const fault = syntheticFaults(r)[0];
  if (fault) throw new RangeError(`synthetic-subspaces: ${fault.field} ${fault.message}`);
  return r;
}

/** The generator's constraints, by field; the config checks them with the same function. */
export function syntheticFaults(r: Pick<Resolved, 'image' | 'patch' | 'channels' | 'rank' | 'subspaces' | 'subspacesPerClass'>): Array<{ field: 'patch' | 'rank' | 'subspacesPerClass'; message: string }> {
  const faults: Array<{ field: 'patch' | 'rank' | 'subspacesPerClass'; message: string }> = [];
  const patchDim = r.patch * r.patch * r.channels;
  if (r.image % r.patch !== 0) faults.push({ field: 'patch', message: `${r.patch} does not divide the image size ${r.image}` });
  if (r.rank > patchDim) faults.push({ field: 'rank', message: `must be at most the patch dimension patch²·channels = ${patchDim}, got ${r.rank}` });
  if (r.subspacesPerClass > r.subspaces) faults.push({ field: 'subspacesPerClass', message: `must be at most the number of subspaces (${r.subspaces}), got ${r.subspacesPerClass}` });
  return faults;
}

/** The subspaces a spec generates (tests and metrics check tokens against them). */
export function subspaceModel(spec: SyntheticSubspacesSpec): SubspaceModel {
  const s = withDefaults(spec);
  const D = s.patch * s.patch * s.channels;
  const rng = derivedRng(s.seed, randomStreams.syntheticBases);
  const bases = Array.from({ length: s.subspaces }, () => orthonormalColumns(D, s.rank, () => rng.normal()));
  const classSubspaces = Array.from({ length: s.classes }, (_, c) => Array.from({ length: s.subspacesPerClass }, (_, j) => (c + j) % s.subspaces));
  return { patchDim: D, rank: s.rank, bases, classSubspaces, noise: s.noise };
}

/** Gram–Schmidt on Gaussian columns (full rank with probability 1). */
function orthonormalColumns(rows: number, cols: number, gaussian: () => number): Float64Array {
  const m = Float64Array.from({ length: rows * cols }, gaussian);
  for (let j = 0; j < cols; j++) {
    for (let q = 0; q < j; q++) {
      let dot = 0;
      for (let d = 0; d < rows; d++) dot += m[d * cols + j] * m[d * cols + q];
      for (let d = 0; d < rows; d++) m[d * cols + j] -= dot * m[d * cols + q];
    }
    let norm = 0;
    for (let d = 0; d < rows; d++) norm += m[d * cols + j] ** 2;
    for (let d = 0; d < rows; d++) m[d * cols + j] /= Math.sqrt(norm);
  }
  return m;
}

export function openSyntheticSubspaces(spec: SyntheticSubspacesSpec, split: Split): SyntheticSubspaces {
  const s = withDefaults(spec);
  const model = subspaceModel(spec);
  const size = split === 'train' ? s.trainSize : s.testSize;
  const dims: ImageDims = { channels: s.channels, height: s.image, width: s.image };
  const plane = s.channels * s.image * s.image;
  const grid = s.image / s.patch;

  function generate(i: number, out: Float32Array, offset: number): number {
    const rng = derivedRng(s.seed, split === 'train' ? randomStreams.syntheticTrain : randomStreams.syntheticTest, i);
    const label = i % s.classes;
    const own = model.classSubspaces[label];
    const x = new Float64Array(model.patchDim);
    for (let gy = 0; gy < grid; gy++) {
      for (let gx = 0; gx < grid; gx++) {
        const basis = model.bases[own[rng.int(own.length)]];
        x.fill(0);
        for (let j = 0; j < s.rank; j++) {
          const a = rng.normal();
          for (let d = 0; d < model.patchDim; d++) x[d] += basis[d * s.rank + j] * a;
        }
        for (let d = 0; d < model.patchDim; d++) x[d] += s.noise * rng.normal();
        placePatch(x, out.subarray(offset, offset + plane), dims, s.patch, gy, gx);
      }
    }
    return label;
  }

  return {
    name: 'synthetic-subspaces',
    size,
    ...dims,
    classes: s.classes,
    classNames: model.classSubspaces.map((ks) => `subspaces ${ks.join('+')}`),
    separateTestSplit: true,
    patch: s.patch,
    model,
    read(indices: ArrayLike<number>): Batch {
      const out: Batch = { images: new Float32Array(indices.length * plane), labels: new Int32Array(indices.length) };
      for (let k = 0; k < indices.length; k++) {
        checkIndex(indices[k], size);
        out.labels[k] = generate(indices[k], out.images, k * plane);
      }
      return out;
    },
    close() {},
  };
}

/** Patch (gy, gx) of one C×H×W image as a vector in (p1 p2 c) order. */
export function extractPatch(image: Float32Array, dims: ImageDims, patch: number, gy: number, gx: number): Float64Array {
  const v = new Float64Array(patch * patch * dims.channels);
  forEachPatchPixel(dims, patch, gy, gx, (d, pixel) => { v[d] = image[pixel]; });
  return v;
}

function placePatch(v: Float64Array, image: Float32Array, dims: ImageDims, patch: number, gy: number, gx: number): void {
  forEachPatchPixel(dims, patch, gy, gx, (d, pixel) => { image[pixel] = v[d]; });
}

/** The one definition of the patch layout: vector index d ↔ pixel index in the C×H×W image. */
function forEachPatchPixel(dims: ImageDims, patch: number, gy: number, gx: number, visit: (d: number, pixel: number) => void): void {
  for (let p1 = 0; p1 < patch; p1++) {
    for (let p2 = 0; p2 < patch; p2++) {
      for (let c = 0; c < dims.channels; c++) {
        visit((p1 * patch + p2) * dims.channels + c, (c * dims.height + gy * patch + p1) * dims.width + gx * patch + p2);
      }
    }
  }
}
