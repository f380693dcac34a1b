import { CATEGORIES, isLocated } from './categories';
import { CITIES } from './cities';
import { distanceKm } from './geo';
import { buildWorld } from './world';

const world = buildWorld({ seed: 3, customers: 400, days: 60, start: Date.parse('2026-01-01T00:00:00Z') });

describe('buildWorld', () => {
  it('gives each customer one or two cards and one or two devices, with ids unlike card numbers', () => {
    for (const c of world.customers) {
      expect(c.cards.length).toBeGreaterThanOrEqual(1);
      expect(c.cards.length).toBeLessThanOrEqual(2);
      expect(c.devices.length).toBeGreaterThanOrEqual(1);
      expect(c.devices.length).toBeLessThanOrEqual(2);
      for (const id of [c.id, ...c.cards, ...c.devices]) expect(id).toMatch(/^(c|card|dev)-[0-9a-f]{6,12}$/);
    }
    const cards = world.customers.flatMap((c) => c.cards);
    expect(new Set(cards).size).toBe(cards.length);
  });

  it('keeps frequency within 0.5-4 transactions a day and preferences summing to one', () => {
    for (const c of world.customers) {
      expect(c.frequency).toBeGreaterThanOrEqual(0.5);
      expect(c.frequency).toBeLessThanOrEqual(4);
      expect(c.preferences.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
      expect(c.typicalAmount).toBeGreaterThan(5);
    }
  });

  it("picks regular shops near the customer's home", () => {
    const km = world.customers.flatMap((c) =>
      CATEGORIES.flatMap((cat, i) => (isLocated(cat) ? (c.favourites[i] ?? []) : [])).flatMap((m) =>
        m.location === null ? [] : [distanceKm(c.location, m.location)],
      ),
    );
    const sorted = [...km].sort((a, b) => a - b);
    expect(sorted[Math.floor(sorted.length / 2)]).toBeLessThan(8);
    expect(sorted[sorted.length - 1]).toBeLessThan(60);
  });

  it('has shops of every located category in every city, trip destinations included, and online merchants of every online category', () => {
    for (const city of CITIES) for (const cat of CATEGORIES.filter(isLocated)) expect(world.merchants.local(city, cat.key)?.size).toBeGreaterThan(0);
    for (const cat of CATEGORIES.filter((c) => !isLocated(c) && c.key !== 'telecom')) expect(world.merchants.online(cat.key).size).toBeGreaterThan(0);
    expect(world.cashOut.length).toBeGreaterThan(3);
    expect(world.cardTesters.length).toBeGreaterThan(0);
  });
});
