import {
  aucRoc,
  averagePrecision,
  cardPrecisionPerDay,
  prCurve,
  tallyDecisions,
  thresholdTable,
  windowMetrics,
  type CardTransaction,
  type DecidedTransaction,
  type Scored,
} from './metrics';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const DAY1 = Date.parse('2026-01-05T00:00:00Z');
const DAY2 = DAY1 + DAY;

const scored = (pairs: readonly (readonly [number, 0 | 1])[]): Scored[] => pairs.map(([score, fraud]) => ({ score, fraud: fraud === 1 }));

const aCardTransaction = (fields: Partial<CardTransaction> & Pick<CardTransaction, 'cardId'>): CardTransaction => ({
  occurredAtMs: DAY1 + Math.floor(Math.random() * DAY),
  score: Math.random(),
  fraud: false,
  ...fields,
});

const aDecision = (fields: Partial<DecidedTransaction>): DecidedTransaction => ({
  cardId: `card-${String(Math.floor(Math.random() * 1e6))}`,
  occurredAtMs: DAY1 + Math.floor(Math.random() * DAY),
  score: Math.random(),
  fraud: false,
  outcome: 'approve',
  ruleHits: [],
  ...fields,
});

describe('ROC AUC', () => {
  it('is 1 when every fraud outscores every legitimate transaction', () => {
    expect(
      aucRoc(
        scored([
          [0.9, 1],
          [0.8, 1],
          [0.3, 0],
          [0.1, 0],
        ]),
      ),
    ).toBe(1);
  });

  it('counts a fraud tied with a legitimate transaction as half a win', () => {
    // Fraud 0.9 beats both legit (2), fraud 0.8 ties legit 0.8 (0.5) and beats 0.3 (1): 3.5 of 4 pairs.
    expect(
      aucRoc(
        scored([
          [0.9, 1],
          [0.8, 0],
          [0.8, 1],
          [0.3, 0],
        ]),
      ),
    ).toBeCloseTo(0.875, 12);
  });

  it('handles a tie of several frauds with a legitimate transaction (sklearn gives 0.625)', () => {
    // 0.9 beats 2; each fraud at 0.7 ties one (0.5) and beats one (1); 0.1 beats none: 5 of 8.
    expect(
      aucRoc(
        scored([
          [0.9, 1],
          [0.7, 0],
          [0.7, 1],
          [0.7, 1],
          [0.2, 0],
          [0.1, 1],
        ]),
      ),
    ).toBeCloseTo(0.625, 12);
  });

  it('is 0.5 when every score is the same', () => {
    expect(
      aucRoc(
        scored([
          [0.5, 1],
          [0.5, 0],
          [0.5, 0],
          [0.5, 1],
        ]),
      ),
    ).toBe(0.5);
  });

  it('is null without frauds or without legitimate transactions', () => {
    expect(
      aucRoc(
        scored([
          [0.9, 0],
          [0.1, 0],
        ]),
      ),
    ).toBeNull();
    expect(
      aucRoc(
        scored([
          [0.9, 1],
          [0.1, 1],
        ]),
      ),
    ).toBeNull();
    expect(aucRoc([])).toBeNull();
  });
});

describe('average precision', () => {
  it('is 1 for a perfect ranking', () => {
    expect(
      averagePrecision(
        scored([
          [0.9, 1],
          [0.8, 1],
          [0.3, 0],
        ]),
      ),
    ).toBe(1);
  });

  it('takes equal scores as one threshold, like sklearn (5/6)', () => {
    // 0.9: recall 0.5 at precision 1; 0.8 (two transactions): recall 1 at precision 2/3.
    expect(
      averagePrecision(
        scored([
          [0.9, 1],
          [0.8, 0],
          [0.8, 1],
          [0.3, 0],
        ]),
      ),
    ).toBeCloseTo(5 / 6, 12);
  });

  it('adds only the thresholds where recall rises (sklearn gives 0.791667)', () => {
    // 0.9: +0.25 x 1; 0.7: +0.5 x 3/4; 0.2: recall unchanged; 0.1: +0.25 x 4/6.
    expect(
      averagePrecision(
        scored([
          [0.9, 1],
          [0.7, 0],
          [0.7, 1],
          [0.7, 1],
          [0.2, 0],
          [0.1, 1],
        ]),
      ),
    ).toBeCloseTo(0.25 + 0.375 + 1 / 6, 12);
  });

  it('is the fraud rate when every score is the same', () => {
    expect(
      averagePrecision(
        scored([
          [0.5, 1],
          [0.5, 0],
          [0.5, 0],
          [0.5, 1],
        ]),
      ),
    ).toBe(0.5);
  });

  it('is null without frauds', () => {
    expect(
      averagePrecision(
        scored([
          [0.9, 0],
          [0.1, 0],
        ]),
      ),
    ).toBeNull();
  });
});

