// The Compare panel's study (3 or more runs): the SRR study's table from crateLab/study, sent as
// `study`, asked again when one of the runs ends or evaluates (the table takes only completed
// runs, so scalars alone change nothing). The texts of its last answer are what "Export CSV" and
// "Export LaTeX" save: the panel names the table and format, never the content.
import * as path from 'node:path';
import type { ServerConnection } from '../serverConnection.js';
import { StudyRequest } from '../../protocol/customMessages.js';
import type { HostToPanelMessage, StudyTableId } from '../../protocol/panelMessages.js';
import type { EventsAppendedParams } from '../../protocol/runData.js';
import type { StudyResult } from '../../protocol/studyData.js';

/** A study needs three runs at least: with two, τ is ±1 or undefined and the scatter says as much. */
export const studyMinRuns = 3;
const studyRefreshMs = 2_000;

export interface StudyExport {
  text: string;
  /** A file name to suggest. */
  name: string;
  format: 'csv' | 'latex';
}

export function studyFeed(runDirs: string[], server: ServerConnection, post: (m: HostToPanelMessage) => void) {
  let last: StudyResult | undefined;
  let timer: NodeJS.Timeout | undefined;
  const enabled = runDirs.length >= studyMinRuns;
  const send = async () => {
    last = await server.sendRequest(StudyRequest.type, { runDirs });
    post({ type: 'study', result: last });
  };
  return {
    start: async () => (enabled ? send() : undefined),
    eventsAppended({ runDir, events, reset }: EventsAppendedParams): void {
      if (!enabled || timer || !runDirs.includes(runDir)) return;
      if (!reset && !events.some((e) => e.type === 'status' || e.type === 'eval')) return;
      timer = setTimeout(() => {
        timer = undefined;
        void send().catch((e) => post({ type: 'error', message: e instanceof Error ? e.message : String(e) }));
      }, studyRefreshMs);
    },
    exportText(table: StudyTableId, format: 'csv' | 'latex'): StudyExport | undefined {
      const e = last?.exports;
      if (!e) return undefined;
      const text = table === 'measures' ? (format === 'csv' ? e.csv : e.latex) : format === 'csv' ? e.regularizerCsv : e.regularizerLatex;
      if (text === null) return undefined;
      const base = path.basename(path.dirname(runDirs[0])) || 'runs';
      return { text, format, name: `${base}-${table === 'measures' ? 'study' : 'regularizer'}.${format === 'csv' ? 'csv' : 'tex'}` };
    },
    dispose: () => clearTimeout(timer),
  };
}
