import { Injectable } from '@nestjs/common';
import { Metrics } from '../metrics/metrics';

/** A dependency the service needs before it can take traffic; adapters register themselves. */
export interface ReadinessCheck {
  readonly name: string;
  isReady(): Promise<boolean> | boolean;
}

@Injectable()
export class Readiness {
  private readonly checks: ReadinessCheck[] = [];

  constructor(metrics: Metrics) {
    metrics.readReadinessFrom(async () => (await this.report()).checks);
  }

  register(check: ReadinessCheck): void {
    this.checks.push(check);
  }

  async report(): Promise<{ ready: boolean; checks: Record<string, boolean> }> {
    const results = await Promise.all(
      this.checks.map(async (check) => {
        try {
          return [check.name, await check.isReady()] as const;
        } catch {
          return [check.name, false] as const;
        }
      }),
    );
    return { ready: results.every(([, ok]) => ok), checks: Object.fromEntries(results) };
  }
}
