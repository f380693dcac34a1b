import { Module } from '@nestjs/common';
import { ModelService } from '../model/model.service';
import { ShadowPublisher } from '../model/shadow.publisher';
import { RulesService } from '../rules/rules.service';
import { VelocityStore } from '../velocity/velocity.store';
import { DecisionService } from './decision.service';
import { DecisionStore } from './decision.store';

@Module({
  providers: [DecisionService, DecisionStore, RulesService, VelocityStore, ModelService, ShadowPublisher],
  exports: [DecisionService, DecisionStore, VelocityStore, ModelService],
})
export class DecisionsModule {}
