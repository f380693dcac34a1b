import { Module } from '@nestjs/common';
import { ModelService } from '../model/model.service';
import { ShadowPublisher } from '../model/shadow.publisher';
import { RulesModule } from '../rules/rules.module';
import { VelocityStore } from '../velocity/velocity.store';
import { DecisionService } from './decision.service';
import { DecisionStore } from './decision.store';

@Module({
  imports: [RulesModule],
  providers: [DecisionService, DecisionStore, VelocityStore, ModelService, ShadowPublisher],
  exports: [DecisionService, DecisionStore, VelocityStore, ModelService],
})
export class DecisionsModule {}
