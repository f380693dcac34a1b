import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { DecisionsModule } from '../decisions/decisions.module';
import { DecisionsController } from './decisions.controller';
import { HttpExceptionFilter } from './http-exception.filter';

@Module({
  imports: [DecisionsModule],
  controllers: [DecisionsController],
  providers: [{ provide: APP_FILTER, useClass: HttpExceptionFilter }],
})
export class HttpModule {}
