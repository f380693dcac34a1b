import { Global, Module } from '@nestjs/common';
import { RedisClient } from './redis.client';
import { StateEpoch } from './state-epoch';

@Global()
@Module({ providers: [RedisClient, StateEpoch], exports: [RedisClient, StateEpoch] })
export class RedisModule {}
