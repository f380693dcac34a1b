/**
 * Just enough PromQL structure to take an alert expression apart: operators are found at the
 * top level only, outside parentheses, brackets, braces and strings.
 */

const SET_OPERATORS = ['and', 'or', 'unless'] as const;
const COMPARISONS = ['==', '!=', '>=', '<=', '>', '<'] as const;
const NUMBER = /^[-+]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?$/i;
const IDENTIFIER = /[A-Za-z0-9_:]/;

interface TopLevelOperator {
  readonly operator: string;
  readonly at: number;
}

/** The binary operators outside any parentheses, brackets, braces or string, in order. */
function topLevelOperators(expr: string): TopLevelOperator[] {
  const found: TopLevelOperator[] = [];
  let depth = 0;
  let quote: string | null = null;
  for (let i = 0; i < expr.length; i++) {
    const c = expr.charAt(i);
    if (quote !== null) {
      if (c === '\\' && quote !== '`') i++;
      else if (c === quote) quote = null;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === '#') {
      const end = expr.indexOf('\n', i);
      i = end === -1 ? expr.length : end;
    } else if (depth === 0) {
      const comparison = COMPARISONS.find((op) => expr.startsWith(op, i));
      // `=~` and `!~` only occur inside braces; a lone `=` is not an operator.
      if (comparison !== undefined) {
        found.push({ operator: comparison, at: i });
        i += comparison.length - 1;
        continue;
      }
      const word = SET_OPERATORS.find((op) => expr.startsWith(op, i) && !IDENTIFIER.test(expr.charAt(i - 1)) && !IDENTIFIER.test(expr.charAt(i + op.length)));
      if (word !== undefined) {
        found.push({ operator: word, at: i });
        i += word.length - 1;
      }
    }
  }
  return found;
}

/**
 * The expression without its threshold: `x > 0.05` -> `x`. Only a last top-level comparison
 * against a number literal is taken off (comparisons bind looser than arithmetic, so its left
 * side is everything before it); anything else comes back unchanged.
 */
export function stripThreshold(expr: string): string {
  const last = topLevelOperators(expr).at(-1);
  if (last === undefined || !(COMPARISONS as readonly string[]).includes(last.operator)) return expr.trim();
  const right = expr
    .slice(last.at + last.operator.length)
    .trim()
    .replace(/^bool\s+/, '');
  return NUMBER.test(right) ? expr.slice(0, last.at).trim() : expr.trim();
}

/**
 * What an alert expression is made of, each part without its threshold: `a > 1 and b > 2` ->
 * [`a`, `b`]. The parts of `and` / `unless` / `or` are queried separately, since a healthy
 * system may answer the whole with nothing by design, but each part should have data.
 */
export function alertQueries(expr: string): string[] {
  const cuts = topLevelOperators(expr).filter((o) => (SET_OPERATORS as readonly string[]).includes(o.operator));
  const bounds = [...cuts.map((c) => ({ start: c.at, end: c.at + c.operator.length })), { start: expr.length, end: expr.length }];
  let from = 0;
  const parts: string[] = [];
  for (const { start, end } of bounds) {
    // The matching modifier of the operator before this part: `on (job)`, `ignoring (x)`.
    parts.push(
      stripThreshold(
        expr
          .slice(from, start)
          .trim()
          .replace(/^(?:on|ignoring)\s*\([^)]*\)\s*/, ''),
      ),
    );
    from = end;
  }
  return parts;
}
