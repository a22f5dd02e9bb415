// The data layer on real files: the installed Fashion-MNIST, and IDX, CIFAR-10, PNG and JPEG
// files written here byte by byte (or by the same encoders a user's tools would use).
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { gunzipSync, gzipSync } from 'node:zlib';
import { encode as encodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';
import { Rng } from '../trainer/random/rng.js';
import { openDataset } from '../trainer/data/openDataset.js';
import { FASHION_MNIST_DIR } from '../trainer/data/fashionMnist.js';
import { flipHorizontal, randomCrop, randomFlip } from '../trainer/data/augment.js';
import { CHANNEL_STATS, measureChannelStats, normalize } from '../trainer/data/normalize.js';
import { epochOrder, trainSubset, validationSplit } from '../trainer/data/split.js';
import { loadConfigFile } from '../trainer/config/index.js';
import { type DataFeed, openFeed } from '../trainer/train/dataFeed.js';
import { extractPatch, openSyntheticSubspaces, subspaceModel } from '../trainer/data/synthetic.js';
import { resizeBilinear } from '../trainer/data/resize.js';
import { randomStreams } from '../trainer/random/streams.js';

const tmp = mkdtempSync(join(tmpdir(), 'crate-data-'));
// Keep the decompression cache of this run to itself (and check what lands in it).
process.env.CRATE_LAB_CACHE = join(tmp, 'cache', 'crate-lab');
after(() => rmSync(tmp, { recursive: true, force: true }));

function range(n: number, from = 0): number[] {
  return Array.from({ length: n }, (_, i) => from + i);
}

/** Asserts that `action` rejects or throws with a message starting with `file: ` and matching `detail`. */
async function assertFault(action: () => unknown, file: string, detail: RegExp): Promise<void> {
  await assert.rejects(async () => action(), (e: Error) => {
    assert.ok(e.message.startsWith(`${file}: `), `message names ${file}: ${e.message}`);
    assert.match(e.message, detail);
    return true;
  });
}

// ---------------------------------------------------------------- Fashion-MNIST, the real files

test('Fashion-MNIST: shapes, class balance, pixel range, bytes as in the files', async () => {
  const train = await openDataset({ kind: 'fashion-mnist' }, 'train');
  const testSet = await openDataset({ kind: 'fashion-mnist' }, 'test');
  try {
    assert.deepEqual([train.size, train.channels, train.height, train.width, train.classes], [60000, 1, 28, 28, 10]);
    assert.equal(testSet.size, 10000);
    assert.equal(train.classNames[9], 'Ankle boot');

    for (const [ds, perClass] of [[train, 6000], [testSet, 1000]] as const) {
      const counts = new Array<number>(10).fill(0);
      let min = Infinity, max = -Infinity;
      for (let first = 0; first < ds.size; first += 5000) {
        const { images, labels } = ds.read(range(5000, first));
        for (const l of labels) counts[l]++;
        for (const v of images) { if (v < min) min = v; if (v > max) max = v; }
      }
      assert.deepEqual(counts, new Array(10).fill(perClass));
      assert.deepEqual([min, max], [0, 1]);
    }

    // Independently: gunzip the installed files and compare two examples' bytes and labels.
    const rawImages = gunzipSync(readFileSync(join(FASHION_MNIST_DIR, 'train-images-idx3-ubyte.gz')));
    const rawLabels = gunzipSync(readFileSync(join(FASHION_MNIST_DIR, 'train-labels-idx1-ubyte.gz')));
    const { images, labels } = train.read([59999, 0]);
    for (const [k, i] of [59999, 0].entries()) {
      assert.equal(labels[k], rawLabels[8 + i]);
      const expected = Float32Array.from(rawImages.subarray(16 + i * 784, 16 + (i + 1) * 784), (b) => b / 255);
      assert.deepEqual(images.subarray(k * 784, (k + 1) * 784), expected);
    }
    assert.equal(labels[1], 9, 'the first training image is an ankle boot');
  } finally {
    train.close();
    testSet.close();
  }
});

test('Fashion-MNIST: a batch of 256 reads in about a millisecond, without loading the set', async (t) => {
  await openDataset({ kind: 'fashion-mnist' }, 'train').then((d) => d.close()); // warm the cache
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  const before = process.memoryUsage().arrayBuffers;
  const ds = await openDataset({ kind: 'fashion-mnist' }, 'train');
  const rng = new Rng(7);
  const times: number[] = [];
  for (let b = 0; b < 100; b++) {
    const indices = range(256).map(() => rng.int(ds.size));
    const start = performance.now();
    ds.read(indices);
    times.push(performance.now() - start);
  }
  gc();
  const grown = process.memoryUsage().arrayBuffers - before; // with the dataset still open
  ds.close();
  times.sort((a, b) => a - b);
  t.diagnostic(`256 random images: median ${times[50].toFixed(2)} ms, 90th percentile ${times[90].toFixed(2)} ms; buffers grew ${(grown / 1e6).toFixed(1)} MB`);
  assert.ok(times[50] < 20, `median read ${times[50]} ms`);
  // Buffers freed by the reads are not always collected at once; what matters is far below 47 MB.
  assert.ok(grown < 20e6, `opening and reading kept ${grown} bytes of buffers (the images alone are 47 MB)`);
});

test('Fashion-MNIST: the channel statistics in the table are those of the training set', async () => {
  const ds = await openDataset({ kind: 'fashion-mnist' }, 'train');
  const measured = measureChannelStats(ds, range(ds.size));
  ds.close();
  assert.ok(Math.abs(measured.mean[0] - CHANNEL_STATS['fashion-mnist'].mean[0]) < 1e-3, `mean ${measured.mean[0]}`);
  assert.ok(Math.abs(measured.std[0] - CHANNEL_STATS['fashion-mnist'].std[0]) < 1e-3, `std ${measured.std[0]}`);
});

test('a missing Fashion-MNIST names the file and the install command', async () => {
  const empty = join(tmp, 'no-fashion');
  mkdirSync(empty);
  await assertFault(() => openDataset({ kind: 'fashion-mnist', dir: empty }, 'train'), join(empty, 'train-images-idx3-ubyte.gz'), /not found; install Fashion-MNIST with `sudo apt-get install dataset-fashion-mnist`/);
});

// ---------------------------------------------------------------- IDX fixtures

function idx(rank: number, dims: number[], values: number[]): Buffer {
  const head = Buffer.alloc(4 + 4 * dims.length);
  head.writeUInt32BE(0x0800 | rank, 0);
  dims.forEach((d, k) => head.writeUInt32BE(d, 4 + 4 * k));
  return Buffer.concat([head, Buffer.from(values)]);
}

/** A Fashion-MNIST-shaped folder with `count` 3×4 images whose pixel j of image i is 10i + j. */
function writeIdxSet(name: string, options: { count?: number; labels?: number[]; images?: Buffer; gz?: boolean } = {}): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  const count = options.count ?? 5;
  const images = options.images ?? idx(3, [count, 3, 4], range(count * 12).map((v) => (10 * Math.floor(v / 12) + (v % 12)) % 256));
  const labels = idx(1, [options.labels?.length ?? count], options.labels ?? range(count).map((i) => (i * 3) % 10));
  const write = (base: string, data: Buffer) => writeFileSync(join(dir, options.gz ? `${base}.gz` : base), options.gz ? gzipSync(data) : data);
  write('train-images-idx3-ubyte', images);
  write('train-labels-idx1-ubyte', labels);
  return dir;
}

