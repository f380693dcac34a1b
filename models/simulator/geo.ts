import type { Rng } from './rng';

import { haversineKm } from '../../src/shared/geo';

const KM_PER_DEGREE_LAT = 111.32;

export interface Point {
  readonly lat: number;
  readonly lon: number;
}

/**
 * A point scattered around a centre (normal, `sigmaKm` per axis, cut at 3 sigma), rounded to
 * 5 decimals (about a metre), the precision the service keeps.
 */
export function scatter(rng: Rng, centre: Point, sigmaKm: number): Point {
  const clip = (x: number) => Math.max(-3, Math.min(3, x));
  const dLat = (clip(rng.normal()) * sigmaKm) / KM_PER_DEGREE_LAT;
  const dLon = (clip(rng.normal()) * sigmaKm) / (KM_PER_DEGREE_LAT * Math.cos((centre.lat * Math.PI) / 180));
  return { lat: round5(centre.lat + dLat), lon: round5(centre.lon + dLon) };
}

/** The service's own distance, so travel speeds here and in its features agree. */
export function distanceKm(a: Point, b: Point): number {
  return haversineKm(a.lat, a.lon, b.lat, b.lon);
}

const round5 = (x: number) => Math.round(x * 1e5) / 1e5;
