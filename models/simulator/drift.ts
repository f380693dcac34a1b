import { DRIFT_SCENARIO, type SimEvent } from './events';
import { labelDelayMs } from './labels';
import type { DayContext } from './legit-day';
import { at, Rng } from './rng';
import type { Victim } from './scenarios';
import { DAY, MINUTE, sampleTime } from './time';
import type { World } from './world';

/** Ring transactions per legitimate transaction of the day. */
export const CHARITY_RING_RATE = 0.003;

/** The committed model is trained with the last 30 days held out: a drift from then on is one it never saw. */
export const DRIFT_DAYS_BEFORE_END = 30;

const DONATIONS = [5, 10, 15, 20, 25] as const;
const DONATION_WEIGHTS = [3, 4, 2, 2, 1] as const;
/** One, two or three payments per card. */
const PAYMENT_COUNT_WEIGHTS = [5, 3, 2] as const;

export function defaultDriftFrom(start: number, days: number): number {
  return start + (days - DRIFT_DAYS_BEFORE_END) * DAY;
}

/**
 * The drift scenario: from `from` on, a ring tries stolen card numbers with a few small round
 * donations to charities, at the hours the cardholder would donate, from a script that sends no
 * device fingerprint. None of the planned scenarios looks like it: no burst, no travel, no large
 * amount, no new device. It has its own stream, draws nothing before `from`, and only reads the
 * planner's victims, so a drift run holds the same planned frauds as a run without drift; the
 * planner in turn does not know the ring, and may pick one of its cards later.
 */
export class CharityRing {
  private readonly rng: Rng;
  private budget = 0;
  private readonly used = new Set<string>();
  private victims = 0;

  constructor(
    private readonly world: World,
    seed: number,
    readonly from: number,
    /** Cards a planned incident already has: the ring leaves them alone. */
    private readonly taken: (card: string) => boolean,
  ) {
    this.rng = new Rng(seed, 'drift');
  }

  /** Cards the ring has used: one incident each. */
  get incidents(): number {
    return this.victims;
  }

  /** The day's ring transactions, labelled; none before the drift start. */
  run(ctx: DayContext, legitToday: number): SimEvent[] {
    if (ctx.dayStart < this.from) return [];
    // A budget in proportion to the day's legitimate traffic, as the planner's, so the share holds at any size.
    this.budget += legitToday * CHARITY_RING_RATE;
    const out: SimEvent[] = [];
    for (let failures = 0; this.budget > 0 && failures < 20;) {
      const victim = this.victim();
      if (victim === null) {
        failures++;
        continue;
      }
      const events = this.donations(ctx, victim);
      const reportAt = Math.max(...events.map((e) => e.t)) + labelDelayMs(this.rng, DRIFT_SCENARIO);
      for (const e of events) e.fraud = { scenario: DRIFT_SCENARIO, reportAt };
      out.push(...events);
      this.budget -= events.length;
      this.used.add(victim.card);
      this.victims++;
    }
    return out;
  }

  private victim(): Victim | null {
    for (let attempt = 0; attempt < 10; attempt++) {
      const customer = this.world.byActivity.draw(this.rng);
      const card = at(customer.cards, this.rng.weighted(customer.cardWeights));
      if (!this.used.has(card) && !this.taken(card)) return { customer, card };
    }
    return null;
  }

  /** 1-3 donations within an hour or two, at charities drawn by popularity, where the ring's traffic hides best. */
  private donations(ctx: DayContext, { customer, card }: Victim): SimEvent[] {
    const { rng } = this;
    const charities = ctx.merchants.online('charity');
    let t = sampleTime(rng, 'online', ctx.dayStart, customer.home);
    const events: SimEvent[] = [];
    for (let n = 1 + rng.weighted(PAYMENT_COUNT_WEIGHTS); n > 0; n--) {
      const amount = at(DONATIONS, rng.weighted(DONATION_WEIGHTS));
      events.push(ctx.event({ t, customer, card, merchant: charities.draw(rng), amount, deviceId: null }));
      t += rng.int(5 * MINUTE, 50 * MINUTE);
    }
    return events;
  }
}
