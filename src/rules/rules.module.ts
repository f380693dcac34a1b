import { Module } from '@nestjs/common';
import { OverrideStore } from './override.store';
import { RuleVersionStore } from './rule-version.store';
import { RulesService } from './rules.service';

@Module({ providers: [RulesService, RuleVersionStore, OverrideStore], exports: [RulesService, RuleVersionStore, OverrideStore] })
export class RulesModule {}
