// The real VS Code (code-server) for tests: the environment gate (skip with a reason outside CI,
// fail with the reason under CI=true), and re-exports of scripts/vscodeEnv.mjs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VscodeEnvError, vscodeEnv, vscodeEnvProblem, type VscodeEnv } from '../../scripts/vscodeEnv.mjs';

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

export const inCI = (): boolean => /^(1|true|yes)$/i.test(process.env.CI ?? '');

export interface VscodeGate {
  /** For `describe(name, { skip: gate.skip }, …)`: a reason outside CI when there is no VS Code, else false. */
  skip: string | false;
  /** Why the environment is unusable, if it is. */
  problem?: string;
  /** The environment; throws (with the problem, and that CI must not skip) when unusable. Call it in `before`. */
  check(): VscodeEnv;
}

/**
 * Whether the real-VS-Code tests can run here. Outside CI a missing environment skips them with
 * the reason; under CI=true nothing is skipped and `check()` throws the reason, so every test of
 * the suite fails with it.
 */
export function vscodeGate(): VscodeGate {
  const problem = process.env.CRATE_LAB_SKIP_VSCODE && !inCI()
    ? 'CRATE_LAB_SKIP_VSCODE is set'
    : vscodeEnvProblem();
  return {
    problem,
    skip: problem && !inCI() ? `no real VS Code here: ${problem}` : false,
    check() {
      if (problem) {
        throw new VscodeEnvError(`the real VS Code (code-server) is not set up, and under CI=true these tests must run: ${problem}`);
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