describe('the precision-recall curve', () => {
  const items = scored([
    [0.9, 1],
    [0.8, 0],
    [0.8, 1],
    [0.3, 0],
  ]);

  it('starts at recall 0 and precision 1 and has one point per distinct score, highest first', () => {
    expect(prCurve(items)).toEqual([
      { recall: 0, precision: 1, threshold: null },
      { recall: 0.5, precision: 1, threshold: 0.9 },
      { recall: 1, precision: 2 / 3, threshold: 0.8 },
      { recall: 1, precision: 0.5, threshold: 0.3 },
    ]);
  });

  it('keeps the corners where recall rises and drops the run of legitimate transactions between them', () => {
    // Two frauds on top, then 1,000 legitimate transactions with lower, distinct scores.
    const tail = Array.from({ length: 1000 }, (_, i) => ({ score: 0.5 - i / 10_000, fraud: false }));
    const curve = prCurve(
      [
        ...scored([
          [0.9, 1],
          [0.8, 1],
        ]),
        ...tail,
      ],
      500,
    );
    expect(curve).toEqual([
      { recall: 0, precision: 1, threshold: null },
      { recall: 0.5, precision: 1, threshold: 0.9 },
      { recall: 1, precision: 1, threshold: 0.8 },
      { recall: 1, precision: 2 / 1002, threshold: tail.at(-1)?.score },
    ]);
  });

  it('is thinned to the point limit, keeping both ends', () => {
    const many = Array.from({ length: 2000 }, (_, i) => ({ score: i / 2000, fraud: i % 3 === 0 }));
    const curve = prCurve(many, 500);
    expect(curve).toHaveLength(500);
    expect(curve[0]).toEqual({ recall: 0, precision: 1, threshold: null });
    expect(curve.at(-1)).toMatchObject({ recall: 1, threshold: 0 });
    expect(prCurve(items, 3).map((p) => p.threshold)).toEqual([null, 0.8, 0.3]);
  });

  it('is empty without frauds', () => {
    expect(prCurve(scored([[0.4, 0]]))).toEqual([]);
  });
});

describe('the threshold table', () => {
  it('gives the review load, precision and recall of flagging score >= s', () => {
    const items = scored([
      [0.9, 1],
      [0.8, 0],
      [0.8, 1],
      [0.3, 0],
    ]);
    expect(thresholdTable(items, [0.8, 0.95])).toEqual([
      { score: 0.8, review_rate: 0.75, precision: 2 / 3, recall: 1 },
      { score: 0.95, review_rate: 0, precision: null, recall: 0 },
    ]);
  });

  it('has no recall without frauds and no figures at all without scores', () => {
    expect(thresholdTable(scored([[0.9, 0]]), [0.5])).toEqual([{ score: 0.5, review_rate: 1, precision: 0, recall: null }]);
    expect(thresholdTable(null, [0.5])).toEqual([{ score: 0.5, review_rate: null, precision: null, recall: null }]);
  });
});

