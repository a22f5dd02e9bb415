// annotations.json (docs/run-directory.md): a run's tags and note. Read by the server (the Runs
// view, Compare) and written by it on request and by `crate-lab train --tag/--note`; never by
// the trainer's run.json writes, so an edit while a run trains cannot race them. A damaged file is
// one error naming the file and the field; the run itself stays listed.
import { join } from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../io/atomicWrite.js';
import { NotARegularFile, readRegularFile } from '../io/regularFile.js';
import { annotationLimits, type RunAnnotations, runFiles, tagProblem } from './format.js';

const tagSchema = z.string().superRefine((tag, ctx) => {
  const problem = tagProblem(tag);
  if (problem) ctx.addIssue({ code: 'custom', message: `the tag "${tag}" ${problem}` });
});

const annotationsSchema = z.strictObject({
  version: z.literal(1),
  tags: z
    .array(tagSchema)
    .max(annotationLimits.tags)
    .refine((tags) => new Set(tags).size === tags.length, 'a tag is given twice'),
  note: z.string().max(annotationLimits.noteLength),
}) satisfies z.ZodType<RunAnnotations>;

/** annotations.json that cannot be read or does not hold annotations; the message names the file and the field. */
export class RunAnnotationsError extends Error {
  override name = 'RunAnnotationsError';
}

/** Bad tags or a bad note given to be written (the message says which and why). */
export class BadAnnotations extends Error {
  override name = 'BadAnnotations';
}

const maxBytes = 1 << 20;

export function annotationsFile(runDir: string): string {
  return join(runDir, runFiles.annotations);
}

/** The run's annotations; undefined when it has none (no file). Throws RunAnnotationsError. */
export function readRunAnnotations(runDir: string): RunAnnotations | undefined {
  const file = annotationsFile(runDir);
  let text: string;
  try {
    text = readRegularFile(file, { noFollow: true, maxBytes }).toString('utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    if (e instanceof NotARegularFile) throw new RunAnnotationsError(`${file} ${e.message}`);
    throw new RunAnnotationsError(`${file} is unreadable: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new RunAnnotationsError(`${file} is not JSON: ${(e as Error).message}`);
  }
  const checked = annotationsSchema.safeParse(value);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    const where = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    throw new RunAnnotationsError(`${file} is damaged: ${where}${issue.message}`);
  }
  return checked.data;
}

/** Tags as typed (`a, b c`): split on commas and spaces, repeats dropped; BadAnnotations names a bad one. */
export function checkedTags(tags: readonly string[]): string[] {
  // Requests come as JSON: check the shape before anything else.
  if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string')) throw new BadAnnotations('tags must be a list of strings');
  const out: string[] = [];
  for (const tag of tags.flatMap((t) => t.split(/[\s,]+/)).filter((t) => t.length > 0)) {
    const problem = tagProblem(tag);
    if (problem) throw new BadAnnotations(`the tag "${tag}" ${problem}`);
    if (!out.includes(tag)) out.push(tag);
  }
  if (out.length > annotationLimits.tags) throw new BadAnnotations(`${out.length} tags: a run takes at most ${annotationLimits.tags}`);
  return out;
}

export function checkedNote(note: string): string {
  if (typeof note !== 'string') throw new BadAnnotations('the note must be a string');
  const trimmed = note.trim();
  if (trimmed.length > annotationLimits.noteLength) throw new BadAnnotations(`the note has ${trimmed.length} characters: at most ${annotationLimits.noteLength}`);
  return trimmed;
}

/**
 * Sets the run's tags and/or note (what is not given stays as it is) and returns the record
 * written. A damaged file is refused (RunAnnotationsError) rather than overwritten, so that a
 * note in it is not lost; bad input is a BadAnnotations.
 */
export function updateRunAnnotations(runDir: string, change: { tags?: readonly string[]; note?: string }): RunAnnotations {
  const tags = change.tags === undefined ? undefined : checkedTags(change.tags);
  const note = change.note === undefined ? undefined : checkedNote(change.note);
  const old = readRunAnnotations(runDir) ?? { version: 1, tags: [], note: '' };
  const record: RunAnnotations = { version: 1, tags: tags ?? old.tags, note: note ?? old.note };
  writeFileAtomic(annotationsFile(runDir), `${JSON.stringify(record, null, 2)}\n`);
  return record;
}
