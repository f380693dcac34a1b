/**
 * Lets one message per key through every `intervalMs`, counting what it held back: during an
 * outage every batch fails the same way, and the log must stay readable.
 */
export class LogThrottle {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(private readonly intervalMs = 5000) {}

  /** Returns the message to log (with the count held back since the last one), or null. */
  admit(key: string, message: string, now = Date.now()): string | null {
    const entry = this.last.get(key);
    if (entry && now - entry.at < this.intervalMs) {
      entry.suppressed += 1;
      return null;
    }
    this.last.set(key, { at: now, suppressed: 0 });
    return entry && entry.suppressed > 0 ? `${message} (${entry.suppressed} similar suppressed)` : message;
  }
}
