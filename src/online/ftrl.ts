import { z } from 'zod';

/**
 * FTRL-Proximal logistic regression, the pure core of an online learner: McMahan et al. 2013,
 * "Ad Click Prediction: a View from the Trenches", Algorithm 1
 * (https://research.google.com/pubs/archive/41159.pdf). Per coordinate the state is the
 * accumulators z and n; weights are computed from them when needed, so the state is what a
 * store keeps and updates of different coordinates never depend on stored weights.
 *
 * The bias belongs to the learner: coordinate 0 of the state and of `weights()` is the bias,
 * coordinate i + 1 is input x[i]. Callers pass only their inputs, so no caller can forget the
 * constant 1. The bias is not regularised: L1 and L2 shrink a feature's effect towards none, but
 * a bias of 0 would mean a prior fraud rate of 50%, which is nothing to shrink towards.
 */

export interface FtrlParams {
  readonly alpha: number;
  readonly beta: number;
  readonly l1: number;
  readonly l2: number;
}

export const ftrlParamsSchema = z.strictObject({
  alpha: z.number().positive(),
  beta: z.number().nonnegative(),
  l1: z.number().nonnegative(),
  l2: z.number().nonnegative(),
}) satisfies z.ZodType<FtrlParams>;

// For ~50 non-zero inputs of order 1 per example plus a bias (src/online/online-input.ts has
// 100 coordinates, but each one-hot or hashed code sets one of its own). Every example moves
// all of those at once: early on a coordinate moves by up to about alpha per example, and 50 of
// them together by a logit of a few. alpha = 0.1, the paper's typical value, is what the
// prequential evaluation chose (models/evaluate/prequential.ts): 0.05 learnt a new fraud
// pattern too slowly, 0.2 and above cost the residual model on stationary history. beta = 1 is
// the paper's advice (it only tames the first steps, while n is tiny). FTRL's L1 acts on the summed gradient, so l1 = 1 keeps a weight at
// exactly 0 until its gradients agree by more than one example's worth: one label of weight 1
// on an input of size <= 1 (|g| = |p - y| |x| < 1) cannot switch a coordinate on. It does not
// keep noise at 0 for ever (a noise gradient's sum wanders like sqrt(examples)); it delays it
// until there is evidence. l2 = 1 is a mild ridge next to (beta + sqrt n) / alpha >= 10, which
// only bites on coordinates with large z and little n.
export const DEFAULT_FTRL: FtrlParams = Object.freeze({ alpha: 0.1, beta: 1, l1: 1, l2: 1 });

/**
 * Float64Array rather than number[]: fixed length, no holes, and a stored double reads back
 * bit for bit. `toPlainState` and `ftrlStateSchema` are the conversion to and from plain arrays
 * (JSON, Redis) - JSON.stringify would write a typed array as an object.
 */
export interface FtrlState {
  readonly z: Float64Array;
  /** Sum of squared gradients per coordinate: never decreases. */
  readonly n: Float64Array;
}

/** A learner that has seen nothing, for `inputs` inputs (plus the bias). */
export function emptyState(inputs: number): FtrlState {
  if (!Number.isSafeInteger(inputs) || inputs < 0) throw new RangeError(`an FTRL learner needs a whole number of inputs, not ${inputs}`);
  return { z: new Float64Array(inputs + 1), n: new Float64Array(inputs + 1) };
}

export const inputCount = (state: FtrlState): number => state.z.length - 1;

/** The state as plain arrays of numbers, for JSON or a Redis hash; `ftrlStateSchema` reads it back. */
export const toPlainState = (state: FtrlState): { z: number[]; n: number[] } => ({ z: Array.from(state.z), n: Array.from(state.n) });

export const ftrlStateSchema = z
  .object({ z: z.array(z.number()).min(1), n: z.array(z.number().nonnegative()).min(1) })
  .refine((s) => s.z.length === s.n.length, 'z and n must have one entry per coordinate')
  .transform((s): FtrlState => ({ z: Float64Array.from(s.z), n: Float64Array.from(s.n) }));

/** The weight vector (bias first), lazily from z and n: McMahan et al.'s closed form, per coordinate. */
export function weights(state: FtrlState, params: FtrlParams): Float64Array {
  const w = new Float64Array(state.z.length);
  for (let i = 0; i < w.length; i++) w[i] = weightOf(state.z[i] ?? 0, state.n[i] ?? 0, params, i === 0);
  return w;
}

