// TensorBoard event files: TFRecords (tfrecord.ts) of Event protocol buffers, with the field
// numbers of tensorflow/core/util/event.proto and tensorflow/core/framework/summary.proto:
//   Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
//   Summary { repeated Value value = 1; }
//   Value   { string tag = 1; float simple_value = 2; }
// The first record of a file is an Event with only wall_time and file_version "brain.Event:2",
// as TensorFlow's and TensorBoard's own writers start theirs.
import { hostname } from 'node:os';
import { ProtobufWriter } from './protobufWriter.js';
import { tfRecord } from './tfrecord.js';

export const eventFileVersion = 'brain.Event:2';

export interface ScalarSummary {
  /** Seconds since the Unix epoch. */
  wallTime: number;
  step: number;
  /** Tag → value; stored as float32 (simple_value). */
  values: [tag: string, value: number][];
}

/** The name TensorBoard looks for: events.out.tfevents.<seconds>.<host>. */
export function eventFileName(wallTimeSeconds: number, host = hostname()): string {
  return `events.out.tfevents.${Math.floor(wallTimeSeconds)}.${host.replace(/[^A-Za-z0-9._-]/g, '_')}`;
}

function fileVersionEvent(wallTime: number): Buffer {
  return new ProtobufWriter().double(1, wallTime).string(3, eventFileVersion).finish();
}

function summaryEvent(s: ScalarSummary): Buffer {
  const summary = new ProtobufWriter();
  for (const [tag, value] of s.values) summary.message(1, new ProtobufWriter().string(1, tag).float(2, value));
  return new ProtobufWriter().double(1, s.wallTime).int64(2, s.step).message(5, summary).finish();
}

/** A whole event file: the file_version event at `startWallTime`, then one event per summary. */
export function tensorboardEventFile(startWallTime: number, summaries: ScalarSummary[]): Buffer {
  return Buffer.concat([tfRecord(fileVersionEvent(startWallTime)), ...summaries.filter((s) => s.values.length > 0).map((s) => tfRecord(summaryEvent(s)))]);
}
