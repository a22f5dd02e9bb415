// crate-lab doctor: which backends load here, and why the others do not.
import { parseArgs } from 'node:util';
import { diagnoseBackends } from '../backend/doctor.js';

export const doctorUsage = 'doctor [--json]';

export async function doctor(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' } }, strict: true });
  const report = await diagnoseBackends();
  if (values.json) {
    process.stdout.write(`${JSON.stringify({ backends: report })}\n`);
    return;
  }
  for (const b of report) process.stdout.write(`${b.ok ? '✓' : '✗'} ${b.name.padEnd(10)} ${b.detail}\n`);
}
