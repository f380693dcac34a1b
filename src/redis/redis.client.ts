import { Inject, Injectable, Logger, type OnApplicationShutdown } from '@nestjs/common';
import { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { Readiness } from '../health/readiness';

/**
 * The one Redis connection of the process. Commands fail at once while disconnected
 * (no offline queue): a decision must not wait for a reconnect, it degrades instead.
 */
@Injectable()
export class RedisClient implements OnApplicationShutdown {
  private readonly logger = new Logger(RedisClient.name);
  readonly redis: Redis;

  constructor(@Inject(APP_CONFIG) config: AppConfig, readiness: Readiness) {
    this.redis = new Redis(config.redis.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 2000,
      retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 2000),
      lazyConnect: false,
    });
    let lastError = '';
    this.redis.on('error', (err: Error) => {
      // One line per distinct error: a Redis outage must not flood the logs.
      if (err.message !== lastError) this.logger.warn(`redis: ${err.message}`);
      lastError = err.message;
    });
    this.redis.on('ready', () => {
      lastError = '';
    });
    readiness.register({ name: 'redis', isReady: () => this.ping() });
  }

  async ping(): Promise<boolean> {
    if (this.redis.status !== 'ready') return false;
    await this.redis.ping();
    return true;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.redis.quit().catch(() => {
      this.redis.disconnect();
    });
  }
}
