// crateLab/namesInUse: the names a new config in a folder would share runs with, so that "New Run
// Config" can make its name unique (a config's runs are those of its name in its runs directory,
// runIndex.ts): each config's in the folder, resolved as the trainer resolves it (`name:`, else
// the file name), and each run's in the runs directory. Read from disk on request: neither folder
// need be watched. Unreadable configs count by their file name, damaged runs not at all.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { nameFromFile } from '../../trainer/config/index.js';
import { readRegularFile } from '../../trainer/io/regularFile.js';
import { readRunInfo } from '../../trainer/run/runInfoFile.js';
import { runFolderNames } from '../../trainer/run/runsFolder.js';
import type { NamesInUseParams, NamesInUseResult } from '../../protocol/runData.js';
import { isRunConfig } from '../../protocol/runPredicates.js';

export function namesInUse(p: NamesInUseParams): NamesInUseResult {
  return { configs: configNames(p.folder), runs: p.runsDir ? runNames(p.runsDir) : [] };
}

function configNames(folder: string): string[] {
  let files: string[];
  try {
    files = readdirSync(folder, { withFileTypes: true })
      .filter((e) => !e.isDirectory() && isRunConfig(e.name))
      .map((e) => e.name);
  } catch {
    return [];
  }
  return files.map((file) => {
    try {
      // A regular file only (a FIFO would block the server), and of a config's size.
      const name = (parseYaml(readRegularFile(join(folder, file), { maxBytes: 1 << 20 }).toString('utf8')) as { name?: unknown } | null)?.name;
      if (typeof name === 'string' && name.length > 0) return name;
    } catch {
      // not YAML (yet): the file name is what it would be called
    }
    return nameFromFile(file);
  });
}

function runNames(runsDir: string): string[] {
  return runFolderNames(runsDir).flatMap((dir) => {
    try {
      return [readRunInfo(join(runsDir, dir)).name];
    } catch {
      return [];
    }
  });
}
