/**
 * Velocity and profile features of one transaction, computed by the Redis scripts from the
 * card's and merchant's history strictly before the transaction's own `occurredAt`
 * (the transaction itself is never part of its own windows). The same object feeds the
 * rules and, flattened by `featureVector`, the model, so training and serving cannot drift.
 */
export interface Features {
  readonly card: {
    /** Count and amount sum of the card's transactions in (t - window, t). */
    readonly count1m: number;
    readonly sum1m: number;
    readonly count1h: number;
    readonly sum1h: number;
    readonly count24h: number;
    readonly sum24h: number;
    /** Transactions of amount 0 (account-verification authorisations) in (t - 24 h, t); they count in every window above. */
    readonly zeroAmount24h: number;
    /** The 6 whole UTC days before t's day plus t's day up to t. */
    readonly count7d: number;
    readonly sum7d: number;
    /** The 30-day profile: the 29 whole UTC days before t's day plus t's day up to t. */
    readonly count30d: number;
    readonly sum30d: number;
    /** sum30d / count30d, or null when the card has no history. */
    readonly avgAmount30d: number | null;
    /** Seconds from the previous transaction (by event time) to this one; null when none. */
    readonly secondsSincePrev: number | null;
    /** Great-circle distance from the previous located transaction; null when either has no location. */
    readonly kmFromPrev: number | null;
    /** Seconds between that previous located transaction and this one; null with kmFromPrev. */
    readonly secondsSincePrevLocated: number | null;
    /** Whether this device was seen on the card before; null when the transaction has no deviceId. */
    readonly deviceSeen: boolean | null;
    readonly merchantSeen: boolean;
    /**
     * Confirmed frauds (from `fraud-labels`) among the card's transactions of the 7 / 30 UTC
     * days ending on t's day, as far as labels have arrived by the time of the decision.
     */
    readonly frauds7d: number;
    readonly frauds30d: number;
    /** Every confirmed fraud on the card known by the time of the decision (labels are kept 60 days). */
    readonly fraudsKnown: number;
    /**
     * The card's transactions, and the confirmed frauds among them, over the 30 whole UTC days
     * ending LABEL_DELAY_DAYS before t's day: days whose labels have had time to arrive.
     */
    readonly countDelayed30d: number;
    readonly fraudsDelayed30d: number;
  };
  readonly merchant: {
    /** Whole minutes / hours / UTC days before t's: the 60 minutes, 24 hours, 7 and 30 days. */
    readonly count1h: number;
    readonly count24h: number;
    readonly count7d: number;
    readonly count30d: number;
    /** Confirmed frauds among the merchant's transactions of the 7 / 30 UTC days ending on t's day. */
    readonly frauds7d: number;
    readonly frauds30d: number;
    /**
     * Transactions, and confirmed frauds among them, over the 1, 7 and 30 whole UTC days ending
     * LABEL_DELAY_DAYS before t's day (Dal Pozzolo et al.'s delayed-feedback windows).
     */
    readonly countDelayed1d: number;
    readonly countDelayed7d: number;
    readonly countDelayed30d: number;
    readonly fraudsDelayed1d: number;
    readonly fraudsDelayed7d: number;
    readonly fraudsDelayed30d: number;
  };
}

/** What the scripts find for a card and merchant never seen: the base tests build their histories on. */
export const NO_HISTORY: Features = {
  card: {
    count1m: 0,
    sum1m: 0,
    count1h: 0,
    sum1h: 0,
    count24h: 0,
    sum24h: 0,
    zeroAmount24h: 0,
    count7d: 0,
    sum7d: 0,
    count30d: 0,
    sum30d: 0,
    avgAmount30d: null,
    secondsSincePrev: null,
    kmFromPrev: null,
    secondsSincePrevLocated: null,
    deviceSeen: null,
    merchantSeen: false,
    frauds7d: 0,
    frauds30d: 0,
    fraudsKnown: 0,
    countDelayed30d: 0,
    fraudsDelayed30d: 0,
  },
  merchant: {
    count1h: 0,
    count24h: 0,
    count7d: 0,
    count30d: 0,
    frauds7d: 0,
    frauds30d: 0,
    countDelayed1d: 0,
    countDelayed7d: 0,
    countDelayed30d: 0,
    fraudsDelayed1d: 0,
    fraudsDelayed7d: 0,
    fraudsDelayed30d: 0,
  },
};
