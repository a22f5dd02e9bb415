// The commands of the `crate-lab` executable: the trainer's (trainer/cli/dispatch.ts) and `lsp`,
// the language server for any editor. This is the one part that may import both the trainer and
// the server (docs/architecture.md).
import type { CliIo } from '../trainer/cli/cliIo.js';
import { type Command, runCli, trainerCommands } from '../trainer/cli/dispatch.js';
import { UsageError } from '../trainer/cli/usageError.js';

const lspUsage = 'lsp --stdio';
/** The language server over stdio, as `node dist/server/server.js --stdio` runs it. */
async function lsp(argv: string[]): Promise<number> {
  if (argv.length !== 1 || argv[0] !== '--stdio') throw new UsageError(`lsp talks LSP over stdin and stdout: crate-lab ${lspUsage}${argv.length > 0 ? ` (got ${argv.join(' ')})` : ''}`);
  // Imported only now: the other commands load tfjs, which the language server never does.
  const { runLanguageServer } = await import('../server/languageServer.js');
  await runLanguageServer();
  return 0;
}

export const crateLabCommands: Record<string, Command> = {
  ...trainerCommands,
  lsp: { load: async () => ({ run: lsp, usage: lspUsage }), summary: 'the language server for *.crate.yaml (LSP over stdio), for any editor' },
};

/** One command line of `crate-lab`; never throws, never exits the process. */
export function runCrateLab(argv: string[], io: CliIo): Promise<number> {
  return runCli(argv, io, crateLabCommands);
}
