import { aucRoc } from '../../models/evaluate/metrics';
import {
  DEFAULT_FTRL,
  emptyState,
  ftrlParamsSchema,
  ftrlStateSchema,
  logLoss,
  predict,
  toPlainState,
  update,
  updateBatch,
  weights,
  type Example,
  type FtrlParams,
  type FtrlState,
} from './ftrl';

/** mulberry32 (https://gist.github.com/tommyettinger/46a874533244883189143505d203312c): a seed names a stream that can be run again. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const INPUTS = 8;

/** Eight standard-normal inputs; fraud depends on the first two only (logit -3 + 3 x0 - 3 x1), about a quarter of examples. */
function stream(seed: number, count: number): Example[] {
  const random = mulberry32(seed);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  return Array.from({ length: count }, () => {
    const x = Array.from({ length: INPUTS }, normal);
    const p = 1 / (1 + Math.exp(-(-3 + 3 * x[0]! - 3 * x[1]!)));
    return { x, y: random() < p ? 1 : 0 };
  });
}

const learnAll = (params: FtrlParams, examples: readonly Example[], from: FtrlState = emptyState(INPUTS)) =>
  examples.reduce((state, e) => update(state, params, e.x, e.y, e.weight), from);

const meanLogLoss = (score: (x: ArrayLike<number>) => number, examples: readonly Example[]) =>
  examples.reduce((sum, e) => sum + logLoss(score(e.x), e.y), 0) / examples.length;

const auc = (w: Float64Array, examples: readonly Example[]) => aucRoc(examples.map((e) => ({ score: predict(w, e.x), fraud: e.y === 1 })));

const distance = (a: Float64Array, b: Float64Array) => Math.hypot(...a.map((v, i) => v - b[i]!));

const copy = (state: FtrlState): FtrlState => ({ z: Float64Array.from(state.z), n: Float64Array.from(state.n) });

