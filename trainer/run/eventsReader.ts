// Incremental reader of events.jsonl by byte offset: only complete lines are returned, so a
// torn last line (a trainer killed mid-write) is never seen as data, and no line is read twice.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { RunEvent } from './format.js';

export interface EventsChunk {
  events: RunEvent[];
  /** Where the next read starts: just after the last complete line. */
  offset: number;
  /** Complete lines that were not JSON (reported, not fatal). */
  badLines: number;
}

/**
 * The complete lines from byte `offset` on. With `maxBytes`, at most that many bytes are read
 * (the lines complete within them; more only when a single line is longer), so a large backlog
 * can be read in bounded pieces: call again from the returned offset.
 */
export function readEventsFrom(file: string, offset = 0, maxBytes = Infinity): EventsChunk {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { events: [], offset, badLines: 0 };
    throw e;
  }
  try {
    const size = fstatSync(fd).size;
    if (size <= offset) return { events: [], offset, badLines: 0 };
    let buf = Buffer.alloc(Math.min(size - offset, Math.max(1, maxBytes)));
    let n = readSync(fd, buf, 0, buf.length, offset);
    let end = buf.lastIndexOf(0x0a, n - 1);
    if (end < 0 && buf.length < size - offset) {
      // One line longer than maxBytes: read the rest after all.
      buf = Buffer.alloc(size - offset);
      n = readSync(fd, buf, 0, buf.length, offset);
      end = buf.lastIndexOf(0x0a, n - 1);
    }
    if (end < 0) return { events: [], offset, badLines: 0 };
    const events: RunEvent[] = [];
    let badLines = 0;
    for (const line of buf.subarray(0, end).toString('utf8').split('\n')) {
      if (line.trim() === '') continue;
      try {
        events.push(JSON.parse(line) as RunEvent);
      } catch {
        badLines++;
      }
    }
    return { events, offset: offset + end + 1, badLines };
  } finally {
    closeSync(fd);
  }
}
