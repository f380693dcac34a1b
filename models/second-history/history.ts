/**
 * The day loop. Each day: the typologies' campaigns, then every customer's personal incidents
 * and own spending. Transactions land in per-UTC-day buckets; a day is written once the next
 * day has been generated (a customer's local day reaches into the neighbouring UTC days), with
 * what happens on a card after its block dropped, sorted by time and numbered. Labels wait
 * until the end, since a label can come long after its transaction. The opt-in drift scenario
 * (drift.ts) adds its payments to a day once the day's customers are done.
 */
import { accountTakeover } from './account-takeover';
import { calendarDay, DAY_MS, PaydayTable, type CalendarDay } from './calendar';
import { cardTesting } from './card-testing';
import { dataBreach } from './data-breach';
import { NewMerchantRing, type DriftOptions } from './drift';
import { firstParty } from './first-party';
import type { FraudContext, Typology } from './fraud-kit';
import { analystMistake, LabelBook } from './labels';
import { LegitDay } from './legit-day';
import { lostStolen } from './lost-stolen';
import { ipv4In } from './network';
import type { LabelRecord } from './output';
import { currencyOf } from './places';
import { Rng } from './rng';
import { skimming } from './skimming';
import { planTrip } from './travel';
import type { Txn } from './txn';
import { buildWorld, type World, type WorldOptions } from './world';

// Bound once: jest runs this code in a VM context, where each global lookup costs more than the arithmetic (rng.ts).
const { floor } = Math;

export interface HistoryOptions extends WorldOptions {
  /** The opt-in drift scenario (drift.ts); without it, no draw and no id depends on the scenario. */
  readonly drift?: DriftOptions;
}

/** What the drift scenario added, for the summary. */
export interface DriftReport {
  readonly from: number;
  readonly merchants: readonly string[];
  /** Honest purchases at the new merchants. */
  readonly honest: number;
  /** Every transaction written from the drift's start on, the drift's included. */
  readonly since: number;
}

export interface DayBatch {
  readonly day: number;
  readonly transactions: readonly Txn[];
}

/** A customer's last few own transactions, kept for disputes that catch one by mistake. */
const RECENT = 6;
/** Days before day 0 whose trip plans (booked before the history) are replayed. */
const PLANNED_AHEAD = 60;

export class SecondHistory {
  readonly world: World;
  readonly days: readonly CalendarDay[];
  private readonly labelBook = new LabelBook();
  private readonly buckets = new Map<number, Txn[]>();
  private readonly typologies: readonly Typology[];
  private readonly legit: LegitDay;
  private readonly noise: Rng;
  private readonly households: Rng;
  private readonly writtenFrauds: Txn[] = [];
  private readonly drift: NewMerchantRing | undefined;
  private flushedThrough = -1;
  private written = 0;
  private writtenSinceDrift = 0;

  constructor(readonly options: HistoryOptions) {
    this.world = buildWorld(options);
    this.days = Array.from({ length: options.days }, (_, i) => calendarDay(options.start, i));
    this.noise = Rng.fork(options.seed, 'label-noise');
    this.households = Rng.fork(options.seed, 'households');
    const paydays = new PaydayTable(options.start, options.days);
    const travel = { merchants: this.world.merchants, start: options.start };
    for (const c of this.world.customers) for (let d = -PLANNED_AHEAD; d < 0; d += 1) planTrip(c, d, travel, undefined);
    this.legit = new LegitDay({
      merchants: this.world.merchants,
      paydays,
      devices: this.world.devices,
      days: this.days,
      start: options.start,
      emit: (t) => {
        this.emitOwn(t);
      },
    });
    const fraud: FraudContext = {
      world: this.world,
      days: this.days,
      labels: this.labelBook,
      emit: (t) => {
        this.emit(t);
      },
    };
    this.typologies = [
      cardTesting(fraud, options.seed),
      skimming(fraud, options.seed),
      dataBreach(fraud, options.seed),
      accountTakeover(fraud, options.seed),
      lostStolen(fraud, options.seed),
      firstParty(fraud, options.seed),
    ];
    this.drift = options.drift ? new NewMerchantRing(fraud, options.drift, options.seed) : undefined;
  }

  /** Transactions day by day, in time order within and across days. */
  *run(): Generator<DayBatch> {
    for (let day = 0; day <= this.options.days; day += 1) {
      // Before the next day is generated, so the drift sees phones and home addresses as they were on its day.
      if (day >= 1) this.drift?.plan(day - 1, this.trafficOn(day - 1));
      if (day < this.options.days) this.generate(day);
      if (day >= 1) yield this.flush(day - 1);
    }
  }

  get transactionCount(): number {
    return this.written + (this.drift?.written ?? 0);
  }

