// A checkpoint's state.json: the loop state besides tensors. A resume trusts these numbers to cut
// the run's append-only files back and to restart the loop, so each is checked against its type
// here (a step of "abc" or 1e9, a negative size), and a damaged file is one reason naming the field.
import { z } from 'zod';
import { scalarsLayout } from './format.js';
import type { AppendOnlySizes } from './runWriter.js';

/** The loop state a checkpoint stores besides tensors, with the append-only files' sizes at its step. */
export interface LoopState extends AppendOnlySizes {
  step: number;
  epoch: number;
  configHash: string;
  adamStep: number;
  /** Every stream (data order, augmentation, SRR layers) is derived from (seed, stream, step). */
  seed: number;
}

const count = z.number().int().nonnegative();

const loopStateSchema = z.looseObject({
  step: count,
  epoch: count,
  configHash: z.string(),
  adamStep: count,
  seed: count,
  eventsBytes: count,
  attentionBytes: count.refine((n) => n % 4 === 0, 'not a whole number of float32 values'),
  // 0 when the run kept no scalars.bin; else its header and whole records.
  scalarsBytes: count
    .refine((n) => n === 0 || (n >= scalarsLayout.headerBytes && (n - scalarsLayout.headerBytes) % scalarsLayout.recordBytes === 0), 'not the size of a scalars.bin (its header and whole records)')
    .optional(),
}) satisfies z.ZodType<LoopState>;

/** The state in `text`, or an Error whose message names the field and what is wrong (the caller names the file). */
export function parseLoopState(text: string): LoopState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new Error(`not JSON (${(e as Error).message})`);
  }
  const checked = loopStateSchema.safeParse(value);
  if (!checked.success) {
    const issue = checked.error.issues[0];
    throw new Error(`${issue.path.length > 0 ? `${issue.path.join('.')}: ` : ''}${issue.message}`);
  }
  return checked.data as LoopState;
}
