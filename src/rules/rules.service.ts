import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../config/config';
import type { Transaction } from '../transactions/transaction.schema';
import type { Features } from '../velocity/features';
import { evaluateRules, parseRuleSet, type RulesResult } from './rules';
import type { RuleSet } from './rule-set.schema';

export const DEFAULT_RULES_PATH = join(__dirname, 'default-rules.json');

export class RuleSetLoadError extends Error {}

/** Reads and validates a rule-set file; a bad document names every problem in it. */
export function loadRuleSetFile(path: string): RuleSet {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new RuleSetLoadError(`cannot read rule set ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  const parsed = parseRuleSet(json);
  if (!parsed.ok) {
    throw new RuleSetLoadError(`invalid rule set ${path}:\n  ${parsed.errors.map((e) => `${e.path || '(document)'}: ${e.message}`).join('\n  ')}`);
  }
  return parsed.ruleSet;
}

/** Holds the active rule set; it is loaded once at start-up. */
@Injectable()
export class RulesService {
  readonly ruleSet: RuleSet;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.ruleSet = loadRuleSetFile(config.rules.path === '' ? DEFAULT_RULES_PATH : config.rules.path);
  }

  get version(): string {
    return this.ruleSet.version;
  }

  evaluate(tx: Transaction, features: Features | null): RulesResult {
    return evaluateRules(this.ruleSet, tx, features);
  }
}
