/**
 * Opaque tokens for cards and devices. A card token or device fingerprint says nothing about
 * its holder in real data, so these must not either: a readable generation number on a card
 * ("replaced after fraud") or a creation counter on a device ("first seen mid-history") would
 * hand a model the answer. A bijective 32-bit mix keeps them unique; letters only, so no run
 * of digits can look like a card number.
 */
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

export function opaqueToken(n: number, salt: number): string {
  let x = (n ^ salt) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  x = (x ^ (x >>> 16)) >>> 0;
  let out = '';
  for (let i = 0; i < 7; i += 1) {
    out += LETTERS[x % 26] ?? 'a';
    x = Math.floor(x / 26);
  }
  return out;
}
