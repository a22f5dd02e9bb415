// The file system as config checking sees it: an injectable probe, so the CLI uses the disk, the
// language server may use its own view of the workspace, and tests use a fake.
import { readdirSync, statSync } from 'node:fs';

export interface FileProbe {
  /** What is at an absolute path. */
  kind(path: string): 'file' | 'directory' | 'missing';
  /** Names of the visible (not dot-) sub-folders of a folder, sorted by code unit. */
  subfolders(path: string): string[];
}

export const nodeFileProbe: FileProbe = {
  kind(path) {
    try {
      return statSync(path).isDirectory() ? 'directory' : 'file';
    } catch {
      return 'missing';
    }
  },
  subfolders(path) {
    try {
      return readdirSync(path, { withFileTypes: true })
        .filter((e) => e.isDirectory() && !e.name.startsWith('.'))
        .map((e) => e.name)
        .sort();
    } catch {
      return [];
    }
  },
};
