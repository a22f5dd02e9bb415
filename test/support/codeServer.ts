// The real VS Code (code-server) for tests: the environment gate (skipped only by the user's
// opt-out, else failing with the reason), and re-exports of scripts/vscodeEnv.mjs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VscodeEnvError, vscodeEnv, vscodeEnvProblem, type VscodeEnv } from '../../scripts/vscodeEnv.mjs';
import { optedOut } from './optOut.js';

export {
  CODE_SERVER_VERSION,
  DEFAULT_USER_SETTINGS,
  VscodeEnvError,
  freePort,
  installExtension,
  listExtensions,
  makeCodeServerDirs,
  startCodeServer,
  vscodeEnv,
  vscodeEnvProblem,
  workbenchUrl,
} from '../../scripts/vscodeEnv.mjs';
export type { CodeServer, CodeServerDirs, StartCodeServerOptions, VscodeEnv, WorkbenchUrlOptions } from '../../scripts/vscodeEnv.mjs';

export interface VscodeGate {
  /** For `describe(name, { skip: gate.skip }, …)`: the reason when the user opted out, else false. */
  skip: string | false;
  /** Why the environment is unusable, if it is (and the user did not opt out). */
  problem?: string;
  /** The environment; throws the problem when it is unusable. Call it in `before`. */
  check(): VscodeEnv;
}

/**
 * Whether the real-VS-Code tests run here: skipped only when the user opted out
 * (CRATE_LAB_SKIP_VSCODE); otherwise a missing environment makes `check()` throw the reason, so
 * every test of the suite fails with it.
 */
export function vscodeGate(): VscodeGate {
  const skip = optedOut('vscode');
  const problem = skip ? undefined : vscodeEnvProblem();
  return {
    problem,
    skip,
    check() {
      if (problem) {
        throw new VscodeEnvError(`the real VS Code (code-server) is not set up: ${problem}. \`npm test\` sets it up; CRATE_LAB_SKIP_VSCODE=1 skips these suites`);
      }
      return vscodeEnv();
    },
  };
}

/**
 * Temp dirs a suite makes, removed by `cleanup()` even when a test failed (call it in `after`).
 */
export function tempDirs(prefix = 'crate-lab-e2e-'): { make(name?: string): string; cleanup(): void } {
  const made: string[] = [];
  return {
    make(name = '') {
      const d = mkdtempSync(join(tmpdir(), `${prefix}${name}`));
      made.push(d);
      return d;
    },
    cleanup() {
      for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
    },
  };
}
