// The runs of a config, found in its runs directory.
//
// A run belongs to a config when its run.json `name` is the config's resolved name (its `name:`
// or, by default, the file name). Not by config hash: the hash changes with every edit and with
// the CLI's overrides (--max-steps, --runs-dir), while "the runs of this config" are what a
// researcher compares across such edits. The runs directory is the config's resolved `runsDir`.
//
// This reads the disk on each call; the run manager will keep an index of the runs directory and
// can answer through the same RunsOfConfig function type instead.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type RunInfo, runFiles } from '../trainer/run/format.js';

export interface RunOfConfig {
  dir: string;
  info: RunInfo;
}

/** The runs named `name` in `runsDir`, newest first. */
export type RunsOfConfig = (runsDir: string, name: string) => RunOfConfig[];

export const runsOnDisk: RunsOfConfig = (runsDir, name) => {
  let entries: string[];
  try {
    entries = readdirSync(runsDir, { withFileTypes: true })
      .filter((e) => e.isDirectory())
      .map((e) => e.name);
  } catch {
    return [];
  }
  const runs: RunOfConfig[] = [];
  for (const entry of entries) {
    const dir = join(runsDir, entry);
    try {
      const info = JSON.parse(readFileSync(join(dir, runFiles.info), 'utf8')) as RunInfo;
      if (info.name === name) runs.push({ dir, info });
    } catch {
      // Not a run directory, or run.json mid-replace or corrupt: not a run to offer here.
    }
  }
  return runs.sort((a, b) => String(b.info.createdAt).localeCompare(String(a.info.createdAt)) || b.dir.localeCompare(a.dir));
};
