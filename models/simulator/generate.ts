import { CharityRing } from './drift';
import {
  DRIFT_SCENARIO,
  SCENARIOS,
  toLabel,
  toTransaction,
  transactionId,
  type FraudScenario,
  type SimEvent,
  type SimLabel,
  type SimTransaction,
} from './events';
import { FraudPlanner } from './fraud-plan';
import { legitDay, type CustomerState, type DayContext } from './legit-day';
import { at, Rng } from './rng';
import { DAY, weekdayOf } from './time';
import { buildWorld, type World, type WorldOptions } from './world';

export interface SimulationOptions extends WorldOptions {
  /** A UTC day start within the run from which the charity ring operates; absent, no drift. */
  readonly driftFrom?: number;
}

export interface DayBatch {
  readonly day: number;
  /** The day's transactions in occurredAt order; every batch follows the previous one in time. */
  readonly transactions: readonly SimTransaction[];
}

export interface ScenarioCount {
  readonly scenario: FraudScenario;
  readonly transactions: number;
  readonly incidents: number;
}

/**
 * The whole simulation, one UTC day at a time: each customer's legitimate day, then the day's
 * frauds, in time order. Frauds that run past midnight (a burst, a purchase two days after a
 * card test) wait for their day, so the output never needs a global sort.
 */
export class Simulation {
  readonly world: World;
  private readonly planner: FraudPlanner;
  private readonly ring: CharityRing | null;
  private readonly emittedLabels: SimLabel[] = [];
  private readonly fraudByScenario = new Map<FraudScenario, number>();
  private emitted = 0;

  constructor(readonly options: SimulationOptions) {
    const { driftFrom, start, days } = options;
    if (driftFrom !== undefined && !(driftFrom >= start && driftFrom < start + days * DAY && (driftFrom - start) % DAY === 0)) {
      throw new RangeError(`driftFrom ${new Date(driftFrom).toISOString()} is not the start of a simulated day`);
    }
    this.world = buildWorld(options);
    this.planner = new FraudPlanner(this.world, options);
    this.ring = driftFrom === undefined ? null : new CharityRing(this.world, options.seed, driftFrom, (card) => this.planner.isTaken(card));
  }

  *days(): Generator<DayBatch> {
    const { seed, days, start } = this.options;
    const { customers, merchants } = this.world;
    const states: CustomerState[] = customers.map((c) => ({
      rng: new Rng(seed, 'customer-days', c.index),
      verifications: new Rng(seed, 'card-verifications', c.index),
      lastLocated: null,
    }));
    const ids = new Rng(seed, 'transaction-ids');
    // The ring's ids have their own stream, so every other transaction keeps the id it has without drift.
    const driftIds = new Rng(seed, 'drift', 'transaction-ids');
    const end = start + days * DAY;
    let seq = 0;
    const event: DayContext['event'] = (fields) => ({ ...fields, seq: seq++, fraud: null });
    let pending: SimEvent[] = [];

    for (let day = 0; day < days; day++) {
      const dayStart = start + day * DAY;
      const dayEnd = dayStart + DAY;
      const ctx: DayContext = { day, dayStart, weekday: weekdayOf(dayStart), merchants, event };
      const byCustomer = customers.map((c, i) => legitDay(ctx, c, at(states, i)));
      const legit = byCustomer.flat();
      this.planner.observe(legit);
      const fraud = this.planner.run(ctx, (c) => byCustomer[c.index] ?? [], legit.length);
      const drift = this.ring?.run(ctx, legit.length) ?? [];

      const due = [...legit];
      const later: SimEvent[] = [];
      for (const e of [...pending, ...fraud, ...drift]) {
        if (e.t < dayEnd) due.push(e);
        // Frauds planned past the last simulated day never happen, and so are never labelled.
        else if (e.t < end) later.push(e);
      }
      pending = later;
      due.sort((a, b) => a.t - b.t || a.seq - b.seq);
      yield { day, transactions: due.map((e) => this.emit(e, e.fraud?.scenario === DRIFT_SCENARIO ? driftIds : ids)) };
    }
  }

  /** Labels of the emitted frauds, in reportedAt order (some fall after the last simulated day). */
  labels(): SimLabel[] {
    return [...this.emittedLabels].sort((a, b) => (a.reportedAt < b.reportedAt ? -1 : a.reportedAt > b.reportedAt ? 1 : 0));
  }

  get transactionCount(): number {
    return this.emitted;
  }

  /** Every planned scenario, and the drift scenario when the run has one. */
  scenarioCounts(): ScenarioCount[] {
    const transactions = (scenario: FraudScenario) => this.fraudByScenario.get(scenario) ?? 0;
    const planned = SCENARIOS.map((scenario) => ({ scenario, transactions: transactions(scenario), incidents: this.planner.incidents.get(scenario) ?? 0 }));
    if (this.ring === null) return planned;
    return [...planned, { scenario: DRIFT_SCENARIO, transactions: transactions(DRIFT_SCENARIO), incidents: this.ring.incidents }];
  }

  private emit(event: SimEvent, ids: Rng): SimTransaction {
    const tx = toTransaction(event, transactionId(ids));
    this.emitted++;
    const label = toLabel(event, tx);
    if (label !== null) {
      this.emittedLabels.push(label);
      this.fraudByScenario.set(label.scenario, (this.fraudByScenario.get(label.scenario) ?? 0) + 1);
    }
    return tx;
  }
}
