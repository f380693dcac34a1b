import { createHash } from 'node:crypto';
import { z } from 'zod';
import { FEATURE_NAMES } from '../model/feature-catalogue';
import { updateBatch, type Example, type FtrlParams, type FtrlState } from './ftrl';
import { residualOffset, type Combination } from './combine';
import { onlineInputBuilder, onlineInputNames } from './online-input';
import { verdictChange, type Verdict } from './verdicts';

/**
 * The online learner's state as it is stored and shared, and how one label batch changes it.
 * Pure: the Redis adapter (online.store.ts) reads and writes these values, nothing here
 * touches I/O.
 */

/**
 * Names the input layout the state was learnt under: coordinate i of z and n means input i of
 * `onlineInputNames()`. A state under another layout (a catalogue or encoding change) would
 * give every weight another meaning, so it is refused rather than read.
 */
const INPUTS_DIGEST = createHash('sha1').update(JSON.stringify(onlineInputNames())).digest('hex').slice(0, 12);

/**
 * The layout under a combination: a residual learner's weights are corrections on the base
 * log-odds, a blend's learner stands alone, so the same z and n mean different things.
 */
export const onlineLayout = (combination: Combination): string => `${INPUTS_DIGEST}-${combination}`;

export interface OnlineState {
  /** Bumped by every change; 0 before the first. */
  readonly version: number;
  readonly ftrl: FtrlState;
  /** Examples learnt per class, net of corrections: the warm-up counts these. */
  readonly positives: number;
  readonly negatives: number;
  /** When the state last changed (ISO), null before the first change. */
  readonly updatedAt: string | null;
}

/** Float64 arrays as base64 of their bytes: exact, and 1,080 characters for 101 coordinates. */
export const encodeFloats = (values: Float64Array): string => Buffer.from(values.buffer, values.byteOffset, values.byteLength).toString('base64');

export function decodeFloats(text: string, length: number): Float64Array | null {
  const bytes = Buffer.from(text, 'base64');
  if (bytes.length !== length * 8) return null;
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = bytes.readDoubleLE(i * 8);
  return out;
}

/** The state of a learner that has seen nothing. */
export function emptyOnlineState(version = 0): OnlineState {
  const size = onlineInputNames().length + 1;
  return { version, ftrl: { z: new Float64Array(size), n: new Float64Array(size) }, positives: 0, negatives: 0, updatedAt: null };
}

const storedStateSchema = z.object({
  v: z.coerce.number().int().nonnegative(),
  layout: z.string(),
  z: z.string(),
  n: z.string(),
  pos: z.coerce.number(),
  neg: z.coerce.number(),
  updatedAt: z.string().optional(),
});

export type StateRead = { readonly kind: 'ok'; readonly state: OnlineState } | { readonly kind: 'refused'; readonly why: string };

