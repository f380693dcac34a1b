import fc from 'fast-check';
import { findCardNumbers, luhnValid, maskCardNumbers } from './card-number';

/** The obviously-right walk, recursive: checks the service's, which keeps its own stack. */
function recursiveReference(value: unknown, path: string[] = [], found: string[] = []): string[] {
  const hit = (text: string) => findCardNumbers(text).length > 0;
  if (typeof value === 'string' && hit(value)) found.push(path.join('.'));
  if (typeof value === 'number' && Number.isInteger(value) && hit(String(value))) found.push(path.join('.'));
  if (Array.isArray(value)) value.forEach((v, i) => recursiveReference(v, [...path, String(i)], found));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (hit(k)) found.push([...path, '(key)'].join('.'));
      recursiveReference(v, [...path, k], found);
    }
  }
  return found;
}

describe('card number detection', () => {
  it('recognises Luhn-valid test card numbers and rejects a single changed digit', () => {
    expect(luhnValid('4111111111111111')).toBe(true);
    expect(luhnValid('4111111111111112')).toBe(false);
    expect(luhnValid('378282246310005')).toBe(true);
  });

  it('finds a card number in any field, however it is grouped, and names the field', () => {
    const body = {
      transactionId: 't-1',
      cardId: 'tok_abc',
      note: 'card 4111 1111 1111 1111 used',
      nested: { list: ['x', '5555-5555-5555-4444'] },
      pan: 4012888888881881,
      amex: '3782 822463 10005',
      ref: 'pan-4111111111111111',
    };
    expect(findCardNumbers(body).sort()).toEqual(['amex', 'nested.list.1', 'note', 'pan', 'ref']);
  });

  it('does not flag timestamps, amounts, short numbers, or digit runs longer than 19', () => {
    const body = { occurredAt: '2026-11-25T10:00:00.123Z', amount: 4111.11, id: '41111111111111110000', short: '411111111111' };
    expect(findCardNumbers(body)).toEqual([]);
  });

  it('ignores 13-19 digit ids that cannot be card numbers because of their first digit', () => {
    // Luhn-valid, but major industry identifier 9 (national use) is not a payment card.
    expect(luhnValid('9111111111111110')).toBe(true);
    expect(findCardNumbers({ merchantId: '9111111111111110' })).toEqual([]);
  });

  it('does not flag UUIDs, hex ids or float noise, which a loose digit-run pattern did', () => {
    // Each of these was flagged by "digits joined by single dashes" (about 1 UUID in 1,000).
    const ids = ['tx-11d39c39-db6b-4851-9402-09895fb53590', 'tx-7b389316-6446-4944-8777-fc802095fc24', 'tx-f06b1db3-c5eb-432d-9e58-299256814897'];
    expect(findCardNumbers({ ids, ref: 'ab4111111111111111', amountText: '12.340000000000002' })).toEqual([]);
    expect(maskCardNumbers(JSON.stringify({ amount: 12.340000000000002 }))).toBe('{"amount":12.340000000000002}');
  });

  it('checks object keys too, without revealing them', () => {
    expect(findCardNumbers({ '4111111111111111': 'x' })).toEqual(['(key)']);
  });

  it('finds a card number at the bottom of a value nested 200,000 levels deep, where a recursive walk overflowed the stack', () => {
    const depth = 200_000;
    const arrays: unknown = JSON.parse(`${'['.repeat(depth)}"4111 1111 1111 1111"${']'.repeat(depth)}`);
    expect(findCardNumbers(arrays)).toEqual([Array.from({ length: depth }, () => '0').join('.')]);
    const objects: unknown = JSON.parse(`${'{"a":'.repeat(depth)}{"4111111111111111":1}${'}'.repeat(depth)}`);
    expect(findCardNumbers(objects)).toEqual([[...Array.from({ length: depth }, () => 'a'), '(key)'].join('.')]);
    expect(findCardNumbers(JSON.parse(`${'['.repeat(depth)}${']'.repeat(depth)}`))).toEqual([]);
  });

  it('names the same fields, in the same order, as a recursive walk', () => {
    const pan = fc.constantFrom('4111111111111111', '5555 5555 5555 4444', '3782-822463-10005', 4012888888881881);
    const json = fc.letrec<{ value: unknown }>((tie) => ({
      value: fc.oneof(
        { depthSize: 'small' },
        fc.jsonValue({ maxDepth: 1 }),
        pan,
        fc.array(tie('value'), { maxLength: 4 }),
        fc.dictionary(fc.oneof(fc.string(), pan.map(String)), tie('value'), { maxKeys: 4 }),
      ),
    })).value;
    fc.assert(
      fc.property(json, (value) => {
        expect(findCardNumbers(value)).toEqual(recursiveReference(value));
      }),
      { seed: 16, numRuns: 500 },
    );
  });

  it('masks card numbers to BIN and last four, leaving other digits alone', () => {
    expect(maskCardNumbers('{"pan":"4111 1111 1111 1111","amount":12345,"ts":1795597869600}')).toBe(
      '{"pan":"411111******1111","amount":12345,"ts":1795597869600}',
    );
  });
});
