import { Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { DecisionsModule } from '../decisions/decisions.module';
import { RulesModule } from '../rules/rules.module';
import { LabelPublisher } from '../cases/label.publisher';
import { SessionStore } from '../cases/session.store';
import { AdminGuard, ApiKeyRegistry, ReviewGuard, ScoringGuard } from './auth.guard';
import { CasesController } from './cases.controller';
import { ConsoleController } from './console.controller';
import { SessionsController } from './sessions.controller';
import { DecisionsController } from './decisions.controller';
import { HttpDecider } from './http-decider';
import { HttpExceptionFilter } from './http-exception.filter';
import { OnlineController } from './online.controller';
import { OpenApiController } from './openapi.controller';
import { OverridesController } from './overrides.controller';
import { RulesController } from './rules.controller';

@Module({
  imports: [DecisionsModule, RulesModule],
  controllers: [
    DecisionsController,
    RulesController,
    OverridesController,
    OnlineController,
    CasesController,
    SessionsController,
    ConsoleController,
    OpenApiController,
  ],
  providers: [
    { provide: APP_FILTER, useClass: HttpExceptionFilter },
    HttpDecider,
    ApiKeyRegistry,
    AdminGuard,
    ScoringGuard,
    ReviewGuard,
    LabelPublisher,
    SessionStore,
  ],
})
export class HttpModule {}