function expectedIdxImage(i: number): Float32Array {
  return Float32Array.from(range(12), (j) => ((10 * i + j) % 256) / 255);
}

test('IDX: raw and gzipped files read back exactly, in the order asked', async () => {
  for (const gz of [false, true]) {
    const ds = await openDataset({ kind: 'fashion-mnist', dir: writeIdxSet(`idx-${gz}`, { gz }) }, 'train');
    assert.deepEqual([ds.size, ds.channels, ds.height, ds.width], [5, 1, 3, 4]);
    const { images, labels } = ds.read([4, 1, 4]);
    assert.deepEqual(Array.from(labels), [2, 3, 2]);
    assert.deepEqual(images.subarray(0, 12), expectedIdxImage(4));
    assert.deepEqual(images.subarray(12, 24), expectedIdxImage(1));
    assert.deepEqual(images.subarray(24, 36), expectedIdxImage(4));
    assert.throws(() => ds.read([5]), RangeError);
    ds.close();
  }
});

test('IDX .gz: decompressed once into the cache, again only when the source changes', async () => {
  const dir = writeIdxSet('idx-cache', { gz: true });
  const cacheDir = join(tmp, 'cache', 'crate-lab', 'gunzip');
  const entries = () => (existsSync(cacheDir) ? readdirSync(cacheDir) : []).filter((f) => f.startsWith('train-images-idx3-ubyte-')).sort();
  const known = new Set(entries());
  (await openDataset({ kind: 'fashion-mnist', dir }, 'train')).close();
  const mine = entries().filter((f) => !known.has(f));
  assert.equal(mine.length, 1);
  assert.deepEqual(readdirSync(cacheDir).filter((f) => f.includes('.tmp-')), [], 'no temporary files left');
  const first = statSync(join(cacheDir, mine[0]));

  (await openDataset({ kind: 'fashion-mnist', dir }, 'train')).close();
  assert.equal(statSync(join(cacheDir, mine[0])).mtimeMs, first.mtimeMs, 'the cache entry was reused, not rewritten');

  utimesSync(join(dir, 'train-images-idx3-ubyte.gz'), new Date(), new Date(2001, 1, 1));
  (await openDataset({ kind: 'fashion-mnist', dir }, 'train')).close();
  assert.equal(entries().filter((f) => !known.has(f)).length, 2, 'a touched source gets its own entry');
});

