import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { DecisionsModule } from '../decisions/decisions.module';
import { RulesModule } from '../rules/rules.module';
import { AdminGuard, ApiKeyRegistry, ScoringGuard } from './auth.guard';
import { DecisionsController } from './decisions.controller';
import { HttpDecider } from './http-decider';
import { HttpExceptionFilter } from './http-exception.filter';
import { OnlineController } from './online.controller';
import { OpenApiController } from './openapi.controller';
import { OverridesController } from './overrides.controller';
import { RulesController } from './rules.controller';

@Module({
  imports: [DecisionsModule, RulesModule],
  controllers: [DecisionsController, RulesController, OverridesController, OnlineController, OpenApiController],
  providers: [{ provide: APP_FILTER, useClass: HttpExceptionFilter }, HttpDecider, ApiKeyRegistry, AdminGuard, ScoringGuard],
})
export class HttpModule {}
