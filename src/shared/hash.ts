import { createHash } from 'node:crypto';

/**
 * A short, stable digest for ids stored inside Redis values (transaction, device and merchant
 * ids): 10 hex chars keep per-event memory small, and 40 bits make a collision within one
 * card's 48 h of events or one merchant-minute vanishingly unlikely.
 */
export function shortHash(value: string): string {
  return createHash('sha1').update(value).digest('hex').slice(0, 10);
}
