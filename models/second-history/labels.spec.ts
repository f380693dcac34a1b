import { cardAt } from './cards';
import { DAY_MS, HOUR_MS, MINUTE_MS } from './calendar';
import { analystMistake, LabelBook, settle, type DetectionProfile } from './labels';
import { Rng } from './rng';
import { FALSE_POSITIVE, newTxn, type Txn } from './txn';
import { buildWorld } from './world';

const start = Date.parse('2026-02-01T00:00:00Z');

function incident(amounts: readonly number[]): Txn[] {
  const world = buildWorld({ seed: 3, customers: 4, days: 10, start });
  const customer = world.customers[0]!;
  const card = customer.slots[0]!.cards[0]!;
  const merchant = world.merchants.onlineOf('online-electronics')[0]!;
  return amounts.map((amount, i) =>
    newTxn({ at: start + i * HOUR_MS, card, customer, merchant, amount, channel: 'ecommerce', deviceId: 'dv2-x', ip: '45.1.2.3' }, 'breach_cnp'),
  );
}

const profile = (overrides: Partial<DetectionProfile>): DetectionProfile => ({
  issuerCatches: () => 0,
  reported: 0,
  reportDelay: () => 5 * DAY_MS,
  filingDelay: () => HOUR_MS,
  disputed: (t) => (t.amount === 0 ? 0 : 1),
  reissueDays: () => 4,
  ...overrides,
});

describe('settle', () => {
  it('labels what happened up to the issuer catching the card, blocks it and drops the rest', () => {
    const txns = incident([50_00, 300_00, 400_00, 500_00]);
    const book = new LabelBook();
    const settlement = settle(txns, 'breach_cnp', profile({ issuerCatches: (t) => (t.amount === 300_00 ? 1 : 0) }), new Rng(1), book);
    expect(settlement.route).toBe('issuer');
    const caught = settlement.blockedAt!;
    expect(caught).toBeGreaterThan(txns[1]!.at);
    expect(caught - txns[1]!.at).toBeLessThanOrEqual(12 * HOUR_MS);
    expect(settlement.survivors.every((t) => t.at <= caught)).toBe(true);
    for (const t of settlement.survivors) expect(t.labels?.[0]).toMatchObject({ fraud: true, scenario: 'breach_cnp' });
    const card = txns[0]!.card;
    expect(card.blockedAt).toBe(caught);
    const replacement = cardAt(card.slot, caught + 4 * DAY_MS);
    expect(replacement).toBe(card.successor);
    expect(replacement?.id).not.toBe(card.id);
    expect(cardAt(card.slot, caught + DAY_MS)).toBeUndefined();
  });

  it('labels what the cardholder disputes at the report, never a 0.00 check, and blocks the card then', () => {
    const txns = incident([0, 120_00, 80_00]);
    const book = new LabelBook();
    const settlement = settle(txns, 'breach_cnp', profile({ reported: 1 }), new Rng(2), book);
    expect(settlement.route).toBe('cardholder');
    expect(settlement.survivors).toHaveLength(3);
    expect(txns[0]!.labels).toBeUndefined();
    for (const t of txns.slice(1)) expect(t.labels?.[0]?.reportedAt).toBe(txns[0]!.at + 5 * DAY_MS + HOUR_MS);
    expect(txns[0]!.card.blockedAt).toBe(txns[0]!.at + 5 * DAY_MS);
  });

  it('leaves an unnoticed incident unlabelled and the card working', () => {
    const txns = incident([200_00, 300_00]);
    const book = new LabelBook();
    const settlement = settle(txns, 'breach_cnp', profile({}), new Rng(3), book);
    expect(settlement.route).toBe('unnoticed');
    expect(book.labelled).toHaveLength(0);
    expect(txns[0]!.card.blockedAt).toBe(Infinity);
  });

  it('with labelsOnly labels and drops the same transactions but leaves the card working', () => {
    const catches = profile({ reported: 1, issuerCatches: (t) => (t.amount === 300_00 ? 1 : 0) });
    const outcome = (labelsOnly: boolean) => {
      const txns = incident([50_00, 300_00, 400_00, 500_00]);
      const settlement = settle(txns, 'breach_cnp', catches, new Rng(5), new LabelBook(), { labelsOnly });
      return { settlement, labels: txns.map((t) => t.labels), card: txns[0]!.card };
    };
    const blocking = outcome(false);
    const only = outcome(true);
    expect(only.labels).toEqual(blocking.labels);
    expect(only.settlement.survivors.map((t) => t.at)).toEqual(blocking.settlement.survivors.map((t) => t.at));
    expect(only.settlement.blockedAt).toBeUndefined();
    expect(only.card.blockedAt).toBe(Infinity);
    expect(only.card.successor).toBeUndefined();
  });
});

describe('analystMistake', () => {
  it('labels a legitimate transaction fraud, then takes it back within a week', () => {
    const [txn] = incident([700_00]);
    txn!.truth = undefined;
    const book = new LabelBook();
    analystMistake(txn!, new Rng(4), book);
    const [wrong, corrected] = txn!.labels!;
    expect(wrong).toMatchObject({ fraud: true, scenario: FALSE_POSITIVE });
    expect(corrected).toMatchObject({ fraud: false, scenario: FALSE_POSITIVE });
    expect(wrong!.reportedAt).toBeGreaterThan(txn!.at + 9 * MINUTE_MS);
    expect(corrected!.reportedAt).toBeGreaterThan(wrong!.reportedAt);
    expect(corrected!.reportedAt - wrong!.reportedAt).toBeLessThanOrEqual(7 * DAY_MS);
  });
});
