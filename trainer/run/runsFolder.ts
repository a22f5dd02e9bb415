// The sub-folders of a runs directory that may hold runs: every folder but hidden ones (the
// server's .logs). Shared by the server's index and the sweep scheduler.
import { readdirSync } from 'node:fs';

/** Their names; empty when the runs directory cannot be read (missing, not a folder). */
export function runFolderNames(runsDir: string): string[] {
  try {
    return readdirSync(runsDir, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
      .map((e) => e.name);
  } catch {
    return [];
  }
}
