// Entry of dist/server/server.js: `node dist/server/server.js --stdio`. The CLI's
// `crate-lab lsp --stdio` runs the same server (bin/crateLab.ts imports languageServer.ts).
import { runLanguageServer } from './languageServer.js';

void runLanguageServer();
