/**
 * First-party ("friendly") fraud: a customer disputes their own purchase as unauthorised or
 * never received, weeks later, once the delivery window has passed. The transaction looks like
 * any other of theirs (their device, their address, their shops), so it is label noise as much
 * as fraud. A small share of customers do it, a few times each. Follows the "friendly fraud"
 * and chargeback-abuse descriptions in Visa's and Mastercard's dispute-management guidance.
 */
import { DAY_MS } from './calendar';
import type { FraudContext, Typology } from './fraud-kit';
import { currencyOf } from './places';
import { Rng } from './rng';
import type { Txn } from './txn';

const SCENARIO = 'first_party';

/** Chance that a disputing customer disputes a given online purchase of theirs. */
const PER_PURCHASE = 0.06;

export function firstParty(ctx: FraudContext, seed: number): Typology {
  const rng = Rng.fork(seed, SCENARIO);
  return {
    scenario: SCENARIO,
    onLegit(txn: Txn) {
      if (!txn.customer.traits.disputer || txn.channel !== 'ecommerce' || txn.deviceId === undefined) return;
      if (txn.amount / 100 / currencyOf(txn.merchant.currency).perEuro < 20 || !rng.chance(PER_PURCHASE)) return;
      txn.truth = SCENARIO;
      const delayDays = Math.min(75, Math.max(7, rng.logNormal(24, 0.5)));
      ctx.labels.add(txn, { fraud: true, reportedAt: txn.at + delayDays * DAY_MS, scenario: SCENARIO });
    },
  };
}
