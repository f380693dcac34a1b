/**
 * Cards over time: a customer holds one or two card "slots" (a debit card, often a credit card
 * too); blocking a card after fraud is reported ends it, and a replacement with a new token
 * arrives a few days later. Stored-card merchants (subscriptions) follow to the replacement, as
 * card-updater services make them do.
 */
import { DAY_MS } from './calendar';
import type { Customer } from './customers';
import { opaqueToken } from './ids';

const CARD_SALT = 0x5eed_ca2d;

export type SlotKind = 'debit' | 'credit';

export interface CardSlot {
  readonly letter: 'a' | 'b';
  readonly kind: SlotKind;
  readonly cards: Card[];
}

export interface Card {
  readonly id: string;
  readonly customer: Customer;
  readonly slot: CardSlot;
  validFrom: number;
  /** Infinity until blocked. */
  blockedAt: number;
  /** When the plastic left the customer's hands (lost or stolen); Infinity otherwise. */
  lostAt: number;
  successor: Card | undefined;
}

export function newSlot(customer: Customer, letter: 'a' | 'b', kind: SlotKind, validFrom: number): CardSlot {
  const slot: CardSlot = { letter, kind, cards: [] };
  slot.cards.push(newCard(customer, slot, validFrom));
  return slot;
}

function newCard(customer: Customer, slot: CardSlot, validFrom: number): Card {
  return {
    id: `k2-${opaqueToken(customer.index * 64 + (slot.letter === 'b' ? 32 : 0) + slot.cards.length, CARD_SALT)}`,
    customer,
    slot,
    validFrom,
    blockedAt: Infinity,
    lostAt: Infinity,
    successor: undefined,
  };
}

/** The slot's card that works at an instant, if any (none between a block and the replacement). */
export function cardAt(slot: CardSlot, at: number): Card | undefined {
  for (let i = slot.cards.length - 1; i >= 0; i -= 1) {
    const card = slot.cards[i];
    if (card && card.validFrom <= at && at < card.blockedAt) return card;
  }
  return undefined;
}

/** The card the customer can present in person at an instant (not lost, not blocked). */
export function physicalCardAt(slot: CardSlot, at: number): Card | undefined {
  const card = cardAt(slot, at);
  return card && at < card.lostAt ? card : undefined;
}

/**
 * Blocks a card from an instant (an earlier block wins) and schedules its replacement
 * `reissueDays` later.
 */
export function blockCard(card: Card, at: number, reissueDays: number): void {
  if (at >= card.blockedAt) return;
  card.blockedAt = at;
  const replacementFrom = at + reissueDays * DAY_MS;
  if (card.successor) {
    card.successor.validFrom = Math.min(card.successor.validFrom, replacementFrom);
    return;
  }
  const successor = newCard(card.customer, card.slot, replacementFrom);
  card.successor = successor;
  card.slot.cards.push(successor);
}
