// Compressed data files (Fashion-MNIST ships as .gz) are decompressed once into a cache so that
// batches can be read by offset. The cache entry is keyed by the source's path, size and mtime,
// so a replaced source gets a new entry, and it appears only complete (temp name + rename).
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, createReadStream, createWriteStream, fstatSync, fsyncSync, mkdirSync, openSync, readSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { cacheRoot } from '../io/cacheRoot.mjs';
import { FileFormatError } from '../io/fileFormatError.js';


/** Path of the decompressed copy of `gzFile`, decompressing it first if the cache lacks it. */
export async function gunzipToCache(gzFile: string): Promise<string> {
  const source = statSync(gzFile);
  const key = createHash('sha256').update(`${resolve(gzFile)}\0${source.size}\0${source.mtimeMs}`).digest('hex').slice(0, 16);
  const dir = join(cacheRoot(), 'gunzip');
  const target = join(dir, `${basename(gzFile).replace(/\.gz$/, '')}-${key}`);
  if (isCompleteCopy(target, gzFile)) return target;

  mkdirSync(dir, { recursive: true });
  const tmp = `${target}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const fd = openSync(tmp, 'w');
  try {
    await pipeline(createReadStream(gzFile), createGunzip(), createWriteStream('', { fd, autoClose: false }));
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, target);
  } catch (e) {
    try { closeSync(fd); } catch { /* already closed */ }
    rmSync(tmp, { force: true });
    const zlibFault = typeof (e as { code?: unknown }).code === 'string' && (e as { code: string }).code.startsWith('Z_');
    throw new FileFormatError(gzFile, zlibFault ? `corrupt gzip data: ${(e as Error).message}` : `cannot decompress into ${dir}: ${(e as Error).message}`);
  }
  return target;
}

/** gzip's trailer holds the decompressed size mod 2³²; a cache entry of another size is stale or damaged. */
function isCompleteCopy(target: string, gzFile: string): boolean {
  let size: number;
  try {
    size = statSync(target).size;
  } catch {
    return false;
  }
  const fd = openSync(gzFile, 'r');
  try {
    const length = fstatSync(fd).size;
    const trailer = Buffer.alloc(4);
    if (length < 18 || readSync(fd, trailer, 0, 4, length - 4) !== 4) return false;
    return trailer.readUInt32LE(0) === size % 2 ** 32;
  } finally {
    closeSync(fd);
  }
}