describe('FTRL-Proximal logistic regression', () => {
  const examples = stream(11, 8000);
  const train = examples.slice(0, 6000);
  const heldOut = examples.slice(6000);
  const trained = learnAll(DEFAULT_FTRL, train);

  it("learns a stream where fraud depends on two of eight inputs: held-out log loss far below the base rate's, AUC above 0.9", () => {
    const w = weights(trained, DEFAULT_FTRL);
    const baseRate = heldOut.filter((e) => e.y === 1).length / heldOut.length;
    const learnt = meanLogLoss((x) => predict(w, x), heldOut);
    const base = meanLogLoss(() => baseRate, heldOut);
    expect(learnt).toBeLessThan(0.6 * base);
    expect(auc(w, heldOut)).toBeGreaterThan(0.9);
    expect(w[1]).toBeGreaterThan(0.5);
    expect(w[2]).toBeLessThan(-0.5);
  });

  it('keeps the weights of pure-noise inputs at exactly 0 under an L1 sized for the stream, and still learns the signal', () => {
    // FTRL's L1 acts on the summed gradient; a noise input's sum wanders like sqrt(examples): tens here.
    const sparse: FtrlParams = { ...DEFAULT_FTRL, l1: 60 };
    const w = weights(learnAll(sparse, train), sparse);
    expect(Array.from(w.slice(3))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(auc(w, heldOut)).toBeGreaterThan(0.9);

    const dense: FtrlParams = { ...DEFAULT_FTRL, l1: 0 };
    expect(Array.from(weights(learnAll(dense, train), dense).slice(3)).filter((v) => v !== 0)).toHaveLength(6);
  });

  it('learns the base rate through the bias, which not even a huge L1 holds at 0', () => {
    const random = mulberry32(5);
    const params: FtrlParams = { ...DEFAULT_FTRL, l1: 10_000 };
    const inputs = [0, 0];
    let state = emptyState(inputs.length);
    for (let i = 0; i < 20_000; i++) state = update(state, params, inputs, random() < 0.1 ? 1 : 0);
    expect(predict(weights(state, params), inputs)).toBeCloseTo(0.1, 1);
  });

  it('leaves the state it is given as it was', () => {
    const before = copy(trained);
    update(trained, DEFAULT_FTRL, heldOut[0]!.x, 1, 3);
    updateBatch(trained, DEFAULT_FTRL, heldOut.slice(0, 100), 0.01);
    expect(trained).toEqual(before);
  });

  it('gives a weight-2 update exactly twice the weight-1 gradient in z and twice its square in n', () => {
    const { x } = heldOut[0]!;
    const empty = emptyState(INPUTS);
    const once = update(empty, DEFAULT_FTRL, x, 1);
    const twice = update(empty, DEFAULT_FTRL, x, 1, 2);
    expect(Array.from(twice.z)).toEqual(Array.from(once.z, (v) => 2 * v));
    expect(Array.from(twice.n)).toEqual(Array.from(once.n, (v) => 2 * v));
  });

  it("grows n by twice a weight-1 update's squared gradient on a weight-2 update from a trained state, as two copies would", () => {
    const { x } = heldOut[0]!;
    const once = update(trained, DEFAULT_FTRL, x, 1);
    const twice = update(trained, DEFAULT_FTRL, x, 1, 2);
    twice.n.forEach((n, i) => {
      expect(n - trained.n[i]!).toBeCloseTo(2 * (once.n[i]! - trained.n[i]!), 9);
    });
  });

  it('moves a trained prediction the same way and nearly as far with one weight-2 update as with two weight-1 updates', () => {
    const { x } = heldOut.find((e) => e.y === 1)!;
    const p0 = predict(weights(trained, DEFAULT_FTRL), x);
    const one = predict(weights(update(trained, DEFAULT_FTRL, x, 0), DEFAULT_FTRL), x);
    const two = predict(weights(update(update(trained, DEFAULT_FTRL, x, 0), DEFAULT_FTRL, x, 0), DEFAULT_FTRL), x);
    const weighted = predict(weights(update(trained, DEFAULT_FTRL, x, 0, 2), DEFAULT_FTRL), x);
    expect(one).toBeLessThan(p0);
    expect(weighted).toBeLessThan(one);
    expect(Math.abs(weighted - two)).toBeLessThan(0.1 * (p0 - two));
  });

  it('moves a prediction back towards where it was on a correction (a negative weight), without lowering n', () => {
    const { x } = heldOut.find((e) => e.y === 1)!;
    const p0 = predict(weights(trained, DEFAULT_FTRL), x);
    const wrong = update(trained, DEFAULT_FTRL, x, 0, 5);
    const corrected = update(wrong, DEFAULT_FTRL, x, 0, -5);
    const pWrong = predict(weights(wrong, DEFAULT_FTRL), x);
    const pCorrected = predict(weights(corrected, DEFAULT_FTRL), x);
    expect(pWrong).toBeLessThan(p0 - 0.01);
    expect(Math.abs(pCorrected - p0)).toBeLessThan(0.2 * (p0 - pWrong));
    expect(Array.from(corrected.n).every((n, i) => n >= wrong.n[i]!)).toBe(true);
  });

  it("learns residuals on an offset: starting from the offset's own probability, it learns only what the offset gets wrong", () => {
    // The offset knows x0 (3 x0 of the true logit -3 + 3 x0 - 3 x1) and nothing of x1.
    const offsetOf = (x: ArrayLike<number>) => -3 + 3 * (x[0] ?? 0);
    const fresh = emptyState(INPUTS);
    const { x } = heldOut[0]!;
    expect(predict(weights(fresh, DEFAULT_FTRL), x, offsetOf(x))).toBeCloseTo(1 / (1 + Math.exp(-offsetOf(x))), 12);

    const residual = updateBatch(
      fresh,
      DEFAULT_FTRL,
      train.map((e) => ({ ...e, offset: offsetOf(e.x) })),
      Infinity,
    ).state;
    const w = weights(residual, DEFAULT_FTRL);
    // x1's weight carries what the offset lacks; x0's stays small, the offset already has it.
    expect(w[2]!).toBeLessThan(-1.5);
    expect(Math.abs(w[1]!)).toBeLessThan(0.5 * Math.abs(w[2]!));
    const aucWith = aucRoc(heldOut.map((e) => ({ score: predict(w, e.x, offsetOf(e.x)), fraud: e.y === 1 })));
    const aucOffset = aucRoc(heldOut.map((e) => ({ score: offsetOf(e.x), fraud: e.y === 1 })));
    expect(aucWith).toBeGreaterThan((aucOffset ?? 1) + 0.05);
  });

  it('moves the weights by at most maxStep under a batch of 10,000 wrong labels, and the model still ranks frauds first', () => {
    const flood: Example[] = Array.from({ length: 10_000 }, (_, i) => {
      const e = train[i % train.length]!;
      return { x: e.x, y: e.y === 1 ? 0 : 1 };
    });
    const before = weights(trained, DEFAULT_FTRL);
    const unbounded = updateBatch(trained, DEFAULT_FTRL, flood, Infinity);
    expect(unbounded.step).toBeGreaterThan(2);

    const bounded = updateBatch(trained, DEFAULT_FTRL, flood, 0.5);
    const after = weights(bounded.state, DEFAULT_FTRL);
    expect(bounded.clipped).toBe(true);
    expect(distance(after, before)).toBeLessThanOrEqual(0.5);
    expect(bounded.step).toBeCloseTo(distance(after, before), 12);
    expect(bounded.step).toBeGreaterThan(0.49);
    expect(auc(after, heldOut)).toBeGreaterThan(0.9);
  });

  it('applies a batch within maxStep unchanged: the same state as its updates one at a time', () => {
    const batch = heldOut.slice(0, 200);
    const result = updateBatch(trained, DEFAULT_FTRL, batch, 10);
    expect(result.clipped).toBe(false);
    expect(result.state).toEqual(learnAll(DEFAULT_FTRL, batch, trained));
    expect(result.step).toBeCloseTo(distance(weights(result.state, DEFAULT_FTRL), weights(trained, DEFAULT_FTRL)), 12);
  });

  it('never predicts NaN, 0 or 1, however extreme the inputs', () => {
    const w = weights(trained, DEFAULT_FTRL);
    const extremes = [1e300, -1e300, Number.MAX_VALUE, -Number.MAX_VALUE, Infinity, -Infinity, Number.NaN, 0];
    for (const a of extremes) {
      for (const b of extremes) {
        const p = predict(w, [a, b, a, b, a, b, a, b]);
        expect(p).toBeGreaterThan(0);
        expect(p).toBeLessThan(1);
      }
    }
    expect(logLoss(predict(w, [1e300, -1e300, 0, 0, 0, 0, 0, 0]), 0)).toBeLessThan(40);
  });

  it('refuses an example that would put a NaN or infinity into the state, or has the wrong number of inputs', () => {
    const x = heldOut[0]!.x;
    expect(() => update(trained, DEFAULT_FTRL, [Number.NaN, ...Array.from(x).slice(1)], 1)).toThrow(RangeError);
    expect(() => update(trained, DEFAULT_FTRL, [Infinity, ...Array.from(x).slice(1)], 1)).toThrow(RangeError);
    expect(() => update(trained, DEFAULT_FTRL, x, 1, Number.NaN)).toThrow(RangeError);
    expect(() => update(trained, DEFAULT_FTRL, [1, 2], 1)).toThrow(RangeError);
    expect(() => predict(weights(trained, DEFAULT_FTRL), [1, 2])).toThrow(RangeError);
  });

  it('reads back, from JSON of plain arrays, a state that predicts exactly as before', () => {
    const read = ftrlStateSchema.parse(JSON.parse(JSON.stringify(toPlainState(trained))));
    expect(read).toEqual(trained);
    expect(heldOut.slice(0, 50).map((e) => predict(weights(read, DEFAULT_FTRL), e.x))).toEqual(
      heldOut.slice(0, 50).map((e) => predict(weights(trained, DEFAULT_FTRL), e.x)),
    );
    expect(ftrlStateSchema.safeParse({ z: [0, 1], n: [0] }).success).toBe(false);
    expect(ftrlStateSchema.safeParse({ z: [0, 1], n: [0, -1] }).success).toBe(false);
  });

  it('accepts the defaults and refuses a zero alpha, a negative l1 or a misspelt key', () => {
    expect(ftrlParamsSchema.parse(DEFAULT_FTRL)).toEqual(DEFAULT_FTRL);
    expect(ftrlParamsSchema.safeParse({ ...DEFAULT_FTRL, alpha: 0 }).success).toBe(false);
    expect(ftrlParamsSchema.safeParse({ ...DEFAULT_FTRL, l1: -1 }).success).toBe(false);
    expect(ftrlParamsSchema.safeParse({ ...DEFAULT_FTRL, lambda1: 1 }).success).toBe(false);
  });
});
