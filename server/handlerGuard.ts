// Every handler the server registers runs under one guard: a bug in one feature or request is
// logged (with its stack) and answered with "nothing" or an InternalError, never ends the server.
import { ResponseError } from 'vscode-languageserver';
import { ErrorCodes } from '../protocol/errorCodes.js';

export type ServerLog = (message: string) => void;

function logFailure(log: ServerLog, what: string, e: unknown): void {
  log(`crate-lab: ${what} failed: ${(e as Error)?.stack ?? String(e)}`);
}

/** `answer()`, or `fallback` (logged) when it throws. */
export function guarded<T>(log: ServerLog, what: string, fallback: T, answer: () => T): T {
  try {
    return answer();
  } catch (e) {
    logFailure(log, what, e);
    return fallback;
  }
}

/** A request handler whose ResponseErrors reach the client as they are, and anything else as a logged InternalError. */
export function guardedRequest<P, R>(log: ServerLog, what: string, handle: (params: P) => R | Promise<R>): (params: P) => Promise<R | ResponseError<void>> {
  return async (params) => {
    try {
      return await handle(params);
    } catch (e) {
      if (e instanceof ResponseError) return e as ResponseError<void>;
      logFailure(log, what, e);
      return new ResponseError(ErrorCodes.InternalError, `${what} failed: ${(e as Error)?.message ?? String(e)}`);
    }
  };
}
