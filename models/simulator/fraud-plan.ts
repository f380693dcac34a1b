import type { CategoryKey } from './categories';
import { SCENARIOS, type Scenario, type SimEvent } from './events';
import type { Customer } from './customers';
import { labelDelayMs } from './labels';
import type { DayContext } from './legit-day';
import type { Merchant } from './merchants';
import { at, Rng, WeightedTable } from './rng';
import {
  accountTakeover,
  amountAboveHabit,
  cardTesting,
  compromisedCashOut,
  hardLookalike,
  stolenCardFar,
  type Breach,
  type FraudContext,
  type Victim,
} from './scenarios';
import { DAY } from './time';
import { nearTrip } from './travel';
import type { World, WorldOptions } from './world';

/** Fraudulent share of all transactions the plan aims at (0.3-0.6% is typical of card portfolios). */
export const TARGET_FRAUD_RATE = 0.0045;

interface ScenarioSpec {
  /** Share of fraudulent transactions. */
  readonly share: number;
  /** Transactions per incident, roughly: caps how many incidents one day can hold. */
  readonly meanSize: number;
}

const SPEC: Record<Scenario, ScenarioSpec> = {
  stolen_card_far: { share: 0.2, meanSize: 3 },
  card_testing: { share: 0.2, meanSize: 18 },
  account_takeover: { share: 0.13, meanSize: 1.7 },
  compromised_merchant: { share: 0.22, meanSize: 2.5 },
  amount_above_habit: { share: 0.12, meanSize: 1 },
  hard_lookalike: { share: 0.13, meanSize: 1.3 },
};

type Simple = Exclude<Scenario, 'compromised_merchant'>;
const RUN: Record<Simple, (ctx: FraudContext, victim: Victim) => SimEvent[] | null> = {
  stolen_card_far: stolenCardFar,
  card_testing: cardTesting,
  account_takeover: accountTakeover,
  amount_above_habit: amountAboveHabit,
  hard_lookalike: hardLookalike,
};
/** Scenarios that assume the cardholder is at home, away from any trip. */
const AT_HOME = new Set<Scenario>(['stolen_card_far', 'amount_above_habit', 'hard_lookalike']);

/** Where skimmers are fitted: card readers nobody watches closely. */
const SKIMMABLE = new Set<CategoryKey>(['fuel', 'atm', 'grocery', 'restaurant']);
const SKIM_RATE = 0.75;
const SKIM_LAG_DAYS = 2;
const SKIM_SHELF_LIFE_DAYS = 45;

interface Skimmed extends Victim {
  readonly at: number;
  readonly breach: Breach;
}

/**
 * Decides which frauds happen each day. Each scenario earns a budget of fraudulent transactions
 * in proportion to the day's legitimate ones and spends it on incidents, so the fraud rate holds
 * at any size; each scenario also happens once early on, so even a small run has all of them.
 * A card is the victim of at most one planned incident, which keeps each incident's signals
 * its own.
 */
export class FraudPlanner {
  private readonly rng: Rng;
  private readonly budget = new Map<Scenario, number>(SCENARIOS.map((s) => [s, 0]));
  private readonly firstDay: ReadonlyMap<Scenario, number>;
  private readonly started = new Set<Scenario>();
  private readonly reserved = new Set<string>();
  private readonly breachesAt = new Map<Merchant, Breach[]>();
  private skimmed: Skimmed[] = [];
  private readonly skimmedCards = new Set<string>();
  readonly incidents = new Map<Scenario, number>(SCENARIOS.map((s) => [s, 0]));

  constructor(
    private readonly world: World,
    options: WorldOptions,
  ) {
    this.rng = new Rng(options.seed, 'fraud');
    const lastFirst = Math.max(1, Math.floor(options.days / 3));
    this.firstDay = new Map(SCENARIOS.map((s) => [s, this.rng.int(1, lastFirst)]));
    for (const breach of planBreaches(new Rng(options.seed, 'breaches'), world, options)) {
      for (const m of breach.merchants) this.breachesAt.set(m, [...(this.breachesAt.get(m) ?? []), breach]);
    }
  }

  /** Cards that paid at a breached merchant while its skimmer was in place are compromised. */
  observe(legit: readonly SimEvent[]): void {
    for (const e of legit) {
      const breaches = this.breachesAt.get(e.merchant);
      if (breaches === undefined || this.skimmedCards.has(e.card) || this.reserved.has(e.card)) continue;
      const breach = breaches.find((b) => e.t >= b.from && e.t < b.to);
      if (breach === undefined || !this.rng.chance(SKIM_RATE)) continue;
      this.skimmed.push({ customer: e.customer, card: e.card, at: e.t, breach });
      this.skimmedCards.add(e.card);
    }
  }

  /** Whether a planned incident has the card, or will have it once a skimmed card is cashed out. */
  isTaken(card: string): boolean {
    return this.reserved.has(card) || this.skimmedCards.has(card);
  }

