// Coalesces redraw requests: however many messages arrive, the panel draws at most once per
// animation frame. Live data (as opposed to a user's interaction) redraws at most every
// `liveIntervalMs`, and less often when a redraw is expensive: the wait is `costFactor` times
// the last redraw's duration, so live redraws of a large chart take about 1/costFactor of the
// main thread (their JavaScript; rasterising costs about as much again), but never longer than
// `maxLiveIntervalMs`, so a live chart never lags by more than that. A redraw costs the same
// whether one point or a hundred arrived, so waiting is free.

export class FrameScheduler {
  private frame = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastDrawEnd = -Infinity;
  private lastDrawMs = 0;

  constructor(
    private readonly draw: () => void,
    private readonly liveIntervalMs: number,
    private readonly costFactor = 100,
    private readonly maxLiveIntervalMs = 1000,
  ) {}

  /** A user interaction: draw on the next frame. */
  now(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.run());
  }

  /** New data: draw once the live interval since the last draw has passed. */
  live(): void {
    if (this.frame !== 0 || this.timer !== undefined) return;
    const interval = Math.min(this.maxLiveIntervalMs, Math.max(this.liveIntervalMs, this.costFactor * this.lastDrawMs));
    const wait = this.lastDrawEnd + interval - performance.now();
    if (wait <= 0) this.frame = requestAnimationFrame(() => this.run());
    else
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.now();
      }, wait);
  }

  private run(): void {
    this.frame = 0;
    const start = performance.now();
    this.draw();
    // uPlot draws in a microtask queued by draw(); this one runs after it, so the time counts it.
    queueMicrotask(() => {
      this.lastDrawEnd = performance.now();
      this.lastDrawMs = this.lastDrawEnd - start;
    });
  }
}
