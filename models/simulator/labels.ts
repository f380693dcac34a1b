import type { FraudScenario } from './events';
import type { Rng } from './rng';
import { DAY, HOUR } from './time';

/**
 * How soon each scenario is confirmed: a cardholder who sees a foreign cash withdrawal calls the
 * same day; a small charge that looks like their own waits for the statement and a chargeback.
 */
const CALLS_SAME_DAY: Record<FraudScenario, number> = {
  stolen_card_far: 0.35,
  card_testing: 0.3,
  account_takeover: 0.3,
  compromised_merchant: 0.15,
  amount_above_habit: 0.25,
  hard_lookalike: 0.05,
  // A small donation is easy to take for one's own until the statement comes.
  charity_ring: 0.15,
};
const LATE: Record<FraudScenario, number> = {
  stolen_card_far: 0.05,
  card_testing: 0.06,
  account_takeover: 0.06,
  compromised_merchant: 0.08,
  amount_above_habit: 0.06,
  hard_lookalike: 0.15,
  charity_ring: 0.08,
};

/**
 * Delay from an incident's last transaction to its label: a call within the day, a chargeback
 * after 2 to 30 days (median about 9), or a late one after 30 to 60 days.
 */
export function labelDelayMs(rng: Rng, scenario: FraudScenario): number {
  const u = rng.float();
  if (u < CALLS_SAME_DAY[scenario]) return Math.floor(rng.range(0.5, 24) * HOUR);
  if (u < CALLS_SAME_DAY[scenario] + LATE[scenario]) return Math.floor(rng.range(30, 60) * DAY);
  for (;;) {
    const days = rng.logNormal(9, 0.55);
    if (days >= 2 && days <= 30) return Math.floor(days * DAY);
  }
}