function weightOf(z: number, n: number, params: FtrlParams, bias: boolean): number {
  const l1 = bias ? 0 : params.l1;
  const l2 = bias ? 0 : params.l2;
  if (Math.abs(z) <= l1) return 0;
  const denominator = (params.beta + Math.sqrt(n)) / params.alpha + l2;
  // Only beta = 0 with l2 = 0 on a coordinate that never had a gradient (so z = 0) gets here.
  if (denominator <= 0) return 0;
  return -(z - Math.sign(z) * l1) / denominator;
}

// sigmoid(35) is 1 - 6e-16, still below 1 in a double; the log loss of a wrong 1e-15 is 35.
const LOGIT_LIMIT = 35;

export const sigmoid = (logit: number): number => 1 / (1 + Math.exp(-logit));

/**
 * The fraud probability for inputs x under weights w (bias first): strictly between 0 and 1.
 * `offset` is a logit added before the sigmoid, for a learner of corrections on top of another
 * model's score (a residual model: with all weights 0 it predicts the offset's own probability).
 * A NaN logit (only a NaN or +Inf - Inf in x can make one; `toOnlineInput` never does) scores
 * 0.5, the uninformed score, rather than a NaN that every threshold comparison would call false.
 */
export function predict(w: ArrayLike<number>, x: ArrayLike<number>, offset = 0): number {
  if (w.length !== x.length + 1) throw new RangeError(`${x.length} inputs for ${w.length - 1} weights (plus bias)`);
  let logit = offset + (w[0] ?? 0);
  for (let i = 0; i < x.length; i++) {
    const wi = w[i + 1] ?? 0;
    // A zero weight adds nothing, also for an infinite input (where 0 * Infinity would be NaN).
    if (wi !== 0) logit += wi * (x[i] ?? 0);
  }
  if (Number.isNaN(logit)) return 0.5;
  return sigmoid(Math.min(LOGIT_LIMIT, Math.max(-LOGIT_LIMIT, logit)));
}

/** Log loss of probability p for label y, with p kept 1e-15 from 0 and 1. */
export function logLoss(p: number, y: 0 | 1): number {
  const q = Math.min(1 - 1e-15, Math.max(1e-15, p));
  return y === 1 ? -Math.log(q) : -Math.log(1 - q);
}

/**
 * The state after one example with label y (1 fraud, 0 legitimate), leaving `state` as it was.
 *
 * `weight` is an importance weight, treated as that many copies of the example seen at once: the
 * gradient is scaled by it (g = weight (p - y) x) and n grows by |weight| (p - y)^2 x^2, which is
 * what `weight` copies would add. So negatives kept with probability r and weighted 1 / r give,
 * in expectation, the z and n that every negative would have given. (Squaring the scaled
 * gradient, n += weight^2 ..., would make n 1 / r times the unsampled stream's and every
 * learning rate sqrt(r) times smaller.) Exactly, from the same state: weight k adds k times the
 * weight-1 gradient to z (plus the proximal term, whose sigma grows with sqrt of the increment)
 * and exactly k times its square to n; k weight-1 updates differ in that each sees the
 * prediction the previous one left.
 *
 * A negative weight is the approximate undo, for a label that turns out wrong: the gradient
 * changes sign, n still grows by |weight| (...)^2. It is only approximate because (1) the
 * gradient is taken at today's prediction, which the first update already moved towards y, so
 * the undo takes back less than was added; (2) n cannot shrink - n only ever grows, which keeps
 * every proximal term (sigma >= 0) convex, and removing the original update's share would need
 * its gradient, which is not stored - so the coordinates keep the lower learning rate of having
 * seen two examples; (3) the proximal terms the first update added to z stay. To correct a
 * label, undo it (weight -1, the old label) and learn the new one (weight 1, the new label).
 */
export function update(state: FtrlState, params: FtrlParams, x: ArrayLike<number>, y: 0 | 1, weight = 1, offset = 0): FtrlState {
  const next = { z: Float64Array.from(state.z), n: Float64Array.from(state.n) };
  learn(next, params, x, y, weight, offset);
  return next;
}

