// @ts-check
// Where CRATE Lab keeps what it makes once and reuses (decompressed datasets, Node 24, code-server):
// one rule for the trainer and the set-up scripts. Plain JavaScript, because the set-up scripts run
// on a bare Node before anything is compiled.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/**
 * `$CRATE_LAB_CACHE`, else `$XDG_CACHE_HOME/crate-lab`, else `~/.cache/crate-lab`.
 * @returns {string}
 */
export function cacheRoot() {
  if (process.env.CRATE_LAB_CACHE) return resolve(process.env.CRATE_LAB_CACHE);
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg && xdg.length > 0 ? xdg : join(homedir(), '.cache'), 'crate-lab');
}
