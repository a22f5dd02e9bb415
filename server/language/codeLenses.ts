// Code lenses on the first line of a run config: "▶ Train" always; "Resume latest" when a run of
// it exists and is not being trained (a running or stopping run cannot be resumed: its trainer
// holds it); "Compare runs of this config" when two or more do; "▶ Sweep (N runs)" on the
// `sweep:` line when the config and every member are valid (within the member limit). The runs come from the run
// manager's index. The commands are the protocol module's; the client runs them.
import type { CodeLens } from 'vscode-languageserver';
import type { TextDocument } from 'vscode-languageserver-textdocument';
import { type CompareRunsArguments, type LaunchSweepArguments, type ResumeLatestArguments, type TrainArguments, commands } from '../../protocol/commands.js';
import { isLive } from '../../protocol/runPredicates.js';
import { analyze } from './documents.js';
import type { RunIndex } from '../runs/runIndex.js';
import { keySpan } from './yamlPosition.js';

export function codeLenses(doc: TextDocument, index: RunIndex): CodeLens[] {
  const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
  const train: TrainArguments = { configUri: doc.uri };
  const lenses: CodeLens[] = [{ range, command: { title: '▶ Train', command: commands.train, arguments: [train] } }];
  // Without a valid config there is no resolved runs directory or name to look for runs under.
  const { result, yaml } = analyze(doc);
  const config = result.config;
  if (!config) return lenses;
  const sweepKey = keySpan(yaml, ['sweep']);
  if (result.sweep?.members && sweepKey) {
    const line = doc.positionAt(sweepKey[0]).line;
    const launch: LaunchSweepArguments = { configUri: doc.uri, members: result.sweep.count };
    lenses.push({
      range: { start: { line, character: 0 }, end: { line, character: 0 } },
      command: { title: `▶ Sweep (${result.sweep.count} runs)`, command: commands.launchSweep, arguments: [launch] },
    });
  }
  const runs = index.runsOf(config.runsDir, config.name);
  const latest = runs[0];
  if (latest && !isLive(latest)) {
    const resume: ResumeLatestArguments = { configUri: doc.uri, runDir: latest.dir };
    lenses.push({ range, command: { title: `Resume latest (${latest.id}, step ${latest.step}, ${latest.status})`, command: commands.resumeLatest, arguments: [resume] } });
  }
  if (runs.length >= 2) {
    const compare: CompareRunsArguments = { configUri: doc.uri, runDirs: runs.map((r) => r.dir) };
    lenses.push({ range, command: { title: `Compare runs of this config (${runs.length})`, command: commands.compareRuns, arguments: [compare] } });
  }
  return lenses;
}
