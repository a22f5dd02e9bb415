// Diagnostics on `model.initFrom` (the weights a new run starts from): the file must exist, be
// safetensors, and hold exactly the tensors this config's model needs, with their shapes. Only
// the safetensors header is read (its 8-byte length, then JSON), never the weights and never
// through tfjs; the rule itself is the model zoo's checkTensorsMatch, the one the trainer applies.
import { closeSync, readSync, statSync } from 'node:fs';
import { type Diagnostic, DiagnosticSeverity } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { modelShape } from '../../trainer/config/index.js';
import { NotARegularFile, openRegularFile } from '../../trainer/io/regularFile.js';
import type { NamedTensor } from '../../trainer/io/safetensors.js';
import { ShapeError } from '../../trainer/model/architecture.js';
import { checkTensorsMatch } from '../../trainer/model/checkpointShape.js';
import { diagnosticSource } from './diagnosticSource.js';
import { analyze, filePathOf } from './documents.js';
import { scalarAt } from './yamlPosition.js';

/** Headers larger than this are not believed (safetensors itself caps them at 100 MB). */
const maxHeaderBytes = 100 * 1024 * 1024;

type Header = { tensors: Map<string, NamedTensor> } | { fault: string };

/** The tensor names and shapes of a safetensors file, or why it is not one. */
function readHeader(path: string): Header {
  let fd: number;
  let size: number;
  try {
    ({ fd, size } = openRegularFile(path));
  } catch (e) {
    if (e instanceof NotARegularFile) return { fault: `cannot read it: it ${e.message}` };
    const code = (e as NodeJS.ErrnoException).code;
    return { fault: code === 'ENOENT' ? 'no such file' : `cannot read it (${code ?? (e as Error).message})` };
  }
  try {
    const prefix = Buffer.alloc(8);
    if (readSync(fd, prefix, 0, 8, 0) < 8) return { fault: 'not a safetensors file: shorter than its 8-byte header length' };
    const length = Number(prefix.readBigUInt64LE(0));
    if (length > size - 8 || length > maxHeaderBytes) return { fault: `not a safetensors file: header length ${length} exceeds the file size ${size}` };
    const json = Buffer.alloc(length);
    readSync(fd, json, 0, length, 8);
    let header: unknown;
    try {
      header = JSON.parse(json.toString('utf8'));
    } catch {
      return { fault: 'not a safetensors file: its header is not JSON' };
    }
    if (header === null || typeof header !== 'object' || Array.isArray(header)) return { fault: 'not a safetensors file: its header is not a JSON object' };
    const tensors = new Map<string, NamedTensor>();
    for (const [name, entry] of Object.entries(header)) {
      if (name === '__metadata__') continue;
      const shape = (entry as { shape?: unknown } | null)?.shape;
      if (!Array.isArray(shape) || !shape.every((n) => Number.isInteger(n) && n >= 0)) return { fault: `not a safetensors file: tensor ${name} has no valid shape` };
      // Only shapes are compared; the data is never read.
      tensors.set(name, { shape, data: new Float32Array(0) });
    }
    return { tensors };
  } finally {
    closeSync(fd);
  }
}

/** Headers by path, kept while the file is unchanged (each keystroke re-checks the config). */
const cache = new Map<string, { stamp: string; header: Header }>();

function headerOf(path: string): Header {
  let stamp: string;
  try {
    const s = statSync(path);
    stamp = `${s.ino}:${s.mtimeMs}:${s.size}`;
  } catch {
    cache.delete(path);
    return readHeader(path);
  }
  const hit = cache.get(path);
  if (hit?.stamp === stamp) return hit.header;
  const header = readHeader(path);
  cache.set(path, { stamp, header });
  return header;
}

export function initFromDiagnostics(doc: TextDocument): Diagnostic[] {
  const { result, yaml } = analyze(doc);
  const path = result.config?.model.initFrom;
  // Relative paths resolve against the config's folder: a document not on disk has none.
  if (!result.config || path === undefined || !filePathOf(doc.uri)) return [];
  const written = scalarAt(yaml, ['model', 'initFrom']);
  if (!written) return [];
  const range = { start: doc.positionAt(written.span[0]), end: doc.positionAt(written.span[1]) };
  const problem = (code: string, message: string): Diagnostic[] => [{ range, severity: DiagnosticSeverity.Error, code, source: diagnosticSource, message, data: { path: 'model.initFrom' } }];
  const header = headerOf(path);
  if ('fault' in header) return problem(header.fault === 'no such file' ? 'path' : 'file-format', `${path}: ${header.fault}`);
  try {
    checkTensorsMatch({ tensors: header.tensors, metadata: {} }, modelShape(result.config.model), String(written.value));
  } catch (e) {
    if (e instanceof ShapeError) return problem('checkpoint-shape', e.message);
    throw e;
  }
  return [];
}
