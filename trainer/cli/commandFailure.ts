// What a command's error becomes (README, The CLI): a user's mistake (bad flags, files, shapes, a damaged
// run directory) is one line on stderr and exit code 2; anything else is an internal error, exit 1.
import { ConfigError } from '../config/index.js';
import { FileFormatError } from '../io/fileFormatError.js';
import { ShapeError } from '../model/architecture.js';
import { TrainingSetupError } from '../train/setupError.js';
import { UsageError } from './usageError.js';

/** Errors that are the user's to fix: bad flags, files, shapes. */
function isUserError(e: unknown): boolean {
  if (e instanceof UsageError || e instanceof FileFormatError || e instanceof ShapeError || e instanceof TrainingSetupError) return true;
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS');
}

/** The exit code and stderr text for `e` thrown by command `name`. */
export function commandFailure(name: string, e: unknown): { code: 1 | 2; text: string } {
  // One `file:line:col: path: message` line per mistake, as compilers print them.
  if (e instanceof ConfigError) return { code: 2, text: `${e.message}\n` };
  if (e instanceof Error && isUserError(e)) {
    // node:util's parseArgs explains over several lines; the contract is one.
    return { code: 2, text: `crate-lab ${name}: ${e.message.split('\n').map((l) => l.trim()).filter(Boolean).join(' ')}\n` };
  }
  return { code: 1, text: `crate-lab ${name}: internal error: ${(e as Error)?.message ?? String(e)} (CRATE_LAB_DEBUG=1 shows the stack)\n` };
}
