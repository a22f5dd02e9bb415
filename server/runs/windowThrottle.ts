// At most one run of an action per window, for the server's two throttles (watchedRuns.ts): reading
// changed folders and sending runsChanged. A training run changes its files many times a second;
// each throttle turns that into one read, or one notification, per window.

/**
 * The first request after a quiet window runs the action at once (or, when `deferred`, on a timer
 * of 0 ms, so that the other watch events of one write join it); later requests in the window are
 * gathered into one run when it ends. A run whose action answers `false` (nothing went out) does
 * not open a window.
 */
export class WindowThrottle {
  private opened = -Infinity;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly windowMs: number,
    private readonly action: () => boolean | void,
    private readonly deferred = false,
  ) {}

  request(): void {
    if (this.timer) return;
    const wait = this.opened + this.windowMs - Date.now();
    if (wait <= 0 && !this.deferred) return this.run();
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.run();
    }, Math.max(0, wait));
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private run(): void {
    const started = Date.now();
    if (this.action() !== false) this.opened = started;
  }
}