test('IDX: each kind of broken file is one clear error naming it', async () => {
  const images = (dir: string, gz = false) => join(tmp, dir, `train-images-idx3-ubyte${gz ? '.gz' : ''}`);
  const labels = (dir: string) => join(tmp, dir, 'train-labels-idx1-ubyte');
  const good = idx(3, [5, 3, 4], range(60));
  const cases: Array<[string, Parameters<typeof writeIdxSet>[1], string, RegExp]> = [
    ['bad-magic', { images: Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 3]), good.subarray(4)]) }, images('bad-magic'), /not an IDX file: magic is 0x1f8b0803, expected 0x00000803/],
    ['bad-type', { images: Buffer.concat([Buffer.from([0, 0, 0x0d, 3]), good.subarray(4)]) }, images('bad-type'), /element type 0xd is not supported/],
    ['bad-rank', { images: idx(2, [5, 12], range(60)) }, images('bad-rank'), /has 2 dimensions, expected 3/],
    ['truncated', { images: good.subarray(0, good.length - 1) }, images('truncated'), /header says 5×3×4 \(76 bytes with the header\) but the file has 75 bytes/],
    ['truncated-header', { images: good.subarray(0, 10) }, images('truncated-header'), /IDX header is truncated/],
    ['count-mismatch', { labels: [1, 2, 3, 4] }, labels('count-mismatch'), /holds 4 labels but .*train-images-idx3-ubyte holds 5 images/],
    ['label-range', { labels: [1, 2, 10, 4, 5] }, labels('label-range'), /label 10 of example 2 is outside 0\.\.9/],
    ['gz-truncated', { gz: true, images: good.subarray(0, 40) }, images('gz-truncated', true), /header says 5×3×4 .* but the file has 40 bytes/],
  ];
  for (const [name, options, file, detail] of cases) {
    writeIdxSet(name, options);
    await assertFault(() => openDataset({ kind: 'fashion-mnist', dir: join(tmp, name) }, 'train'), file, detail);
  }
  const dir = writeIdxSet('gz-corrupt', { gz: true });
  const gz = join(dir, 'train-images-idx3-ubyte.gz');
  const bytes = readFileSync(gz);
  writeFileSync(gz, Buffer.concat([bytes.subarray(0, 12), Buffer.alloc(bytes.length - 12, 0xff)]));
  await assertFault(() => openDataset({ kind: 'fashion-mnist', dir }, 'train'), gz, /corrupt gzip data/);
});

// ---------------------------------------------------------------- CIFAR-10 fixtures

/** Record r of a file: label, then pixel j = (r·7 + j) mod 256 over the R, G, B planes. */
function cifarRecords(labels: number[], salt: number): Buffer {
  return Buffer.concat(labels.map((label, r) => Buffer.from([label, ...range(3072).map((j) => (salt + r * 7 + j) % 256)])));
}

function writeCifar(name: string, meta = true): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  for (let k = 1; k <= 5; k++) writeFileSync(join(dir, `data_batch_${k}.bin`), cifarRecords([k, (k + 5) % 10], k * 100));
  writeFileSync(join(dir, 'test_batch.bin'), cifarRecords([0, 1, 9], 0));
  if (meta) writeFileSync(join(dir, 'batches.meta.txt'), 'a0\na1\na2\na3\na4\na5\na6\na7\na8\na9\n\n');
  return dir;
}

test('CIFAR-10: batches across files read back exactly, class names from batches.meta.txt', async () => {
  const dir = writeCifar('cifar');
  const train = await openDataset({ kind: 'cifar10', dir }, 'train');
  assert.deepEqual([train.size, train.channels, train.height, train.width, train.classes], [10, 3, 32, 32, 10]);
  assert.equal(train.classNames[3], 'a3');
  // Example 7 is record 1 of data_batch_4.bin.
  const { images, labels } = train.read([7, 0]);
  assert.deepEqual(Array.from(labels), [9, 1]);
  assert.deepEqual(images.subarray(0, 3072), Float32Array.from(range(3072), (j) => ((400 + 7 + j) % 256) / 255));
  assert.equal(images[3072 + 1024], Math.fround(((100 + 1024) % 256) / 255), 'green plane of data_batch_1 record 0');
  train.close();

  const testSet = await openDataset({ kind: 'cifar10', dir: writeCifar('cifar-no-meta', false) }, 'test');
  assert.deepEqual(Array.from(testSet.read([0, 1, 2]).labels), [0, 1, 9]);
  assert.equal(testSet.classNames[0], 'airplane');
  testSet.close();
});

