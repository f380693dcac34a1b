import { Module } from '@nestjs/common';
import { RulesService } from '../rules/rules.service';
import { VelocityStore } from '../velocity/velocity.store';
import { DecisionService } from './decision.service';
import { DecisionStore } from './decision.store';

@Module({
  providers: [DecisionService, DecisionStore, RulesService, VelocityStore],
  exports: [DecisionService, DecisionStore, VelocityStore],
})
export class DecisionsModule {}
