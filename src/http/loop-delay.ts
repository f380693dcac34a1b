const TICK_MS = 5;
/** Samples kept: the delay reported is the largest of the last 50 ms. */
const WINDOW = 10;

/**
 * How far behind the event loop runs, from a timer due every 5 ms: the time it fired late.
 * Under saturation every request waits in line before any of the service's code sees it, so
 * the budget counted from arrival is already partly spent; this is the one signal that sees
 * that line. The largest delay over the last 50 ms, so one quick tick does not hide a stall.
 * One timer for the process (unref'd: it never holds it open), started on first use.
 */
export class LoopDelay {
  private static shared: LoopDelay | null = null;
  private readonly samples = new Float64Array(WINDOW);
  private next = 0;

  private constructor() {
    let last = performance.now();
    setInterval(() => {
      const now = performance.now();
      this.samples[this.next] = Math.max(0, now - last - TICK_MS);
      this.next = (this.next + 1) % WINDOW;
      last = now;
    }, TICK_MS).unref();
  }

  static get(): LoopDelay {
    LoopDelay.shared ??= new LoopDelay();
    return LoopDelay.shared;
  }

  /** The largest delay over the last 50 ms, ms. */
  get ms(): number {
    return Math.max(...this.samples);
  }
}
