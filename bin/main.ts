// The crate-lab binary (dist/trainer/cli.js): its command line (crateLab.ts) on this process's streams.
import { processIo } from '../trainer/cli/cliIo.js';
import { runCrateLab } from './crateLab.js';

// Exit explicitly once stdout is flushed: backend worker threads (wasm) and GPU devices would
// otherwise keep the process alive.
void runCrateLab(process.argv.slice(2), processIo).then((code) => {
  process.stdout.write('', () => process.exit(code));
});
