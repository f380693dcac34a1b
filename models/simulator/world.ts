import type { CategoryKey } from './categories';
import { CITIES } from './cities';
import { buildCustomers, type Customer } from './customers';
import { buildMerchants, type Merchant, type MerchantDirectory } from './merchants';
import { Rng, WeightedTable } from './rng';

export interface WorldOptions {
  readonly seed: number;
  readonly customers: number;
  readonly days: number;
  readonly start: number;
}

export interface World {
  readonly merchants: MerchantDirectory;
  readonly customers: readonly Customer[];
  /** Customers drawn in proportion to how often they pay: busy cards are exposed more. */
  readonly byActivity: WeightedTable<Customer>;
  /** How many customers have each merchant (by index) among their regulars. */
  readonly footfall: Uint32Array;
  /**
   * Ordinary merchants, with ordinary customers, where fraud rings turn stolen card data into
   * goods and cash; their confirmed-fraud counts are the signal a compromise leaves.
   */
  readonly cashOut: readonly Merchant[];
  /** Online merchants selling cheap digital goods, where stolen card numbers are tried out. */
  readonly cardTesters: readonly Merchant[];
}

export function buildWorld(options: WorldOptions): World {
  const merchants = buildMerchants(options.seed, options.customers);
  const { customers, footfall } = buildCustomers(options.seed, options.customers, options.days, options.start, merchants);
  const rng = new Rng(options.seed, 'fraud-merchants');
  const bigCities = CITIES.filter((c) => c.home && c.weight >= 2);
  // Busy merchants, drawn by popularity: fraud there is a minority of the traffic, as it is in reality.
  const localIn = (key: CategoryKey) => {
    const table = merchants.local(rng.pick(bigCities), key);
    if (table === undefined) throw new Error(`no ${key} merchant in a big city`);
    return table.draw(rng);
  };
  const digital = merchants.online('digital_goods');
  const cardTesters = new Set<Merchant>();
  for (let i = 0; i < 20 && cardTesters.size < Math.min(3, digital.size); i++) cardTesters.add(digital.draw(rng));
  return {
    merchants,
    customers,
    byActivity: new WeightedTable(customers, (c) => c.frequency),
    footfall,
    cashOut: [
      merchants.online('electronics_online').draw(rng),
      merchants.online('gift_cards_online').draw(rng),
      merchants.online('marketplace').draw(rng),
      localIn('electronics_store'),
      localIn('electronics_store'),
      localIn('department_store'),
      localIn('atm'),
      localIn('atm'),
    ],
    cardTesters: [...cardTesters],
  };
}