  /** Today's fraudulent transactions, each marked with its scenario and when its label arrives. */
  run(day: DayContext, today: (customer: Customer) => readonly SimEvent[], legitToday: number): SimEvent[] {
    const ctx: FraudContext = { ...day, rng: this.rng, today, cardTesters: this.world.cardTesters };
    this.skimmed = this.skimmed.filter((s) => s.at + SKIM_SHELF_LIFE_DAYS * DAY >= day.dayStart);
    const out: SimEvent[] = [];
    for (const scenario of SCENARIOS) {
      const earned = legitToday * TARGET_FRAUD_RATE * SPEC[scenario].share;
      this.budget.set(scenario, (this.budget.get(scenario) ?? 0) + earned);
      const cap = 2 + Math.ceil((3 * earned) / SPEC[scenario].meanSize);
      let incidents = 0;
      for (let failures = 0; incidents < cap && failures < 20 && this.due(scenario, day.day);) {
        const sessions = this.incident(scenario, ctx);
        if (sessions === null) {
          failures++;
          continue;
        }
        for (const events of sessions) this.mark(scenario, events, out);
        incidents++;
        this.started.add(scenario);
        this.incidents.set(scenario, (this.incidents.get(scenario) ?? 0) + 1);
      }
    }
    return out;
  }

  private due(scenario: Scenario, day: number): boolean {
    if (!this.started.has(scenario) && day >= (this.firstDay.get(scenario) ?? 0)) return true;
    return (this.budget.get(scenario) ?? 0) > 0;
  }

  /** The incident's transactions, in one or more sessions that are each labelled together. */
  private incident(scenario: Scenario, ctx: FraudContext): SimEvent[][] | null {
    if (scenario === 'compromised_merchant') return this.cashOut(ctx);
    const victim = this.victim(ctx.day, AT_HOME.has(scenario));
    if (victim === null) return null;
    const events = RUN[scenario](ctx, victim);
    if (events === null || events.length === 0) return null;
    this.reserved.add(victim.card);
    return [events];
  }

  private cashOut(ctx: FraudContext): SimEvent[][] | null {
    const ready = this.skimmed.filter((s) => s.at + SKIM_LAG_DAYS * DAY <= ctx.dayStart && !this.reserved.has(s.card));
    if (ready.length === 0) return null;
    const victim = this.rng.pick(ready);
    this.skimmed = this.skimmed.filter((s) => s !== victim);
    this.reserved.add(victim.card);
    const sessions = [compromisedCashOut(ctx, victim, victim.breach, ctx.dayStart)];
    // Some rings come back to a card that still works, after the first labels may have arrived.
    if (this.rng.chance(0.3)) sessions.push(compromisedCashOut(ctx, victim, victim.breach, ctx.dayStart + this.rng.int(1, 6) * DAY));
    const nonEmpty = sessions.filter((events) => events.length > 0);
    return nonEmpty.length > 0 ? nonEmpty : null;
  }

  private victim(day: number, atHome: boolean): Victim | null {
    for (let attempt = 0; attempt < 10; attempt++) {
      const customer = this.world.byActivity.draw(this.rng);
      const card = at(customer.cards, this.rng.weighted(customer.cardWeights));
      if (this.reserved.has(card) || this.skimmedCards.has(card)) continue;
      if (atHome && nearTrip(customer.trips, day, 1)) continue;
      return { customer, card };
    }
    return null;
  }

  private mark(scenario: Scenario, events: SimEvent[], out: SimEvent[]): void {
    const last = Math.max(...events.map((e) => e.t));
    const reportAt = last + labelDelayMs(this.rng, scenario);
    for (const e of events) e.fraud = { scenario, reportAt };
    out.push(...events);
    this.budget.set(scenario, (this.budget.get(scenario) ?? 0) - events.length);
  }
}

/**
 * Skimming incidents: every 10-25 days a gang fits skimmers at a few busy merchants for 4-12
 * days, and later cashes out part of the cards through a few merchants of its own choosing.
 */
function planBreaches(rng: Rng, world: World, options: WorldOptions): Breach[] {
  const skimmable = world.merchants.all.filter((m) => m.city?.home === true && SKIMMABLE.has(m.category.key) && (world.footfall[m.index] ?? 0) > 0);
  if (skimmable.length === 0) return [];
  const busy = new WeightedTable(skimmable, (m) => world.footfall[m.index] ?? 0);
  const perBreach = Math.max(1, Math.round(options.customers / 2500));
  const breaches: Breach[] = [];
  for (let day = rng.range(0, 4); day < options.days - 6; day += rng.range(10, 25)) {
    const merchants = new Set<Merchant>();
    for (let i = 0; i < perBreach * 3 && merchants.size < perBreach; i++) merchants.add(busy.draw(rng));
    const from = options.start + Math.floor(day * DAY);
    breaches.push({
      merchants: [...merchants],
      from,
      to: from + Math.floor(rng.range(4, 12) * DAY),
      cashOut: world.cashOut.filter(() => rng.chance(0.5)).concat(rng.pick(world.cashOut)),
      ringDevices: Array.from({ length: rng.int(3, 8) }, () => `dev-${rng.hex(12)}`),
    });
  }
  return breaches;
}
