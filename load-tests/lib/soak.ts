/** One window of the soak: what was offered, what came back, and the service's footprint at its end. */
export interface SoakWindow {
  /** Minutes from the soak's start to the window's end. */
  readonly minute: number;
  readonly kafkaSent: number;
  readonly kafkaDecided: number;
  readonly kafkaP99Ms: number;
  /** Transactions sent and not yet decided when the window's sending ended. */
  readonly lagAtEnd: number;
  readonly httpAnswered: number;
  readonly httpNon2xx: number;
  readonly httpP99Ms: number;
  readonly rssMb: number;
  /** Redis used_memory less its value when the soak started. */
  readonly redisMb: number;
}

export interface SoakResult {
  readonly kafkaRate: number;
  readonly httpRate: number;
  readonly windowSeconds: number;
  readonly windows: readonly SoakWindow[];
  /** Least-squares slope of each series over the windows, per hour. */
  readonly slopesPerHour: {
    readonly rssMb: number;
    readonly redisMb: number;
    readonly kafkaP99Ms: number;
    readonly httpP99Ms: number;
    readonly lagAtEnd: number;
  };
}

/** The least-squares slope of y over x (NaN with fewer than two points). */
export function slope(points: readonly (readonly [number, number])[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((s, [x]) => s + x, 0) / n;
  const my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  if (sxx === 0) return Number.NaN;
  return points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0) / sxx;
}

/** Each series' slope per hour, from windows timed in minutes. */
export function soakSlopes(windows: readonly SoakWindow[]): SoakResult['slopesPerHour'] {
  const perHour = (pick: (w: SoakWindow) => number) => Math.round(slope(windows.map((w) => [w.minute, pick(w)] as const)) * 60 * 100) / 100;
  return {
    rssMb: perHour((w) => w.rssMb),
    redisMb: perHour((w) => w.redisMb),
    kafkaP99Ms: perHour((w) => w.kafkaP99Ms),
    httpP99Ms: perHour((w) => w.httpP99Ms),
    lagAtEnd: perHour((w) => w.lagAtEnd),
  };
}
