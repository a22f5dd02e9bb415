// CIFAR-10, binary version (Krizhevsky 2009): 3073-byte records, a label byte then the 32×32
// R, G and B planes — already channels first. data_batch_1..5.bin train, test_batch.bin test.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FileFormatError } from '../io/fileFormatError.js';
import type { Batch, Dataset, Split } from './dataset.js';
import { checkIndex } from './exampleIndex.js';
import { RecordFile } from './recordFile.js';

const SIDE = 32;
const PIXELS = 3 * SIDE * SIDE;
const RECORD = 1 + PIXELS;

/** Used when batches.meta.txt is absent; the official archive's order. */
/** The standard training split: data_batch_1..5.bin, 10,000 images each. */
export const CIFAR10_TRAIN_EXAMPLES = 50_000;
export const CIFAR10_CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];

export function openCifar10(dir: string, split: Split): Dataset {
  const names = split === 'train' ? [1, 2, 3, 4, 5].map((k) => `data_batch_${k}.bin`) : ['test_batch.bin'];
  const classNames = readClassNames(dir);
  const files: RecordFile[] = [];
  try {
    for (const name of names) files.push(openBatchFile(join(dir, name), classNames.length));
  } catch (e) {
    for (const f of files) f.close();
    throw e;
  }
  // first[f] is the index of file f's first record: an example index maps to (file, record).
  const first: number[] = [];
  let size = 0;
  for (const f of files) {
    first.push(size);
    size += f.count;
  }

  const record = new Uint8Array(RECORD);
  return {
    name: 'cifar10',
    size,
    channels: 3,
    height: SIDE,
    width: SIDE,
    classes: classNames.length,
    classNames,
    separateTestSplit: true,
    read(indices: ArrayLike<number>): Batch {
      const out: Batch = { images: new Float32Array(indices.length * PIXELS), labels: new Int32Array(indices.length) };
      for (let k = 0; k < indices.length; k++) {
        const i = indices[k];
        checkIndex(i, size);
        let f = files.length - 1;
        while (first[f] > i) f--;
        files[f].read(i - first[f], record);
        out.labels[k] = record[0];
        for (let j = 0; j < PIXELS; j++) out.images[k * PIXELS + j] = record[1 + j] / 255;
      }
      return out;
    },
    close() {
      for (const f of files) f.close();
    },
  };
}

function openBatchFile(file: string, classes: number): RecordFile {
  if (!existsSync(file)) throw new FileFormatError(file, 'not found: expected the CIFAR-10 binary version (data_batch_1..5.bin, test_batch.bin)');
  const bytes = statSync(file).size;
  if (bytes === 0 || bytes % RECORD !== 0) throw new FileFormatError(file, `size ${bytes} is not a positive multiple of the 3073-byte CIFAR-10 record`);
  const records = new RecordFile(file, 0, RECORD, bytes / RECORD);
  try {
    records.scan((r, i) => {
      if (r[0] >= classes) throw new FileFormatError(file, `label ${r[0]} of record ${i} is outside 0..${classes - 1}`);
    });
  } catch (e) {
    records.close();
    throw e;
  }
  return records;
}

/** batches.meta.txt: one class name per line (blank lines ignored). */
function readClassNames(dir: string): string[] {
  const meta = join(dir, 'batches.meta.txt');
  if (!existsSync(meta)) return CIFAR10_CLASSES;
  const names = readFileSync(meta, 'utf8').split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0);
  if (names.length === 0) throw new FileFormatError(meta, 'lists no class names');
  return names;
}