describe('card precision@k per day', () => {
  it('ranks cards by their best score of the day, leaves out known compromised cards and divides by k', () => {
    const transactions = [
      // Day 1: A's best score is its legitimate 0.9, but A has a fraud that day, so A counts as found.
      aCardTransaction({ cardId: 'A', occurredAtMs: DAY1 + HOUR, score: 0.9 }),
      aCardTransaction({ cardId: 'A', occurredAtMs: DAY1 + 2 * HOUR, score: 0.2, fraud: true }),
      aCardTransaction({ cardId: 'B', occurredAtMs: DAY1 + 3 * HOUR, score: 0.8 }),
      aCardTransaction({ cardId: 'C', occurredAtMs: DAY1 + 4 * HOUR, score: 0.7, fraud: true }),
      // D was reported compromised the day before: it is no longer in anyone's queue.
      aCardTransaction({ cardId: 'D', occurredAtMs: DAY1 + 5 * HOUR, score: 0.95, fraud: true }),
      // Day 2: C's label arrives an hour into the day, too late to take it out of that day's queue.
      aCardTransaction({ cardId: 'C', occurredAtMs: DAY2 + 2 * HOUR, score: 0.3, fraud: true }),
      aCardTransaction({ cardId: 'E', occurredAtMs: DAY2 + 3 * HOUR, score: 0.6, fraud: true }),
      aCardTransaction({ cardId: 'F', occurredAtMs: DAY2 + 4 * HOUR, score: 0.5 }),
    ];
    const knownSince = new Map([
      ['D', DAY1 - HOUR],
      ['C', DAY2 + HOUR],
    ]);

    expect(cardPrecisionPerDay(transactions, knownSince, 2)).toEqual([
      { day: '2026-01-05', cards: 4, fraud_cards: 2, known_cards_removed: 1, card_precision_at_k: 0.5, ceiling: 1 },
      { day: '2026-01-06', cards: 3, fraud_cards: 2, known_cards_removed: 0, card_precision_at_k: 0.5, ceiling: 1 },
    ]);
  });

  it('keeps a card whose label was reported exactly as the day began (known before, not at, the start)', () => {
    const [day] = cardPrecisionPerDay([aCardTransaction({ cardId: 'A', occurredAtMs: DAY1 + HOUR, fraud: true })], new Map([['A', DAY1]]), 1);
    expect(day).toMatchObject({ known_cards_removed: 0, fraud_cards: 1, card_precision_at_k: 1 });
  });

  it("caps the ceiling at the day's findable fraud cards over k, and breaks score ties by card id", () => {
    const transactions = [
      aCardTransaction({ cardId: 'b', occurredAtMs: DAY1 + HOUR, score: 0.5, fraud: true }),
      aCardTransaction({ cardId: 'a', occurredAtMs: DAY1 + HOUR, score: 0.5 }),
      aCardTransaction({ cardId: 'c', occurredAtMs: DAY1 + HOUR, score: 0.1 }),
    ];
    // k = 1: 'a' and 'b' tie, 'a' is taken: a miss, where a perfect ranking would have found 'b'.
    expect(cardPrecisionPerDay(transactions, new Map(), 1)).toEqual([
      { day: '2026-01-05', cards: 3, fraud_cards: 1, known_cards_removed: 0, card_precision_at_k: 0, ceiling: 1 },
    ]);
    // k = 100: the one fraud card is found, and 1/100 is all there was to find.
    expect(cardPrecisionPerDay(transactions, new Map(), 100)[0]).toMatchObject({ card_precision_at_k: 0.01, ceiling: 0.01 });
  });

  it('still gives the ceiling when nothing was scored', () => {
    const [day] = cardPrecisionPerDay([aCardTransaction({ cardId: 'A', score: null, fraud: true })], new Map(), 10);
    expect(day).toMatchObject({ card_precision_at_k: null, ceiling: 0.1 });
  });
});