test('CIFAR-10: wrong sizes, labels and missing files are one clear error naming the file', async () => {
  const dir = writeCifar('cifar-bad');
  const batch3 = join(dir, 'data_batch_3.bin');
  writeFileSync(batch3, cifarRecords([1, 2], 0).subarray(0, 3073 + 100));
  await assertFault(() => openDataset({ kind: 'cifar10', dir }, 'train'), batch3, /size 3173 is not a positive multiple of the 3073-byte CIFAR-10 record/);
  writeFileSync(batch3, cifarRecords([1, 10], 0));
  await assertFault(() => openDataset({ kind: 'cifar10', dir }, 'train'), batch3, /label 10 of record 1 is outside 0\.\.9/);
  const missing = join(tmp, 'no-cifar');
  await assertFault(() => openDataset({ kind: 'cifar10', dir: missing }, 'test'), join(missing, 'test_batch.bin'), /not found/);
});

// ---------------------------------------------------------------- image folders

function writePng(file: string, width: number, height: number, pixel: (x: number, y: number) => number[]): void {
  const gray = pixel(0, 0).length === 1;
  const png = new PNG({ width, height });
  png.data = Buffer.from(range(width * height).flatMap((p) => pixel(p % width, Math.floor(p / width))));
  writeFileSync(file, PNG.sync.write(png, { colorType: gray ? 0 : 2, inputColorType: gray ? 0 : 2, inputHasAlpha: false }));
}

function writeJpeg(file: string, width: number, height: number, rgb: (x: number, y: number) => number[]): void {
  const data = Buffer.from(range(width * height).flatMap((p) => [...rgb(p % width, Math.floor(p / width)), 255]));
  writeFileSync(file, encodeJpeg({ width, height, data }, 100).data);
}

