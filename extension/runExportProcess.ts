// "Export Run" → "Everything": the extension reads no run files itself (docs/architecture.md), so
// the full export is the trainer CLI's `crate-lab export` (docs/export.md), run from the bundle
// beside this one (dist/trainer/cli.js) as a plain Node process: no shell, an argument array.
import { spawn } from 'node:child_process';
import type { RunExportSummary } from '../protocol/runData.js';

export interface ExportProcess {
  /** The Node.js executable: the crateLab.trainerNodePath setting, else this extension host's own (Electron, run as Node). */
  node: string;
  /** dist/trainer/cli.js of this extension. */
  cli: string;
}

/** The export failed; the message is the CLI's one line (or why it could not run). */
export class RunExportFailed extends Error {}

export function runExportProcess(p: ExportProcess, runDir: string, outDir: string, options: { tensorboard: boolean; force: boolean }): Promise<{ summary: RunExportSummary; warnings: string[] }> {
  const args = [p.cli, 'export', runDir, outDir, '--json', ...(options.tensorboard ? ['--tensorboard'] : []), ...(options.force ? ['--force'] : [])];
  return new Promise((resolve, reject) => {
    const child = spawn(p.node, args, { shell: false, windowsHide: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', (e) => reject(new RunExportFailed(`${p.node} could not be started to run the export: ${e.message}`)));
    child.on('close', (code) => {
      const lines = stderr.split('\n').filter((l) => l.trim() !== '');
      const warnings = lines.filter((l) => l.startsWith('crate-lab export: warning: '));
      if (code !== 0) {
        reject(new RunExportFailed(lines.filter((l) => !warnings.includes(l)).pop() ?? `crate-lab export exited with code ${code}`));
        return;
      }
      try {
        resolve({ summary: JSON.parse(stdout) as RunExportSummary, warnings });
      } catch {
        reject(new RunExportFailed(`crate-lab export printed no summary: ${stdout.slice(0, 200)}`));
      }
    });
  });
}