  /** What the drift scenario added (undefined without it); complete once run() is exhausted. */
  driftReport(): DriftReport | undefined {
    const drift = this.drift;
    if (!drift) return undefined;
    return {
      from: this.options.start + drift.fromDay * DAY_MS,
      merchants: drift.merchants.map((m) => m.id),
      honest: drift.honest,
      since: this.writtenSinceDrift,
    };
  }

  /** Every label of a written transaction, by reportedAt (call after run() is exhausted). */
  labels(): LabelRecord[] {
    const records: LabelRecord[] = [];
    for (const txn of this.labelBook.labelled) {
      if (txn.id === undefined || !txn.labels) continue;
      for (const plan of txn.labels) {
        records.push({
          transactionId: txn.id,
          fraud: plan.fraud,
          reportedAt: plan.reportedAt,
          cardId: txn.card.id,
          merchantId: txn.merchant.id,
          occurredAt: txn.at,
          scenario: plan.scenario,
        });
      }
    }
    return records.sort((a, b) => a.reportedAt - b.reportedAt || compare(a.transactionId, b.transactionId) || Number(b.fraud) - Number(a.fraud));
  }

  /** The fraudulent transactions that were written, with their typology. */
  frauds(): readonly Txn[] {
    return this.writtenFrauds;
  }

  private generate(day: number): void {
    for (const household of this.world.households) {
      if (this.households.chance(1 / 50)) household.homeIp = ipv4In(household.members[0]?.home.country ?? 'DE', this.households);
    }
    for (const t of this.typologies) t.startDay?.(day);
    const customers = this.world.customers;
    for (let i = 0; i < customers.length; i += 1) {
      for (const t of this.typologies) t.customerDay?.(i, day);
      const c = customers[i];
      if (c) this.legit.run(c, day);
    }
  }

  /** A customer's own transaction: seen by watches at the merchant and by label noise, then kept. */
  private emitOwn(txn: Txn): void {
    const watches = txn.merchant.watches;
    if (watches) for (const w of watches) if (txn.at >= w.from && txn.at < w.to) w.onUse(txn);
    for (const t of this.typologies) t.onLegit?.(txn);
    if (txn.truth === undefined) {
      if (this.noise.chance(this.analystMistakeChance(txn))) analystMistake(txn, this.noise, this.labelBook);
      const recent = txn.customer.recent;
      recent.push(txn);
      if (recent.length > RECENT) recent.shift();
    }
    this.emit(txn);
  }

  /** Analysts flag unusual legitimate spending: abroad, large, or from a phone first seen days ago. */
  private analystMistakeChance(txn: Txn): number {
    const euros = txn.amount / 100 / currencyOf(txn.merchant.currency).perEuro;
    let chance = 0;
    if (txn.channel !== 'ecommerce' && txn.channel !== 'other' && txn.merchant.country !== txn.customer.home.country) chance += 0.0007;
    if (euros >= 400) chance += 0.003;
    if (txn.channel === 'ecommerce' && txn.deviceId !== undefined && txn.deviceId === txn.customer.phone?.id && txn.at - txn.customer.phoneSince < 3 * DAY_MS)
      chance += 0.01;
    return chance;
  }

  private emit(txn: Txn): void {
    const day = floor((txn.at - this.options.start) / DAY_MS);
    // Before day 0 or after the last day: outside the history. Already written: cannot happen (a day is
    // written only after the next one is generated, and nothing is planned into the past).
    if (day < 0 || day >= this.options.days || day <= this.flushedThrough) return;
    let bucket = this.buckets.get(day);
    if (!bucket) {
      bucket = [];
      this.buckets.set(day, bucket);
    }
    bucket.push(txn);
  }

  /** The day's transactions so far, the drift's aside (what its volume follows). */
  private trafficOn(day: number): number {
    let count = 0;
    for (const t of this.buckets.get(day) ?? []) if (t.at < t.card.blockedAt && this.drift?.owns(t) !== true) count += 1;
    return count;
  }

  private flush(day: number): DayBatch {
    const bucket = this.buckets.get(day) ?? [];
    this.buckets.delete(day);
    this.flushedThrough = day;
    const kept = bucket.filter((t) => t.at < t.card.blockedAt);
    // A stable sort: the drift's transactions slot in without reordering the others.
    kept.sort((a, b) => a.at - b.at);
    const drift = this.drift;
    for (const txn of kept) {
      if (drift?.owns(txn) === true) drift.name(txn);
      else {
        this.written += 1;
        txn.id = `t2-${String(this.written).padStart(8, '0')}`;
      }
      if (txn.truth !== undefined) this.writtenFrauds.push(txn);
    }
    if (drift && day >= drift.fromDay) this.writtenSinceDrift += kept.length;
    return { day, transactions: kept };
  }
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
