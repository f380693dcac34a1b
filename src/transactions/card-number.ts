/**
 * Finds values that look like a primary account number: 13 to 19 digits, written either as one
 * run or in the groups cards are printed in (4-4-4-4, 4-6-5, 4-4-4-4-3, spaces or dashes), that
 * start like a payment card (ISO/IEC 7812 major industry identifier 2-6) and pass the Luhn check.
 * The contract carries card tokens only; a card number in a request is a client bug that must
 * never reach logs or storage.
 *
 * False alarms reject good traffic, so the candidates are narrow: a run glued to letters is part
 * of an identifier, and dash-joined digit groups inside a UUID (`...c5eb-432d-9e58-299256814897`)
 * or a date are not card groups. With a looser "any digits with single separators" pattern, about
 * one random UUID in a thousand was flagged; with this one, none can be (a UUID's longest digit
 * run is 12, and its groups are preceded by a dash or a hex digit). The MII test halves false
 * alarms on numeric ids (merchant ids are often 15 digits); a decimal fraction is not a run.
 */
const PAN_CANDIDATE = /(?<![0-9A-Za-z.])\d{13,19}(?![0-9A-Za-z])|(?<![0-9A-Za-z.-])\d{4}([ -])\d{4,6}(?:\1\d{3,5}){1,3}(?![0-9A-Za-z-])/g;

export function luhnValid(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

/** Digits in `text`, counting stops at `enough`. */
function digitsAtLeast(text: string, enough: number): boolean {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57 && ++n >= enough) return true;
  }
  return false;
}

function textHasCardNumber(text: string): boolean {
  // Most fields (ids, keys, amounts) hold fewer than 13 digits and cannot contain a card
  // number; counting is far cheaper than the pattern's lookarounds. The replay's CPU profile
  // had this function at 6.2% of the service's samples.
  if (!digitsAtLeast(text, 13)) return false;
  for (const match of text.matchAll(PAN_CANDIDATE)) {
    const digits = match[0].replace(/[ -]/g, '');
    if (looksLikeCardNumber(digits)) return true;
  }
  return false;
}

function looksLikeCardNumber(digits: string): boolean {
  return digits.length >= 13 && digits.length <= 19 && '23456'.includes(digits[0] ?? '') && luhnValid(digits);
}

/** An array or object the walk is inside, with the index of its next child. */
type Open =
  { readonly array: readonly unknown[]; at: number } | { readonly object: Readonly<Record<string, unknown>>; readonly keys: readonly string[]; at: number };

/**
 * Paths (dotted) of every string or number in `value` that holds a card number. Every input
 * passes here, so the walk shares one path stack and allocates only for a hit and for each
 * array or object it enters: the recursive version that copied the path per node was 5% of a
 * steady run's allocations. It keeps its own stack of open containers rather than recursing,
 * so that no nesting can overflow the call stack: a recursive walk did at a few thousand
 * levels (10 kB of `[`), which answered HTTP with a 500 and crashed the Kafka consumer.
 */
export function findCardNumbers(value: unknown): string[] {
  const found: string[] = [];
  const path: (string | number)[] = [];
  const open: Open[] = [];
  let next: unknown = value;
  for (;;) {
    if (typeof next === 'string') {
      if (textHasCardNumber(next)) found.push(path.join('.'));
    } else if (typeof next === 'number') {
      if (Number.isInteger(next) && textHasCardNumber(String(next))) found.push(path.join('.'));
    } else if (Array.isArray(next)) {
      open.push({ array: next, at: 0 });
    } else if (next !== null && typeof next === 'object') {
      open.push({ object: next as Record<string, unknown>, keys: Object.keys(next), at: 0 });
    }
    // On to the next value in document order: the next child of the innermost open container.
    for (;;) {
      const top = open[open.length - 1];
      if (top === undefined) return found;
      if (top.at > 0) path.pop();
      if ('array' in top) {
        if (top.at < top.array.length) {
          path.push(top.at);
          next = top.array[top.at++];
          break;
        }
      } else {
        const key = top.keys[top.at];
        if (key !== undefined) {
          top.at++;
          if (textHasCardNumber(key)) found.push([...path, '(key)'].join('.'));
          path.push(key);
          next = top.object[key];
          break;
        }
      }
      open.pop();
    }
  }
}

/** Masks every card-number-looking run in `text` to BIN + last four (the PCI DSS display form). */
export function maskCardNumbers(text: string): string {
  return text.replace(PAN_CANDIDATE, (run: string) => {
    const digits = run.replace(/[ -]/g, '');
    if (!looksLikeCardNumber(digits)) return run;
    return `${digits.slice(0, 6)}${'*'.repeat(digits.length - 10)}${digits.slice(-4)}`;
  });
}

// A JSON \uXXXX escape of a digit, a space or a dash (the characters a card number is written
// with), not itself escaped (an even run of backslashes before it).
const ESCAPED_PAN_CHARACTER = /(?<!\\)((?:\\\\)*)\\u00(3[0-9]|20|2[dD])/g;

/**
 * maskCardNumbers for JSON text: a card number written with \u escapes in a string
 * ("4111\u00311111...") is one to the parser, which the service refuses, but not to the text's
 * pattern. Those escapes are decoded first (the text stays the same JSON), then masked.
 */
export function maskCardNumbersInJsonText(text: string): string {
  const plain = text.includes('\\u00')
    ? text.replace(ESCAPED_PAN_CHARACTER, (_: string, backslashes: string, hex: string) => `${backslashes}${String.fromCharCode(parseInt(hex, 16))}`)
    : text;
  return maskCardNumbers(plain);
}
