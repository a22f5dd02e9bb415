// A folder of images per class: dir/<class>/*.png|jpg|jpeg (classes = sub-folder names, sorted),
// or dir/train/<class>/… with dir/test/<class>/…. Only the file list is kept; every batch is
// decoded from disk. Headers are all checked at open so a bad file fails now, not at step 10 000.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FileFormatError } from '../io/fileFormatError.js';
import type { Batch, Dataset, Split } from './dataset.js';
import { checkIndex } from './exampleIndex.js';
import { decodeImage, readImageHeader } from './imageFile.js';
import { resizeBilinear } from './resize.js';

export interface ImageFolderSpec {
  kind: 'image-folder';
  /** dir/<class>/*.png|jpg|jpeg, or dir/train/<class>/… and dir/test/<class>/… */
  dir: string;
  /** Resize every image to this (square, or [height, width]; bilinear, resize.ts); without it all must be one size. */
  size?: number | [number, number];
  /** Default: 1 if the first training image is grayscale, else 3. Others are converted. */
  channels?: 1 | 3;
}

const IMAGE_FILE = /\.(png|jpe?g)$/i;

interface Example {
  file: string;
  label: number;
}

export function openImageFolder(spec: ImageFolderSpec, split: Split): Dataset {
  const { trainDir, testDir } = splitFolders(spec.dir);
  const classNames = subFolders(trainDir);
  if (classNames.length === 0) throw new FileFormatError(trainDir, 'holds no class sub-folders (expected <class>/*.png|jpg|jpeg)');
  const root = split === 'test' && testDir ? testDir : trainDir;
  const examples = listExamples(root, classNames);
  if (examples.length === 0) throw new FileFormatError(root, 'holds no class sub-folders (expected <class>/*.png|jpg|jpeg)');

  // Size and channels come from the first training image, so both splits agree on them.
  const reference = split === 'test' && testDir ? listExamples(trainDir, classNames)[0].file : examples[0].file;
  const referenceHeader = readImageHeader(reference);
  const channels = spec.channels ?? (referenceHeader.grayscale ? 1 : 3);
  const [height, width] = spec.size === undefined ? [referenceHeader.height, referenceHeader.width] : typeof spec.size === 'number' ? [spec.size, spec.size] : spec.size;
  if (![height, width].every((s) => Number.isInteger(s) && s > 0)) throw new RangeError(`image-folder size must be positive integers, got ${String(spec.size)}`);

  for (const { file } of examples) {
    const h = readImageHeader(file);
    if (spec.size === undefined && (h.height !== height || h.width !== width)) throw sizeMismatch(file, h.height, h.width, reference, height, width);
  }

  const plane = channels * height * width;
  return {
    name: `image-folder:${spec.dir}`,
    size: examples.length,
    channels,
    height,
    width,
    classes: classNames.length,
    classNames,
    separateTestSplit: testDir !== null,
    read(indices: ArrayLike<number>): Batch {
      const out: Batch = { images: new Float32Array(indices.length * plane), labels: new Int32Array(indices.length) };
      for (let k = 0; k < indices.length; k++) {
        checkIndex(indices[k], examples.length);
        const { file, label } = examples[indices[k]];
        const image = decodeImage(file, channels);
        let pixels = image.pixels;
        if (image.height !== height || image.width !== width) {
          if (spec.size === undefined) throw sizeMismatch(file, image.height, image.width, reference, height, width);
          pixels = resizeBilinear(pixels, channels, image.height, image.width, height, width);
        }
        out.images.set(pixels, k * plane);
        out.labels[k] = label;
      }
      return out;
    },
    close() {},
  };
}

function sizeMismatch(file: string, h: number, w: number, reference: string, height: number, width: number): FileFormatError {
  return new FileFormatError(file, `is ${h}×${w} (H×W) but ${reference} is ${height}×${width}; all images must be one size, or give the data spec a size to resize them to`);
}

/** dir/train + dir/test when both exist, else dir serves both splits. */
function splitFolders(dir: string): { trainDir: string; testDir: string | null } {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new FileFormatError(dir, 'image folder not found');
  const subs = subFolders(dir);
  const hasTrain = subs.includes('train'), hasTest = subs.includes('test');
  if (hasTrain && hasTest) return { trainDir: join(dir, 'train'), testDir: join(dir, 'test') };
  if (hasTrain || hasTest) throw new FileFormatError(dir, `has ${hasTrain ? 'train' : 'test'}/ but no ${hasTrain ? 'test' : 'train'}/: give both, or put the class folders directly in ${dir}`);
  return { trainDir: dir, testDir: null };
}

/** Visible sub-folder names in code-unit order (the same on every machine and locale). */
function subFolders(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
    .map((e) => e.name)
    .sort();
}

/** Class-major, files sorted by name. A test folder may lack a class but not add one. */
function listExamples(root: string, classNames: string[]): Example[] {
  const unknown = subFolders(root).filter((c) => !classNames.includes(c));
  if (unknown.length > 0) throw new FileFormatError(join(root, unknown[0]), `is not a class of the training folder (${classNames.join(', ')})`);
  const examples: Example[] = [];
  classNames.forEach((name, label) => {
    const classDir = join(root, name);
    if (!existsSync(classDir)) return;
    const files = readdirSync(classDir).filter((f) => IMAGE_FILE.test(f)).sort();
    if (files.length === 0) throw new FileFormatError(classDir, 'holds no .png, .jpg or .jpeg images');
    for (const f of files) examples.push({ file: join(classDir, f), label });
  });
  return examples;
}
