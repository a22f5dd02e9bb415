// crate-lab doctor: which backends load here, and why the others do not.
import { parseArgs } from 'node:util';
import type { CliIo } from './cliIo.js';
import { diagnoseBackends, diagnoseDevices } from '../backend/doctor.js';

export const doctorUsage = 'doctor [--json]';

export async function doctor(argv: string[], io: CliIo): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean' } }, strict: true });
  const report = await diagnoseBackends();
  const devices = await diagnoseDevices();
  if (values.json) {
    io.stdout.write(`${JSON.stringify({ backends: report, devices })}\n`);
    return;
  }
  for (const b of report) io.stdout.write(`${b.ok ? '✓' : '✗'} ${b.name.padEnd(10)} ${b.detail}\n`);
  io.stdout.write(`WebGPU adapters (--device N):${devices.adapters.length === 0 ? ' none' : ''}\n`);
  for (const a of devices.adapters) io.stdout.write(`  ${a.index}: ${a.label}\n`);
  if (devices.tried.length > 0) io.stdout.write(`  (${devices.tried.join('; ')})\n`);
  for (const line of devices.nvidia.lines) io.stdout.write(`${line.startsWith('missing') ? '✗' : ' '} ${line}\n`);
}
