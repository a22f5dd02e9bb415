// The training loop is synchronous tensor work whose awaits mostly resolve as microtasks, so
// timers and signal handlers run only when something happens to yield: without this, run.json's
// heartbeat froze through a long evaluation (a watcher would declare the run dead) and SIGTERM
// from `stop` waited for it.
/** Lets due timers (the heartbeat) and signal handlers (SIGTERM) run; costs microseconds. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
