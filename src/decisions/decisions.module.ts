import { Module } from '@nestjs/common';
import { CaseStore } from '../cases/case.store';
import { OverviewStore } from '../cases/overview.store';
import { ModelService } from '../model/model.service';
import { ShadowPublisher } from '../model/shadow.publisher';
import { RulesModule } from '../rules/rules.module';
import { APP_CONFIG, type AppConfig } from '../config/config';
import { VELOCITY_LIMITS, velocityLimits, VelocityStore } from '../velocity/velocity.store';
import { CardHistoryStore } from './card-history.store';
import { DecisionService } from './decision.service';
import { DecisionStore } from './decision.store';
import { OnlineLearner } from '../online/online-learner.service';
import { OnlineModel } from '../online/online-model.service';
import { OnlineStore } from '../online/online.store';

@Module({
  imports: [RulesModule],
  providers: [
    DecisionService,
    DecisionStore,
    VelocityStore,
    ModelService,
    ShadowPublisher,
    OnlineModel,
    OnlineStore,
    OnlineLearner,
    CaseStore,
    CardHistoryStore,
    OverviewStore,
    { provide: VELOCITY_LIMITS, inject: [APP_CONFIG], useFactory: (config: AppConfig) => velocityLimits(config.features.labelDelayDays) },
  ],
  exports: [DecisionService, DecisionStore, VelocityStore, ModelService, OnlineModel, OnlineLearner, OnlineStore, CaseStore, CardHistoryStore, OverviewStore],
})
export class DecisionsModule {}
