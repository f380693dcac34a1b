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
  };
  readonly merchant: {
    readonly count1h: number;
    readonly count24h: number;
    /** Confirmed frauds among the merchant's transactions of the 7 / 30 UTC days ending on t's day. */
    readonly frauds7d: number;
    readonly frauds30d: number;
  };
}