function folder(...parts: string[]): string {
  const dir = join(tmp, ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}

const grayPixel = (x: number, y: number, k: number) => [(x * 40 + y * 7 + k * 3) % 256];

test('image folder: gray PNGs read back exactly, classes sorted, one folder serves both splits', async () => {
  for (const [cls, k] of [['zebra', 0], ['ant', 1], ['Moth', 2]] as const) {
    for (const n of [1, 0]) writePng(join(folder('gray', cls), `img${n}.png`), 5, 4, (x, y) => grayPixel(x, y, k * 2 + n));
  }
  writeFileSync(join(folder('gray', 'ant'), 'notes.txt'), 'not an image');
  const ds = await openDataset({ kind: 'image-folder', dir: join(tmp, 'gray') }, 'train');
  assert.deepEqual(ds.classNames, ['Moth', 'ant', 'zebra']);
  assert.deepEqual([ds.size, ds.channels, ds.height, ds.width, ds.separateTestSplit], [6, 1, 4, 5, false]);
  const { images, labels } = ds.read([3, 0]);
  assert.deepEqual(Array.from(labels), [1, 0]);
  // Example 3 is ant/img1.png (k = 1, n = 1); example 0 is Moth/img0.png.
  assert.deepEqual(images.subarray(0, 20), Float32Array.from(range(20), (p) => grayPixel(p % 5, Math.floor(p / 5), 3)[0] / 255));
  assert.deepEqual(images.subarray(20, 40), Float32Array.from(range(20), (p) => grayPixel(p % 5, Math.floor(p / 5), 4)[0] / 255));
  const testSet = await openDataset({ kind: 'image-folder', dir: join(tmp, 'gray') }, 'test');
  assert.deepEqual(testSet.read([3]), ds.read([3]));
});

test('image folder: RGB PNG and JPEG, train/ and test/, gray converted to RGB, resizing', async () => {
  const rgb = (x: number, y: number) => [x * 30, y * 30, 200 - x * 10];
  writePng(join(folder('rgb', 'train', 'b'), 'p.png'), 6, 6, rgb);
  writeJpeg(join(folder('rgb', 'train', 'a'), 'j.JPG'), 6, 6, rgb);
  writePng(join(folder('rgb', 'test', 'b'), 'g.png'), 6, 6, (x, y) => [x * 40 + y]);
  const train = await openDataset({ kind: 'image-folder', dir: join(tmp, 'rgb') }, 'train');
  assert.deepEqual([train.size, train.channels, train.classNames, train.separateTestSplit], [2, 3, ['a', 'b'], true]);
  const { images, labels } = train.read([0, 1]);
  assert.deepEqual(Array.from(labels), [0, 1]);
  const expected = Float32Array.from(range(108), (j) => rgb(j % 6, Math.floor(j / 6) % 6)[Math.floor(j / 36)] / 255);
  assert.deepEqual(images.subarray(108), expected, 'PNG exactly, channels first');
  const jpegError = Math.max(...images.subarray(0, 108).map((v, j) => Math.abs(v - expected[j])));
  assert.ok(jpegError < 0.03, `JPEG at quality 100 within 0.03, got ${jpegError}`);

  const testSet = await openDataset({ kind: 'image-folder', dir: join(tmp, 'rgb') }, 'test');
  assert.deepEqual([testSet.size, testSet.channels], [1, 3], 'channels follow the training set');
  const gray = testSet.read([0]).images;
  assert.deepEqual(gray.subarray(0, 36), gray.subarray(36, 72));
  assert.equal(gray[36 * 2 + 6 + 2], Math.fround((2 * 40 + 1) / 255), 'blue, row 1, column 2');

  const resized = await openDataset({ kind: 'image-folder', dir: join(tmp, 'rgb'), size: [3, 12], channels: 1 }, 'test');
  assert.deepEqual([resized.channels, resized.height, resized.width], [1, 3, 12]);
  const r = resized.read([0]).images;
  // g.png is 40x + y; 6→3 rows samples y = 0.5, 2.5, 4.5; 6→12 columns samples x = 0 (clamped), .25, .75, …
  const near = (got: number, want: number) => assert.ok(Math.abs(got - want / 255) < 1e-6, `${got * 255} vs ${want}`);
  near(r[0], 0.5);
  near(r[1], 10.5);
  near(r[2], 30.5);
  near(r[12 + 11], 200 + 2.5);
});

test('bilinear resize: same size is the identity; a ramp stays a ramp', () => {
  const src = Float32Array.from(range(2 * 3 * 4), (v) => Math.sin(v));
  assert.deepEqual(resizeBilinear(src, 2, 3, 4, 3, 4), src);
  // Columns 0, 1, 2, 3 upsampled ×2 with half-pixel centres: 0, .25, .75, 1.25, 1.75, 2.25, 2.75, 3.
  const ramp = Float32Array.from(range(4));
  assert.deepEqual(Array.from(resizeBilinear(ramp, 1, 1, 4, 1, 8)), [0, 0.25, 0.75, 1.25, 1.75, 2.25, 2.75, 3]);
});

test('image folder: no classes, unreadable and differently sized images are clear errors naming the file', async () => {
  const empty = folder('empty-folder');
  await assertFault(() => openDataset({ kind: 'image-folder', dir: empty }, 'train'), empty, /holds no class sub-folders/);

  const garbage = join(folder('garbage', 'cat'), 'x.png');
  writeFileSync(garbage, 'this is not a png at all');
  await assertFault(() => openDataset({ kind: 'image-folder', dir: join(tmp, 'garbage') }, 'train'), garbage, /is not a PNG or JPEG image/);

  const truncated = join(folder('truncated-png', 'cat'), 'x.png');
  writePng(truncated, 8, 8, (x, y) => [x + y]);
  writeFileSync(truncated, readFileSync(truncated).subarray(0, 40));
  const ds = await openDataset({ kind: 'image-folder', dir: join(tmp, 'truncated-png') }, 'train');
  await assertFault(() => ds.read([0]), truncated, /cannot decode/);

  writePng(join(folder('sizes', 'a'), '1.png'), 4, 4, () => [1]);
  const odd = join(folder('sizes', 'b'), '2.png');
  writePng(odd, 5, 4, () => [2]);
  await assertFault(() => openDataset({ kind: 'image-folder', dir: join(tmp, 'sizes') }, 'train'), odd, /is 4×5 \(H×W\) but .*1\.png is 4×4; all images must be one size, or give the data spec a size/);
  const both = await openDataset({ kind: 'image-folder', dir: join(tmp, 'sizes'), size: 4 }, 'train');
  assert.deepEqual(both.read([1]).images, new Float32Array(16).fill(2 / 255));

  folder('half-split', 'train', 'a');
  await assertFault(() => openDataset({ kind: 'image-folder', dir: join(tmp, 'half-split') }, 'train'), join(tmp, 'half-split'), /has train\/ but no test\//);
  writePng(join(folder('extra-class', 'train', 'a'), '1.png'), 2, 2, () => [0]);
  writePng(join(folder('extra-class', 'test', 'z'), '1.png'), 2, 2, () => [0]);
  await assertFault(() => openDataset({ kind: 'image-folder', dir: join(tmp, 'extra-class') }, 'test'), join(tmp, 'extra-class', 'test', 'z'), /is not a class of the training folder/);
});

// ---------------------------------------------------------------- synthetic subspaces

test('synthetic subspaces: deterministic from (seed, split, index), balanced, distinct splits', async () => {
  const spec = { kind: 'synthetic-subspaces', seed: 3 } as const;
  const a = await openDataset(spec, 'train');
  const b = await openDataset(spec, 'train');
  assert.deepEqual([a.size, a.channels, a.height, a.width, a.classes], [2048, 1, 16, 16, 4]);
  assert.deepEqual(a.read([5, 900]), b.read([5, 900]));
  const pair = a.read([3, 5]), swapped = a.read([5, 3]);
  assert.deepEqual(pair.images.subarray(0, 256), swapped.images.subarray(256));
  assert.deepEqual(Array.from(a.read(range(8)).labels), [0, 1, 2, 3, 0, 1, 2, 3]);
  assert.notDeepEqual(a.read([5]).images, (await openDataset(spec, 'test')).read([5]).images);
  assert.notDeepEqual(a.read([5]).images, (await openDataset({ ...spec, seed: 4 }, 'train')).read([5]).images);
  assert.equal((await openDataset(spec, 'test')).size, 512);
});

test('synthetic subspaces: bases are orthonormal and every patch lies on one of its class\'s subspaces', () => {
  const spec = { kind: 'synthetic-subspaces', seed: 11, noise: 0.02 } as const;
  const ds = openSyntheticSubspaces(spec, 'train');
  const model = subspaceModel(spec);
  assert.deepEqual(ds.model, model);
  const { patchDim: D, rank: r, bases } = model;
  for (const U of bases) {
    for (let i = 0; i < r; i++) for (let j = 0; j < r; j++) {
      let dot = 0;
      for (let d = 0; d < D; d++) dot += U[d * r + i] * U[d * r + j];
      assert.ok(Math.abs(dot - (i === j ? 1 : 0)) < 1e-12);
    }
  }
  const residual = (x: Float64Array, U: Float64Array): number => {
    const coef = range(r).map((j) => range(D).reduce((s, d) => s + U[d * r + j] * x[d], 0));
    return Math.sqrt(range(D).reduce((s, d) => s + (x[d] - range(r).reduce((t, j) => t + U[d * r + j] * coef[j], 0)) ** 2, 0));
  };
  const { images, labels } = ds.read(range(64));
  const own: number[] = [], other: number[] = [];
  for (let n = 0; n < 64; n++) {
    const image = images.subarray(n * 256, (n + 1) * 256);
    for (let gy = 0; gy < 4; gy++) for (let gx = 0; gx < 4; gx++) {
      const x = extractPatch(image, ds, 4, gy, gx);
      const ks = model.classSubspaces[labels[n]];
      own.push(Math.min(...ks.map((k) => residual(x, bases[k]))));
      other.push(Math.min(...range(bases.length).filter((k) => !ks.includes(k)).map((k) => residual(x, bases[k]))));
    }
  }
  const mean = (v: number[]) => v.reduce((s, x) => s + x, 0) / v.length;
  // Noise σ per pixel leaves σ·√(D − r) off the subspace (slightly less: the minimum over two).
  const floor = 0.02 * Math.sqrt(D - r);
  assert.ok(mean(own) > 0.7 * floor && mean(own) < 1.1 * floor, `residual on own subspace ${mean(own)} vs noise ${floor}`);
  assert.ok(mean(other) > 10 * floor, `other subspaces leave ${mean(other)} on average`);
  const onOwn = own.filter((v, i) => v < other[i]).length / own.length;
  assert.ok(onOwn > 0.97, `${onOwn} of patches are nearest to their class's subspaces`);
});

// ---------------------------------------------------------------- augmentation, normalization

const dims = { channels: 2, height: 5, width: 6 };
const batch = () => Float32Array.from(range(3 * 60), (v) => v + 1);

test('flip: twice is the identity, once mirrors each row; randomFlip is reproducible from the Rng', () => {
  const x = batch();
  flipHorizontal(x, dims, 1);
  assert.deepEqual(Array.from(x.subarray(60, 66)), [66, 65, 64, 63, 62, 61]);
  assert.deepEqual(x.subarray(0, 60), batch().subarray(0, 60), 'other images untouched');
  flipHorizontal(x, dims, 1);
  assert.deepEqual(x, batch());

  const many = Float32Array.from(range(200 * 60), (v) => v);
  randomFlip(many, dims, new Rng(5));
  const flipped = range(200).filter((n) => many[n * 60] !== n * 60).length;
  assert.ok(flipped > 70 && flipped < 130, `${flipped} of 200 flipped`);
  randomFlip(many, dims, new Rng(5));
  assert.deepEqual(many, Float32Array.from(range(200 * 60), (v) => v));
});

test('crop: padding 0 is the identity; otherwise a zero-filled shift by at most the padding, same for the same Rng', () => {
  const x = batch();
  randomCrop(x, dims, 0, new Rng(1));
  assert.deepEqual(x, batch());

  const [a, b] = [batch(), batch()];
  const [ra, rb] = [new Rng(9), new Rng(9)];
  randomCrop(a, dims, 2, ra);
  randomCrop(b, dims, 2, rb);
  assert.deepEqual(a, b);
  assert.deepEqual(ra.state(), rb.state());

  const original = batch();
  for (let n = 0; n < 3; n++) {
    const shifted = (dy: number, dx: number) => Float32Array.from(range(60), (j) => {
      const c = Math.floor(j / 30), y = Math.floor(j / 6) % 5 + dy, x2 = (j % 6) + dx;
      return y >= 0 && y < 5 && x2 >= 0 && x2 < 6 ? original[n * 60 + c * 30 + y * 6 + x2] : 0;
    });
    const got = a.subarray(n * 60, (n + 1) * 60);
    const matches = range(25).filter((s) => shifted(Math.floor(s / 5) - 2, (s % 5) - 2).every((v, j) => v === got[j]));
    assert.equal(matches.length, 1, `image ${n} is exactly one shift of the original`);
  }
});

test('normalize: per channel (x − mean) / std', () => {
  const x = Float32Array.from([0, 1, 2, 3, 0.5, 0.5, 0.5, 0.5]);
  normalize(x, { channels: 2, height: 1, width: 2 }, { mean: [1, 0.5], std: [2, 0.25] });
  assert.deepEqual(Array.from(x), [-0.5, 0, 6, 10, -0.25, -0.25, 0, 0]);
  assert.throws(() => normalize(x, { channels: 3, height: 1, width: 1 }, CHANNEL_STATS['fashion-mnist']), /1 means and 1 stds for 3 channels/);
});

// ---------------------------------------------------------------- split and order

test('epochOrder: a permutation, fixed by (seed, epoch) alone', () => {
  const order = epochOrder(1000, 3, 42);
  assert.deepEqual(Array.from(order).sort((p, q) => p - q), range(1000));
  assert.deepEqual(epochOrder(1000, 3, 42), order);
  assert.notDeepEqual(epochOrder(1000, 4, 42), order);
  assert.notDeepEqual(epochOrder(1000, 3, 43), order);
  assert.ok(range(1000).filter((i) => order[i] === i).length < 10, 'actually shuffled');
  // Uniform: all 6 orders of 3 items, each about 1000 times in 6000 epochs.
  const seen = new Map<string, number>();
  for (let e = 0; e < 6000; e++) {
    const key = Array.from(epochOrder(3, e, 1)).join();
    seen.set(key, (seen.get(key) ?? 0) + 1);
  }
  assert.equal(seen.size, 6);
  for (const [key, n] of seen) assert.ok(n > 850 && n < 1150, `order ${key} drawn ${n} times`);
  assert.deepEqual(Array.from(epochOrder(1, 0, 0)), [0]);
  assert.deepEqual(Array.from(epochOrder(0, 0, 0)), []);
});

test('validationSplit: disjoint, covering, sized by the fraction, deterministic', () => {
  const { train, validation } = validationSplit(101, 0.1, 7);
  assert.equal(validation.length, 10);
  assert.deepEqual([...train, ...validation].sort((p, q) => p - q), range(101));
  assert.deepEqual(Array.from(train), Array.from(train).sort((p, q) => p - q));
  assert.deepEqual(validationSplit(101, 0.1, 7), { train, validation });
  assert.notDeepEqual(validationSplit(101, 0.1, 8).validation, validation);
  assert.throws(() => validationSplit(10, 1, 0), RangeError);
});

test('every random stream has its own key, so no two uses of one seed draw the same numbers', () => {
  const keys = Object.entries(randomStreams);
  const seen = new Map<number, string>();
  for (const [name, key] of keys) {
    assert.equal(seen.get(key), undefined, `${name} and ${seen.get(key)} share the stream key ${key}`);
    seen.set(key, name);
  }
  // The keys are part of the run format (a seed must keep training on the same data): these are
  // the values runs were made with.
  assert.deepEqual(randomStreams, { validationSplit: 0x5b1, epochOrder: 0xe90c, augment: 0xa06, srrLayer: 0x5a7, trainSubset: 0x75b5, dropout: 0xd40, syntheticTrain: 0, syntheticTest: 1, syntheticBases: 2 });
});

test('trainSubset: that many of the training examples, ascending, fixed by the seed alone', () => {
  const { train, validation } = validationSplit(200, 0.2, 3);
  const subset = trainSubset(train, validation.length, 3);
  assert.equal(subset.length, 40);
  assert.deepEqual(Array.from(subset), Array.from(new Set(subset)).sort((p, q) => p - q), 'distinct, ascending');
  const trainSet = new Set(train);
  assert.ok(subset.every((i) => trainSet.has(i)), 'only training examples (none held out)');
  assert.deepEqual(trainSubset(train, 40, 3), subset);
  assert.notDeepEqual(trainSubset(train, 40, 4), subset);
  // Not the first examples: drawn from the whole training part.
  assert.ok(subset[subset.length - 1] > 120, `the subset ends at ${subset[subset.length - 1]}`);
  // Never more than there are.
  assert.deepEqual(Array.from(trainSubset(Int32Array.from([5, 9]), 10, 0)), [5, 9]);
});

/** The evaluation sets of a feed for a config written as YAML. */
async function feedFor(name: string, yaml: string): Promise<DataFeed> {
  const file = join(folder('feeds'), `${name}.crate.yaml`);
  writeFileSync(file, yaml);
  const { config } = loadConfigFile(file);
  return openFeed(await openDataset(config.data, 'train'), await openDataset(config.data, 'test'), config);
}

test('evaluation sets are named for what they are: validation when held out of the training data, test when the test split', async () => {
  const base = 'model: { arch: crate, depth: 1, width: 8, heads: 2 }\noptim: { batchSize: 8 }\n';
  const split = await feedFor('split', `${base}data: { kind: synthetic-subspaces, trainSize: 100, testSize: 30, validationFraction: 0.2 }\n`);
  assert.deepEqual([split.heldOut.split, split.heldOut.size, split.trainSubset.split, split.trainSubset.size, split.trainSize], ['validation', 20, 'train', 20, 80]);
  assert.deepEqual([split.test?.split, split.test?.size], ['test', 30], 'the final evaluation has the test split');
  // The probe and held-out images are the validation examples, the test split's are others.
  assert.notDeepEqual(split.heldOut.batch(0, 2).images, split.test!.batch(0, 2).images);
  split.close();

  const noSplit = await feedFor('no-split', `${base}data: { kind: synthetic-subspaces, trainSize: 100, testSize: 30, validationFraction: 0 }\n`);
  assert.deepEqual([noSplit.heldOut.split, noSplit.heldOut.size, noSplit.trainSubset.size, noSplit.trainSize], ['test', 30, 30, 100]);
  assert.equal(noSplit.test, noSplit.heldOut, 'the held-out set is the test split itself');
  noSplit.close();

  // An image folder without train/ and test/ has no test split: a tenth is held out, as validation.
  for (const [cls, k] of [['a', 0], ['b', 1]] as const) for (const n of range(10)) writePng(join(folder('one-folder', cls), `${n}.png`), 4, 4, (x, y) => grayPixel(x, y, k + n));
  const folderFeed = await feedFor('folder', `model: { arch: crate, depth: 1, width: 8, heads: 2, patch: 2 }\noptim: { batchSize: 4 }\ndata: { kind: image-folder, dir: ${join(tmp, 'one-folder')}, size: 4, channels: 1, validationFraction: 0 }\n`);
  assert.deepEqual([folderFeed.heldOut.split, folderFeed.heldOut.size, folderFeed.trainSubset.size, folderFeed.test], ['validation', 2, 2, undefined]);
  folderFeed.close();
});

test('the training subset is read as it is: the examples themselves, normalized, never augmented', async () => {
  const feed = await feedFor(
    'augmented',
    'model: { arch: crate, depth: 1, width: 8, heads: 2 }\noptim: { batchSize: 8 }\ndata: { kind: synthetic-subspaces, trainSize: 64, testSize: 16, normalize: false, augment: { cropPadding: 2, flip: true } }\n',
  );
  const { train } = validationSplit(64, 0.1, 0);
  const data = await openSyntheticSubspaces({ kind: 'synthetic-subspaces', trainSize: 64, testSize: 16 }, 'train');
  const want = data.read(Array.from(trainSubset(train, feed.heldOut.size, 0)));
  assert.deepEqual(feed.trainSubset.batch(0, feed.trainSubset.size), want);
  data.close();
  feed.close();
});