describe('decision tallies', () => {
  const rules = [
    { id: 'deny-rule', action: 'deny' },
    { id: 'review-rule', action: 'review' },
    { id: 'flag-rule', action: 'flag' },
    { id: 'allow-rule', action: 'allow' },
    { id: 'silent-rule', action: 'review' },
  ] as const;
  const transactions = [
    aDecision({ outcome: 'deny', ruleHits: ['deny-rule', 'flag-rule'] }),
    aDecision({ outcome: 'review', ruleHits: ['review-rule', 'flag-rule'] }),
    aDecision({ outcome: 'deny', fraud: true, ruleHits: ['deny-rule'] }),
    aDecision({ outcome: 'approve', ruleHits: ['allow-rule'] }),
    aDecision({ outcome: 'approve', fraud: true }),
  ];

  it('splits every outcome by ground truth and gives review and deny rates over all transactions', () => {
    const tally = tallyDecisions(transactions, rules);
    expect(tally.decisions).toEqual({ approve: { fraud: 1, legit: 1 }, review: { fraud: 0, legit: 1 }, deny: { fraud: 1, legit: 1 } });
    expect(tally.review_rate).toBe(0.2);
    expect(tally.deny_rate).toBe(0.4);
  });

  it('gives each rule its precision and the share of good customers it denied or sent to review', () => {
    const { rules: figures } = tallyDecisions(transactions, rules);
    expect(figures['deny-rule']).toEqual({ action: 'deny', hits: 2, fraud_hits: 1, precision: 0.5, legit_review_rate: 0, legit_deny_rate: 1 / 3 });
    expect(figures['review-rule']).toEqual({ action: 'review', hits: 1, fraud_hits: 0, precision: 0, legit_review_rate: 1 / 3, legit_deny_rate: 0 });
    // The flag's hit on a transaction that a deny rule took is not one it sent to review.
    expect(figures['flag-rule']).toEqual({ action: 'flag', hits: 2, fraud_hits: 0, precision: 0, legit_review_rate: 1 / 3, legit_deny_rate: 0 });
    expect(figures['allow-rule']).toEqual({ action: 'allow', hits: 1, fraud_hits: 0, precision: 0, legit_review_rate: 0, legit_deny_rate: 0 });
    expect(figures['silent-rule']).toEqual({ action: 'review', hits: 0, fraud_hits: 0, precision: null, legit_review_rate: 0, legit_deny_rate: 0 });
  });
});

describe('the window metrics', () => {
  it('leaves the model figures null when no model scored the window, and still counts decisions and the ceiling', () => {
    const metrics = windowMetrics([aDecision({ score: null, fraud: true, outcome: 'review' }), aDecision({ score: null })], {
      rules: [],
      knownSince: new Map(),
      k: 100,
    });
    expect(metrics.model).toEqual({ auc_roc: null, average_precision: null, card_precision_at_k: null, card_precision_at_k_ceiling: 0.01 });
    expect(metrics.thresholds.every((t) => t.review_rate === null && t.precision === null && t.recall === null)).toBe(true);
    expect(metrics.pr_curve).toEqual([]);
    expect(metrics).toMatchObject({ transactions: 2, frauds: 1, review_rate: 0.5, deny_rate: 0 });
  });

  it('leaves card precision null when the window has no fraud to find', () => {
    const metrics = windowMetrics([aDecision({}), aDecision({})], { rules: [], knownSince: new Map(), k: 100 });
    expect(metrics.model).toEqual({ auc_roc: null, average_precision: null, card_precision_at_k: null, card_precision_at_k_ceiling: 0 });
  });

  it('averages card precision and its ceiling over the days', () => {
    const metrics = windowMetrics(
      [
        aDecision({ cardId: 'A', occurredAtMs: DAY1 + HOUR, score: 0.9, fraud: true }),
        aDecision({ cardId: 'B', occurredAtMs: DAY1 + HOUR, score: 0.1 }),
        aDecision({ cardId: 'A', occurredAtMs: DAY2 + HOUR, score: 0.2 }),
        aDecision({ cardId: 'B', occurredAtMs: DAY2 + HOUR, score: 0.8, fraud: true }),
        aDecision({ cardId: 'C', occurredAtMs: DAY2 + HOUR, score: 0.7, fraud: true }),
      ],
      { rules: [], knownSince: new Map(), k: 2 },
    );
    // Day 1: A found, 1/2, ceiling 1/2; day 2: B and C found, 2/2, ceiling 2/2.
    expect(metrics.model.card_precision_at_k).toBe(0.75);
    expect(metrics.model.card_precision_at_k_ceiling).toBe(0.75);
    expect(metrics.model.auc_roc).toBe(1);
    expect(metrics.model.average_precision).toBe(1);
  });
});
