// The 'tensorflow' backend: libtensorflow through @tensorflow/tfjs-node-gpu or -node.
//
// Those packages are optional and external to the bundle (their install step downloads
// libtensorflow), and they bring their own copy of tfjs-core. That copy still registers into the
// engine the trainer uses: tfjs-core keeps its engine, kernel registry and gradient registry on
// the global object (`global._tfengine`, `global._tfGlobals`), so every copy of the same version
// in one process shares them. The backend object, its kernels and the tensors it returns are
// therefore ours, provided both copies are the same tfjs-core version, which is checked before
// loading.
import { readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { tf } from '../tf.js';

interface Candidate {
  pkg: string;
  /** Literal requires, so that esbuild leaves each as a plain external require. */
  load(): unknown;
  packageJson(): string;
}

// Plain `require`: the trainer runs as CommonJS both under tsx and as the esbuild bundle, and a
// require resolves from this file's location (not the user's working directory).
const candidates: readonly Candidate[] = [
  {
    pkg: '@tensorflow/tfjs-node-gpu',
    load: () => require('@tensorflow/tfjs-node-gpu'),
    packageJson: () => require.resolve('@tensorflow/tfjs-node-gpu/package.json'),
  },
  {
    pkg: '@tensorflow/tfjs-node',
    load: () => require('@tensorflow/tfjs-node'),
    packageJson: () => require.resolve('@tensorflow/tfjs-node/package.json'),
  },
];

interface Installed {
  candidate: Candidate;
  version: string;
  /** Version of the tfjs-core that package loads, or null when it cannot be found. */
  coreVersion: string | null;
}

function firstLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.split('\n').find((l) => l.trim() !== '')?.trim() ?? 'unknown error';
}

function readVersion(packageJson: string): string {
  return (JSON.parse(readFileSync(packageJson, 'utf8')) as { version: string }).version;
}

function findInstalled(): Installed | null {
  for (const candidate of candidates) {
    let packageJson: string;
    try {
      packageJson = candidate.packageJson();
    } catch {
      continue;
    }
    let coreVersion: string | null = null;
    try {
      coreVersion = readVersion(require.resolve('@tensorflow/tfjs-core/package.json', { paths: [dirname(packageJson)] }));
    } catch {
      // Reported as a load failure below if it matters.
    }
    return { candidate, version: readVersion(packageJson), coreVersion };
  }
  return null;
}

const notInstalled =
  'not installed (neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node: their install downloads ' +
  'libtensorflow, which failed or was skipped here); on a networked machine: npm i @tensorflow/tfjs-node-gpu';

/** Why the installed package cannot serve the trainer's engine, or null when it can. */
function incompatibility(found: Installed): string | null {
  if (found.coreVersion !== null && found.coreVersion !== tf.version_core) {
    return (
      `${found.candidate.pkg} ${found.version} uses tfjs-core ${found.coreVersion}, the trainer ${tf.version_core}; ` +
      `install ${found.candidate.pkg}@${tf.version_core}`
    );
  }
  return null;
}

/** Cheap check for `doctor` and `auto`: is a usable package installed? Nothing is loaded. */
export function probeTensorflow(): { ok: boolean; detail: string } {
  const found = findInstalled();
  if (found === null) return { ok: false, detail: notInstalled };
  const problem = incompatibility(found);
  if (problem !== null) return { ok: false, detail: problem };
  return { ok: true, detail: `${found.candidate.pkg} ${found.version} installed` };
}

function loadFailure(found: Installed, e: unknown): string {
  const reason = firstLine(e);
  const pkg = found.candidate.pkg;
  if (/tfjs_binding|libtensorflow/.test(reason)) {
    return (
      `${pkg} ${found.version} is installed without its native part (libtensorflow): its install script was ` +
      `blocked or could not download; on a networked machine allow it and run npm rebuild ${pkg} (${reason})`
    );
  }
  return `${pkg} ${found.version} does not load: ${reason}`;
}

/**
 * Loads the package. Its own copy of @tensorflow/tfjs re-registers the cpu kernels into the
 * shared registry, printing one warning per kernel; identical versions make that harmless, so
 * those warnings are muted for the duration of the (synchronous) require.
 */
function load(found: Installed): void {
  const warn = console.warn;
  console.warn = () => {};
  try {
    found.candidate.load();
  } catch (e) {
    throw new Error(loadFailure(found, e));
  } finally {
    console.warn = warn;
  }
}

let loaded: Promise<string> | undefined;

async function loadOnce(): Promise<string> {
  const found = findInstalled();
  if (found === null) throw new Error(notInstalled);
  const problem = incompatibility(found);
  if (problem !== null) throw new Error(problem);
  load(found);
  if (tf.findBackendFactory('tensorflow') === null) {
    throw new Error(`${found.candidate.pkg} loaded, but its backend is not in the trainer's tfjs engine`);
  }
  return `tensorflow (${found.candidate.pkg} ${found.version})`;
}

/** Loads tfjs-node(-gpu) once and makes 'tensorflow' the active backend. */
export async function initTensorflowBackend(): Promise<{ detail: string }> {
  loaded ??= loadOnce();
  const detail = await loaded;
  if (!(await tf.setBackend('tensorflow'))) throw new Error(`${detail}: tfjs could not initialise it`);
  return { detail };
}
