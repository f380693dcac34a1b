/**
 * The world a history happens in: the places, the merchants and the customers, all drawn from
 * the seed before the first day.
 */
import { buildCustomers, type Customer, type Household } from './customers';
import { MerchantDirectory } from './merchants';
import { DeviceFactory } from './network';
import { CITIES, hasRole } from './places';
import { Rng } from './rng';

export interface WorldOptions {
  readonly seed: number;
  readonly customers: number;
  readonly days: number;
  /** UTC midnight of day 0, ms. */
  readonly start: number;
}

export interface World {
  readonly options: WorldOptions;
  readonly merchants: MerchantDirectory;
  readonly customers: readonly Customer[];
  readonly households: readonly Household[];
  readonly devices: DeviceFactory;
}

export function buildWorld(options: WorldOptions): World {
  const devices = new DeviceFactory();
  const homes = CITIES.filter((c) => hasRole(c, 'home'));
  const merchantRng = Rng.fork(options.seed, 'merchants');
  const { world, merchants } = buildCustomers(
    options,
    homes,
    (residents) => new MerchantDirectory(residents, merchantRng),
    devices,
    Rng.fork(options.seed, 'customers'),
  );
  return { options, merchants, customers: world.customers, households: world.households, devices };
}
