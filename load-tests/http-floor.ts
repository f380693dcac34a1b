/**
 * The bench's HTTP floor: what `POST /v1/decisions` costs on this machine with no check run.
 * The bench starts it as its own process in place of the service and drives it with the same
 * load generator.
 *
 * It is the service's HTTP stack: NestJS on Fastify with the same body limit, and the
 * controller runs the service's own input gate (card-number scan and the contract's schema)
 * and answers a decision-sized JSON. What is left out is everything behind the gate: Redis,
 * rules, the model, metrics and storing the decision. The HTTP scenario's figures minus these
 * are what the checks cost.
 */
import 'reflect-metadata';
import { Body, Controller, Get, HttpCode, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { parseConfig } from '../src/config/config';
import { ApiError } from '../src/http/errors';
import type { Decision } from '../src/transactions/transaction.schema';
import { parseTransaction } from '../src/transactions/transaction.parse';
import { floorDecision } from './lib/floor-decision';

@Controller('v1/decisions')
class FloorController {
  @Post()
  @HttpCode(200)
  decide(@Body() body: unknown): Promise<Decision> {
    const receivedAt = performance.now();
    const parsed = parseTransaction(body);
    if (!parsed.ok) throw new ApiError(parsed.code, parsed.details);
    // Resolved as the service's coalescer does, a turn later, so the response path is the same.
    return Promise.resolve(floorDecision(parsed.tx.transactionId, receivedAt));
  }
}

/** What the bench waits for before it sends, as for the service. */
@Controller('health')
class FloorHealthController {
  @Get('ready')
  ready(): { status: string } {
    return { status: 'ready' };
  }
}

@Module({ controllers: [FloorController, FloorHealthController] })
class FloorModule {}

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const app = await NestFactory.create<NestFastifyApplication>(FloorModule, new FastifyAdapter({ bodyLimit: config.http.bodyLimitBytes, logger: false }), {
    logger: ['error'],
  });
  app.enableShutdownHooks();
  await app.listen(config.http.port, '127.0.0.1');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
