// The completed runs crateLab/study has read, kept while their files stay as they were: a Compare
// panel asks again each time one of its runs evaluates or ends, and reading every member's whole
// events.jsonl again would hold the server's thread for seconds on a large sweep (48 runs of 20k
// steps: 2–6 s on 2 busy cores). A completed run's files do not change unless it is resumed or
// rewritten, which changes their size or modification time: then it is read again.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { runFiles } from '../../trainer/run/format.js';
import { type LeftOut, readStudyRun, type StudyRun } from '../../trainer/study/studyRuns.js';

/** What identifies the state of a run's files: size and modification time of each file the study reads. */
function filesKey(dir: string): string | undefined {
  try {
    return [runFiles.info, runFiles.config, runFiles.events]
      .map((f) => {
        const s = statSync(join(dir, f));
        return `${s.size}:${s.mtimeMs}`;
      })
      .join('|');
  } catch {
    return undefined;
  }
}

export class StudyRunCache {
  private readonly runs = new Map<string, { key: string; run: StudyRun }>();

  /** readStudyRun, from memory for a completed run whose files are unchanged. Runs left out are read each time (their reason may change). */
  read = (dir: string): StudyRun | LeftOut => {
    const key = filesKey(dir);
    const kept = this.runs.get(dir);
    if (key !== undefined && kept?.key === key) return kept.run;
    const r = readStudyRun(dir);
    if (key !== undefined && !('reason' in r)) this.runs.set(dir, { key, run: r });
    else this.runs.delete(dir);
    return r;
  };
}