/** A stored hash (HGETALL) as a state; an empty hash is the empty state; anything else that does not read is refused, never guessed. */
export function readStoredState(hash: Record<string, string>, layout: string): StateRead {
  if (Object.keys(hash).length === 0) return { kind: 'ok', state: emptyOnlineState() };
  const parsed = storedStateSchema.safeParse(hash);
  if (!parsed.success)
    return {
      kind: 'refused',
      why: `the stored online model does not parse: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    };
  const s = parsed.data;
  if (s.layout !== layout)
    return {
      kind: 'refused',
      why: `the stored online model has layout ${s.layout}, this instance ${layout} (another input encoding or ONLINE_COMBINATION; reset it: POST /v1/online/reset)`,
    };
  const size = onlineInputNames().length + 1;
  const zs = decodeFloats(s.z, size);
  const ns = decodeFloats(s.n, size);
  if (zs === null || ns === null || ![...zs, ...ns].every(Number.isFinite) || ns.some((n) => n < 0))
    return { kind: 'refused', why: "the stored online model's z or n is not a finite vector of the layout's size" };
  return { kind: 'ok', state: { version: s.v, ftrl: { z: zs, n: ns }, positives: s.pos, negatives: s.neg, updatedAt: s.updatedAt ?? null } };
}

/** The hash fields of a state (its version is the store's to set). */
export function storedFields(state: OnlineState, layout: string): Record<string, string> {
  return {
    layout,
    z: encodeFloats(state.ftrl.z),
    n: encodeFloats(state.ftrl.n),
    pos: String(state.positives),
    neg: String(state.negatives),
    updatedAt: state.updatedAt ?? '',
  };
}

/**
 * A decision's model input as it was at decision time, kept for the labels to come: the
 * catalogue row (every feature, float32 as the models see them), the base model's score then
 * (the residual learner's offset; null without a base model), when it was decided, and the
 * importance weight its examples carry (combine.ts `rowWeight`).
 */
export interface KeptRow {
  readonly row: Float32Array;
  readonly base: number | null;
  readonly decidedAtMs: number;
  readonly weight: number;
}

const keptRowSchema = z.object({ x: z.string(), b: z.number().min(0).max(1).nullable(), t: z.number().int(), w: z.number().positive() });

/** About 330 bytes: the 45 features as float32 in base64 (240 characters) and three numbers. */
export function encodeRow(kept: KeptRow): string {
  return JSON.stringify({
    x: Buffer.from(kept.row.buffer, kept.row.byteOffset, kept.row.byteLength).toString('base64'),
    b: kept.base,
    t: kept.decidedAtMs,
    w: kept.weight,
  });
}

export function decodeRow(text: unknown): KeptRow | null {
  if (typeof text !== 'string') return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  const parsed = keptRowSchema.safeParse(value);
  if (!parsed.success) return null;
  const bytes = Buffer.from(parsed.data.x, 'base64');
  if (bytes.length !== FEATURE_NAMES.length * 4) return null;
  const row = new Float32Array(FEATURE_NAMES.length);
  for (let i = 0; i < row.length; i++) row[i] = bytes.readFloatLE(i * 4);
  return { row, base: parsed.data.b, decidedAtMs: parsed.data.t, weight: parsed.data.w };
}

const toInput = onlineInputBuilder(FEATURE_NAMES);

/** The learner's input for a catalogue row (`featureVector` output). */
export const onlineInputOf = (row: ArrayLike<number>): Float64Array => toInput(row);

/**
 * Who a label came from, as far as the step bound goes: the labels feed (chargebacks, fraud
 * reports; any `source` but "analyst") or analysts' verdicts (the console's `source: "analyst"`).
 * Each class's share of a batch is bounded on its own, so a flood from one cannot move the model
 * by more than ONLINE_MAX_STEP whatever the other says; two classes, not one per `source` value,
 * so that a producer writing a new value per label cannot multiply the bound.
 */
export type LabelSource = 'feed' | 'analyst';
export const LABEL_SOURCES: readonly LabelSource[] = ['feed', 'analyst'];
export const labelSourceOf = (source: string | undefined): LabelSource => (source === 'analyst' ? 'analyst' : 'feed');

export interface Teaching {
  /** Whose label this is (matured negatives count as the feed's); default feed. */
  readonly source?: LabelSource;
  readonly row: KeptRow;
  /** What the transaction counts as now; null when nothing was learnt from it yet. */
  readonly previous: Verdict | null;
  readonly next: Verdict;
}

export interface Taught {
  readonly state: OnlineState;
  /** Per teaching, what the transaction counts as afterwards; null where nothing changed. */
  readonly verdicts: readonly (Verdict | null)[];
  /** Whether the weights moved at all, and whether the maxStep bound scaled the batch down. */
  readonly changed: boolean;
  readonly clipped: boolean;
}

/**
 * One label batch learnt: each teaching's examples (verdicts.ts), on the row as it was at
 * decision time with the base score as offset (`residual`) or none, then one `updateBatch`
 * bounded by maxStep. The version is left as it was: the store bumps it when it writes.
 */
export function teach(state: OnlineState, params: FtrlParams, maxStep: number, residual: boolean, teachings: readonly Teaching[], now: Date): Taught {
  const bySource = new Map<LabelSource, Example[]>(LABEL_SOURCES.map((source) => [source, []]));
  let { positives, negatives } = state;
  const verdicts = teachings.map(({ source = 'feed', row, previous, next }) => {
    const change = verdictChange(previous, next);
    if (change.steps.length === 0) return null;
    const x = onlineInputOf(row.row);
    const offset = residual ? residualOffset(row.base) : 0;
    const examples = bySource.get(source) ?? [];
    for (const step of change.steps) {
      examples.push({ x, y: step.y, weight: step.sign * row.weight, offset });
      if (step.y === 1) positives += step.sign;
      else negatives += step.sign;
    }
    return change.verdict;
  });
  if (![...bySource.values()].some((examples) => examples.length > 0)) return { state, verdicts, changed: false, clipped: false };
  let ftrl = state.ftrl;
  let clipped = false;
  for (const source of LABEL_SOURCES) {
    const examples = bySource.get(source) ?? [];
    if (examples.length === 0) continue;
    const result = updateBatch(ftrl, params, examples, maxStep);
    ftrl = result.state;
    clipped ||= result.clipped;
  }
  return { state: { ...state, ftrl, positives, negatives, updatedAt: now.toISOString() }, verdicts, changed: true, clipped };
}
