// The child side of CliHost (cliHost.ts): runs each crate-lab command line it is sent through the
// dispatcher the binary uses (trainer/cli/dispatch.ts), with buffers for stdout and stderr, and
// sends back the exit code and both texts.
import { runCrateLab as runCli } from '../../bin/crateLab.js';

process.on('message', (argv: string[]) => {
  let stdout = '';
  let stderr = '';
  const io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } };
  void runCli(argv, io).then((code) => process.send!({ code, stdout, stderr }));
});
process.send!('ready');
