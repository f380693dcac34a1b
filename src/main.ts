import 'reflect-metadata';
// Before anything loads kafkajs: its producer takes its send when it loads.
import './stream/send-messages';
import { Logger } from '@nestjs/common';
import { ConfigError, parseConfig } from './config/config';
import { createApp } from './app.factory';

async function bootstrap(): Promise<void> {
  const config = parseConfig(process.env);
  const app = await createApp(config);
  await app.listen(config.http.port, config.http.host);
  new Logger('Bootstrap').log(`listening on ${config.http.host}:${config.http.port}`);
}

bootstrap().catch((err: unknown) => {
  // Config errors name every bad variable; print them plainly and exit non-zero.
  if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
  else process.stderr.write(`start-up failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
