// "Export CSV" / "Export LaTeX" of the Compare panel's study tables: the text crate-lab study
// prints (the server made it with the same formatters), written where the user says.
import * as vscode from 'vscode';
import type { StudyExport } from './panels/studyFeed.js';

export async function saveStudyExport({ text, name, format }: StudyExport): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const target = await vscode.window.showSaveDialog({
    defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
    filters: format === 'csv' ? { CSV: ['csv'] } : { LaTeX: ['tex'] },
    title: format === 'csv' ? 'Export the study table as CSV' : 'Export the study table as LaTeX',
  });
  if (target) await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
}
