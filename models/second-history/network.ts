/**
 * Devices and addresses. Addresses are synthetic: per-country first octets (places.ts) that look
 * like public space but follow no registry. Mobile carriers put many customers behind a small
 * pool of shared addresses (carrier-grade NAT), some over IPv6; home broadband keeps one address
 * for weeks; offices share an egress address; fraudsters use residential proxies in the victim's
 * country or hosting ranges abroad.
 */
import { opaqueToken } from './ids';
import { countryOf } from './places';

const DEVICE_SALT = 0xdec1_ce05;
import type { Rng } from './rng';

export interface Device {
  readonly id: string;
  readonly kind: 'phone' | 'laptop' | 'tablet';
}

/** Numbers devices within one history; fraudsters' devices come from the same counter, so an id says nothing. */
export class DeviceFactory {
  /** Numbers devices from `count` + 1: a second factory starting far above the world's never repeats its ids (the token mix is a bijection). */
  constructor(private count = 0) {}

  create(kind: Device['kind']): Device {
    this.count += 1;
    return { id: `dv2-${opaqueToken(this.count, DEVICE_SALT)}`, kind };
  }
}

export function ipv4In(countryCode: string, rng: Rng): string {
  const first = rng.pick(countryOf(countryCode).ipBlocks);
  return `${first}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`;
}

export interface Carrier {
  readonly country: string;
  readonly egress: readonly string[];
}

export function newCarrier(countryCode: string, ipv6: boolean, rng: Rng): Carrier {
  const egress: string[] = [];
  const prefix = `2a0${rng.int(1, 9)}:${rng.int(0x1000, 0xffff).toString(16)}`;
  for (let i = 0; i < 48; i += 1) {
    egress.push(
      ipv6 ? `${prefix}:${rng.int(0, 0xffff).toString(16)}:${rng.int(0, 0xffff).toString(16)}::${rng.int(1, 0xfff).toString(16)}` : ipv4In(countryCode, rng),
    );
  }
  return { country: countryCode, egress };
}

/** Hosting and VPN ranges fraudsters rent, each with the country it appears in. */
export const HOSTING: readonly (readonly [string, number])[] = [
  ['NL', 45],
  ['DE', 138],
  ['US', 104],
  ['US', 167],
  ['RO', 193],
  ['GB', 146],
  ['LU', 159],
];

export function hostingAddress(rng: Rng): { ip: string; country: string } {
  const [countryCode, first] = rng.pick(HOSTING);
  return { ip: `${first}.${rng.int(0, 255)}.${rng.int(0, 255)}.${rng.int(1, 254)}`, country: countryCode };
}
