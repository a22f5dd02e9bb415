// The crate-lab binary: the command line (dispatch.ts) on this process's streams.
import { processIo } from './cliIo.js';
import { runCli } from './dispatch.js';

// Exit explicitly once stdout is flushed: backend worker threads (wasm) and GPU devices would
// otherwise keep the process alive.
void runCli(process.argv.slice(2), processIo).then((code) => {
  process.stdout.write('', () => process.exit(code));
});