/** Algorithm 1's inner loop on `state`'s own arrays; callers pass copies. */
function learn(state: FtrlState, params: FtrlParams, x: ArrayLike<number>, y: 0 | 1, weight: number, offset: number): void {
  if (x.length !== inputCount(state)) throw new RangeError(`${x.length} inputs for a learner of ${inputCount(state)}`);
  // A NaN or an infinity here would be in z and n for good, and in every later prediction.
  if (!Number.isFinite(weight)) throw new RangeError(`an importance weight must be finite, not ${weight}`);
  if (!Number.isFinite(offset)) throw new RangeError(`an offset must be a finite logit, not ${offset}`);
  for (let i = 0; i < x.length; i++) if (!Number.isFinite(x[i])) throw new RangeError(`input ${i} is ${x[i]}, not a finite number`);
  const w = weights(state, params);
  const residual = predict(w, x, offset) - y;
  for (let i = 0; i < w.length; i++) {
    const xi = i === 0 ? 1 : (x[i - 1] ?? 0);
    if (xi === 0) continue;
    const g = residual * xi;
    const n = state.n[i] ?? 0;
    const dn = Math.abs(weight) * g * g;
    const sigma = (Math.sqrt(n + dn) - Math.sqrt(n)) / params.alpha;
    state.z[i] = (state.z[i] ?? 0) + weight * g - sigma * (w[i] ?? 0);
    state.n[i] = n + dn;
  }
}

export interface Example {
  readonly x: ArrayLike<number>;
  readonly y: 0 | 1;
  /** Importance weight, 1 if absent; see `update`. */
  readonly weight?: number;
  /** Logit added before the sigmoid, 0 if absent; see `predict`. */
  readonly offset?: number;
}

export interface BatchResult {
  readonly state: FtrlState;
  /** L2 norm of the change in weights (bias included) that the returned state makes. */
  readonly step: number;
  /** Whether the batch was scaled down to keep `step` within maxStep. */
  readonly clipped: boolean;
}

// Halvings of the scale: 2^-40 of a batch is below any step anyone would notice.
const BISECTIONS = 40;

/**
 * Learns from `examples` in order, then bounds how far the batch moved the weights: when the L2
 * norm of w_after - w_before exceeds maxStep, the batch's increments of z AND n are both scaled
 * by the largest s in [0, 1] (found by bisection) that keeps the move within maxStep. Scaling
 * both is, to first order, the batch learnt with every importance weight times s (z and n grow
 * linearly in the weights, see `update`). Scaling z alone cannot bound the move: a flood of
 * examples grows n, and a larger n shrinks every weight towards 0 by itself.
 *
 * The bound holds whatever the batch: the weights are continuous in (z, n), s = 0 is the
 * state before (a move of 0), and the bisection only ever keeps an s whose move it measured
 * within maxStep, so a batch of wrong labels of any size moves the weights by at most maxStep.
 */
export function updateBatch(state: FtrlState, params: FtrlParams, examples: readonly Example[], maxStep: number): BatchResult {
  if (!(maxStep >= 0)) throw new RangeError(`maxStep must be a number >= 0, not ${maxStep}`);
  const after = { z: Float64Array.from(state.z), n: Float64Array.from(state.n) };
  for (const example of examples) learn(after, params, example.x, example.y, example.weight ?? 1, example.offset ?? 0);
  const before = weights(state, params);
  const full = distance(weights(after, params), before);
  if (full <= maxStep) return { state: after, step: full, clipped: false };

  let kept: BatchResult = { state: { z: Float64Array.from(state.z), n: Float64Array.from(state.n) }, step: 0, clipped: true };
  let lo = 0;
  let hi = 1;
  for (let i = 0; i < BISECTIONS; i++) {
    const s = (lo + hi) / 2;
    const candidate = between(state, after, s);
    const step = distance(weights(candidate, params), before);
    if (step <= maxStep) {
      lo = s;
      kept = { state: candidate, step, clipped: true };
    } else {
      hi = s;
    }
  }
  return kept;
}

function between(from: FtrlState, to: FtrlState, s: number): FtrlState {
  const z = new Float64Array(from.z.length);
  const n = new Float64Array(from.n.length);
  for (let i = 0; i < z.length; i++) {
    const z0 = from.z[i] ?? 0;
    const n0 = from.n[i] ?? 0;
    z[i] = z0 + s * ((to.z[i] ?? 0) - z0);
    n[i] = n0 + s * ((to.n[i] ?? 0) - n0);
  }
  return { z, n };
}

function distance(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += ((a[i] ?? 0) - (b[i] ?? 0)) ** 2;
  return Math.sqrt(sum);
}
