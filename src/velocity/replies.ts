import { z } from 'zod';

/**
 * What the velocity scripts return, named once. Each script's `return { ... }` is generated
 * from these lists when it is installed (`luaReturn`), and its reply is read back into an
 * object by the same list (`replySchema`): a field is never matched by position by hand, and a
 * name the script does not define fails every call (a Lua nil ends the reply early) instead of
 * shifting the fields after it.
 */

const int = z.number().int();
/** An amount sum in thousandths, sent as a string (see card.lua's int()). */
const milli = z.coerce.number();
/** A number, or '' for none. */
const optional = z.union([z.literal(''), z.coerce.number()]).transform((v) => (v === '' ? null : v));
const bit = z.union([z.literal(0), z.literal(1)]);

interface Field<S extends z.ZodType> {
  /** The Lua expression returned. */
  readonly lua: string;
  readonly schema: S;
}
const field = <S extends z.ZodType>(lua: string, schema: S): Field<S> => ({ lua, schema });

export const CARD_REPLY = {
  duplicate: field('duplicate', bit),
  count1m: field('c1m', int),
  sum1m: field('int(s1m)', milli),
  count1h: field('c1h', int),
  sum1h: field('int(s1h)', milli),
  count24h: field('c24', int),
  sum24h: field('int(s24)', milli),
  zeroAmount24h: field('z24', int),
  count7d: field('c7', int),
  sum7d: field('int(s7)', milli),
  count30d: field('c30', int),
  sum30d: field('int(s30)', milli),
  countDelayed30d: field('cDelayed30', int),
  prevT: field('prevT', optional),
  prevLocT: field('prevLocT', optional),
  prevLat: field('prevLat', optional),
  prevLon: field('prevLon', optional),
  deviceSeen: field('deviceSeen', z.union([z.literal(-1), z.literal(0), z.literal(1)])),
  merchantSeen: field('merchantSeen', bit),
  frauds7d: field('fraud7', int),
  frauds30d: field('fraud30', int),
  fraudsDelayed30d: field('fraudDelayed30', int),
  fraudsKnown: field('fraudKnown', int),
};

export const MERCHANT_REPLY = {
  duplicate: field('1 - added', bit),
  count1h: field('c1h', int),
  count24h: field('c24h', int),
  count7d: field('c7d', int),
  count30d: field('c30d', int),
  countDelayed1d: field('cDelayed1', int),
  countDelayed7d: field('cDelayed7', int),
  countDelayed30d: field('cDelayed30', int),
  frauds7d: field('fraud7', int),
  frauds30d: field('fraud30', int),
  fraudsDelayed1d: field('fraudDelayed1', int),
  fraudsDelayed7d: field('fraudDelayed7', int),
  fraudsDelayed30d: field('fraudDelayed30', int),
};

type Reply = Record<string, Field<z.ZodType>>;
export type Parsed<R extends Reply> = { readonly [K in keyof R]: z.output<R[K]['schema']> };

/** The script's last line: its fields in the list's order. */
export function luaReturn(reply: Reply): string {
  return `return { ${Object.values(reply)
    .map((f) => f.lua)
    .join(', ')} }`;
}

/** Reads a script's reply into an object named by the list. */
export function replySchema<R extends Reply>(reply: R): z.ZodType<Parsed<R>> {
  const names = Object.keys(reply);
  const tuple = z.array(z.unknown()).length(names.length, `expected the ${String(names.length)} fields ${names.join(', ')}`);
  const shape = z.object(Object.fromEntries(names.map((name) => [name, reply[name]?.schema ?? z.never()])));
  return tuple.transform((values) => Object.fromEntries(names.map((name, i) => [name, values[i]]))).pipe(shape) as unknown as z.ZodType<Parsed<R>>;
}
