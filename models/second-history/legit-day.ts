/**
 * One customer's own spending on one day: recurring charges, the commute, the weekly shop and
 * cash day, then each habit's count for the day (moved by the weekday, pay day, the season, a
 * trip), each placed at a regular or a new merchant, at a local time, with the card, device
 * and address the customer would use.
 */
import { cardAt, physicalCardAt, type Card } from './cards';
import { HOUR_MS, MINUTE_MS, isHoliday, localHour, localToUtc, seasonalFactor, type CalendarDay, type PaydayTable, type SeasonalGroup } from './calendar';
import { CATEGORIES, type Category, type CategoryKey, type Channel, type HourWindows, type PayGroup } from './catalogue';
import { WAKE_PROFILE, amountEuros, subscriptionCharge, type Customer, type Trip } from './customers';
import type { Merchant, MerchantDirectory } from './merchants';
import { hostingAddress, ipv4In, type DeviceFactory } from './network';
import { countryOf, currencyOf, fromEuros, type City } from './places';
import type { Rng } from './rng';
import { planTrip, tripOn } from './travel';
import { newTxn, type Txn } from './txn';

// Bound once: jest runs this code in a VM context, where each global lookup costs more than the arithmetic (rng.ts).
const { exp, floor, max, min, round } = Math;

export interface LegitContext {
  readonly merchants: MerchantDirectory;
  readonly paydays: PaydayTable;
  readonly devices: DeviceFactory;
  readonly days: readonly CalendarDay[];
  /** UTC midnight of day 0. */
  readonly start: number;
  /** Every transaction the customer makes goes through here. */
  readonly emit: (txn: Txn) => void;
}

/** Habits that stay at home while the customer travels. */
const HOME_BOUND: ReadonlySet<CategoryKey> = new Set([
  'grocery',
  'bakery',
  'pharmacy',
  'hardware',
  'doctor',
  'parking',
  'fuel',
  'beauty',
  'transit-pass',
  'online-grocery',
  'food-delivery',
  'florist',
]);

/** What a visitor spends on per day away. */
const VISITOR_DAY: readonly (readonly [CategoryKey, number, number])[] = [
  // kind, leisure, business
  ['restaurant', 1.3, 1.2],
  ['fastfood', 0.5, 0.6],
  ['bar', 0.45, 0.35],
  ['attraction', 0.6, 0.05],
  ['taxi', 0.35, 0.9],
  ['convenience', 0.4, 0.3],
  ['transit', 0.8, 0.3],
  ['clothing', 0.1, 0.04],
  ['jewelry', 0.01, 0.005],
  ['liquor', 0.05, 0.02],
  ['grocery', 0.2, 0.02],
];

const WAKE_WEEKLY = Object.entries(WAKE_PROFILE).map(([key, rate]) => [key as CategoryKey, rate * 0.7] as const);

const PAY_DECAY: Readonly<Record<PayGroup, (daysSince: number) => number>> = {
  essential: (d) => (d <= 2 ? 1.08 : 0.98),
  discretionary: (d) => 0.78 + 0.62 * exp(-d / 5),
  'big-ticket': (d) => 0.6 + 1.5 * exp(-d / 3.5),
  none: () => 1,
};

/** PAY_DECAY for 0-60 days since payday, looked up for every habit of every customer-day. */
const PAY_TABLES = Object.fromEntries(Object.entries(PAY_DECAY).map(([group, f]) => [group, Array.from({ length: 61 }, (_, d) => f(d))])) as Record<
  PayGroup,
  number[]
>;

export function paydayFactor(group: PayGroup, daysSincePayday: number): number {
  return PAY_TABLES[group][min(60, daysSincePayday)] ?? 1;
}

export class LegitDay {
  // Everyone shares a day's calendar: holidays and seasons are worked out once per day.
  private cachedDay = -1;
  private readonly holidays = new Map<string, boolean>();
  private readonly seasons = new Map<SeasonalGroup, number>();

  constructor(private readonly ctx: LegitContext) {}

  private isHoliday(place: City, day: CalendarDay): boolean {
    this.cacheFor(day);
    let holiday = this.holidays.get(place.country);
    if (holiday === undefined) {
      holiday = isHoliday(countryOf(place.country).holidays, day);
      this.holidays.set(place.country, holiday);
    }
    return holiday;
  }

  private season(group: SeasonalGroup, day: CalendarDay): number {
    this.cacheFor(day);
    let factor = this.seasons.get(group);
    if (factor === undefined) {
      factor = seasonalFactor(group, day);
      this.seasons.set(group, factor);
    }
    return factor;
  }

  private cacheFor(day: CalendarDay): void {
    if (day.index === this.cachedDay) return;
    this.cachedDay = day.index;
    this.holidays.clear();
    this.seasons.clear();
  }

  run(c: Customer, dayIndex: number): void {
    const day = this.ctx.days[dayIndex];
    if (!day) return;
    const rng = c.rng;
    if (c.segment === 'dormant' && dayIndex >= c.awakeUntil && rng.chance(1 / 110)) c.awakeUntil = dayIndex + rng.int(2, 12);
    const asleep = c.segment === 'dormant' && dayIndex >= c.awakeUntil;

    planTrip(c, dayIndex, this.ctx, (m, hour, euros, trip) => {
      this.bookOnline(c, dayIndex, m, hour, euros, trip);
    });
    const trip = tripOn(c, dayIndex);
    const place = trip?.city ?? c.home;

    if (!asleep && c.phone && rng.chance(1 / 650)) this.newPhone(c, dayIndex);
    this.subscriptions(c, day);
    if (asleep && !trip) return;

    const daysSincePayday = this.ctx.paydays.daysSincePayday(c.payday, dayIndex);
    const holiday = this.isHoliday(place, day);
    if (!trip) this.routine(c, day, holiday, daysSincePayday);
    else this.travelDay(c, day, trip);

    const weekly = asleep ? [] : c.segment === 'dormant' ? WAKE_WEEKLY : c.weekly;
    for (const [key, rate] of weekly) {
      const category = CATEGORIES[key];
      if (trip && HOME_BOUND.has(key)) continue;
      let mean =
        (rate / 7) *
        c.activity *
        weekdayFactor(category, day, place, holiday) *
        paydayFactor(category.pay, daysSincePayday) *
        this.season(category.season, day);
      if (trip) mean *= category.channel === 'ecommerce' ? 0.5 : key === 'restaurant' || key === 'bar' ? 0 : 0.6;
      const count = rng.poisson(mean);
      for (let i = 0; i < count; i += 1) this.spend(c, category, day, place, trip);
    }
  }

  private routine(c: Customer, day: CalendarDay, holiday: boolean, daysSincePayday: number): void {
    const rng = c.rng;
    const working = !holiday && day.weekday >= 1 && day.weekday <= 5;
    const transit = this.ctx.merchants.transit(c.home);
    if (c.commute === 'pay-as-you-go' && working && rng.chance(c.officeDays)) {
      const fare = round(c.home.fare * 100);
      this.present(c, transit, this.at(c.home, day, rng.uniform(7, 9.3)), fare, 'card_present');
      if (rng.chance(0.12)) this.present(c, transit, this.at(c.home, day, rng.uniform(11, 15)), fare, 'card_present');
      this.present(c, transit, this.at(c.home, day, rng.uniform(16.5, 19.6)), fare, 'card_present');
    }
    if (c.commute === 'pass' && working && c.passMonth !== day.year * 12 + day.month) {
      c.passMonth = day.year * 12 + day.month;
      const euros = amountEuros(CATEGORIES['transit-pass'].amount, rng) * countryOf(c.home.country).priceLevel;
      this.present(c, transit, this.at(c.home, day, rng.uniform(7, 9)), fromEuros(euros, transit.currency), 'card_present');
    }
    if (c.bigShopWeekday === day.weekday && !holiday && rng.chance(0.85)) {
      const shop = this.regular(c, 'grocery', c.home);
      if (shop)
        this.present(
          c,
          shop,
          this.at(c.home, day, rng.chance(0.5) ? rng.uniform(9, 12) : rng.uniform(16, 19.5)),
          fromEuros(rng.logNormal(95, 0.35) * c.wealth * paydayFactor('essential', daysSincePayday), shop.currency),
          'card_present',
        );
    }
    const cashToday = c.cashDay === day.weekday ? rng.chance(c.segment === 'cash-user' ? 0.8 : 0.5) : c.segment === 'cash-user' && daysSincePayday === 0;
    if (cashToday) {
      const atm = this.regular(c, 'atm', c.home);
      if (atm) this.present(c, atm, this.at(c.home, day, rng.uniform(8, 12.5)), fromEuros(c.cashAmount, atm.currency), 'atm');
    }
  }

  private travelDay(c: Customer, day: CalendarDay, trip: Trip): void {
    const rng = c.rng;
    const place = trip.city;
    if (day.index === trip.start) {
      if (trip.carRental) {
        const rental = this.visit(place, 'car-rental', rng);
        if (rental)
          this.present(
            c,
            rental,
            this.at(place, day, rng.uniform(11, 16)),
            this.amount(c, CATEGORIES['car-rental'], rental, trip.end - trip.start + 1),
            'card_present',
          );
      } else if (rng.chance(0.6)) {
        const taxi = this.visit(place, 'taxi', rng);
        if (taxi)
          this.present(
            c,
            taxi,
            this.at(place, day, rng.uniform(10, 20)),
            fromEuros(rng.logNormal(38, 0.4) * countryOf(place.country).priceLevel, taxi.currency),
            'card_present',
          );
      }
    }
    if (day.index === trip.end && trip.hotel && !trip.hotelPrepaid) {
      const nights = max(1, trip.end - trip.start);
      this.present(c, trip.hotel, this.at(place, day, rng.uniform(7, 11.5)), this.amount(c, CATEGORIES.hotel, trip.hotel, nights), 'card_present');
    }
    const foreignCash = countryOf(place.country).currency !== countryOf(c.home.country).currency;
    for (const [key, leisure, business] of VISITOR_DAY) {
      const count = rng.poisson((trip.kind === 'leisure' ? leisure : business) * c.activity);
      for (let i = 0; i < count; i += 1) this.spend(c, CATEGORIES[key], day, place, trip);
    }
    const cashRate = (foreignCash ? 0.3 : 0.08) * (c.segment === 'cash-user' || c.segment === 'retired' || place === c.familyAbroad ? 2 : 1);
    if (rng.chance(cashRate)) this.spend(c, CATEGORIES.atm, day, place, trip);
  }

  private subscriptions(c: Customer, day: CalendarDay): void {
    for (const s of c.subscriptions) {
      if (s.signupDay === day.index) {
        const at = this.at(c.home, day, drawHour([[9, 23, 1]], c.rng));
        const card = cardAt(s.slot, at);
        if (card) this.online(c, s.merchant, at, 0, card, undefined);
      }
      const charge = subscriptionCharge(s, day.index, day.dayOfMonth, day.weekday);
      if (!charge) continue;
      const at = day.midnight + charge.minute * MINUTE_MS + c.rng.int(0, 59_999);
      const card = cardAt(s.slot, at);
      if (!card) continue;
      const channel: Channel = CATEGORIES[s.merchant.category].channel;
      this.ctx.emit(newTxn({ at, card, customer: c, merchant: s.merchant, amount: charge.amount, channel, deviceId: undefined, ip: undefined }));
    }
  }

  private newPhone(c: Customer, dayIndex: number): void {
    const day = this.ctx.days[dayIndex];
    if (!day) return;
    c.phone = this.ctx.devices.create('phone');
    c.phoneSince = day.midnight;
    // Re-adding the card in an app on the new phone: the app checks it with a 0.00 authorisation.
    const apps = [...(c.favourites.get('food-delivery') ?? []), ...(c.favourites.get('ride-hailing') ?? []), ...(c.favourites.get('online-marketplace') ?? [])];
    if (apps.length > 0 && c.rng.chance(0.5)) {
      const at = this.at(c.home, day, c.rng.uniform(17, 23));
      const card = this.card(c, 'ecommerce', at);
      if (card) this.online(c, c.rng.pick(apps), at, 0, card, undefined);
    }
  }

  private bookOnline(c: Customer, dayIndex: number, merchant: Merchant, hour: number, euros: number, trip: Trip | undefined): void {
    const day = this.ctx.days[dayIndex];
    if (!day) return;
    const place = trip?.city ?? c.home;
    const at = this.at(place, day, hour);
    const card = this.card(c, 'ecommerce', at);
    if (card) this.online(c, merchant, at, euros === 0 ? 0 : fromEuros(euros, merchant.currency), card, trip);
  }

  private spend(c: Customer, category: Category, day: CalendarDay, place: City, trip: Trip | undefined): void {
    const rng = c.rng;
    const hour = drawHour(category.hours, rng);
    const at = this.at(place, day, hour);
    if (category.channel === 'ecommerce' || category.channel === 'other') {
      const regulars = c.favourites.get(category.key);
      const merchant =
        regulars && regulars.length > 0 && rng.chance(0.75) ? rng.pick(regulars) : this.ctx.merchants.drawOnline(category.key, c.home.country, rng);
      const card = this.card(c, 'ecommerce', at);
      if (card) this.online(c, merchant, at, this.amount(c, category, merchant, 1), card, trip, category.channel);
      return;
    }
    let key = category.key;
    if (key === 'fuel' && rng.chance(0.3)) key = 'fuel-pump';
    const merchant = key === 'transit' ? this.ctx.merchants.transit(place) : place === c.home ? this.regular(c, key, place) : this.visit(place, key, rng);
    if (!merchant) return;
    this.present(c, merchant, at, this.amount(c, CATEGORIES[key], merchant, 1), category.channel);
  }

  /** A regular place most of the time, sometimes somewhere new. */
  private regular(c: Customer, key: CategoryKey, place: City): Merchant | undefined {
    const regulars = c.favourites.get(key);
    if (regulars && regulars.length > 0 && c.rng.chance(key === 'atm' ? 0.85 : 0.72)) return c.rng.pick(regulars);
    return this.visit(place, key, c.rng);
  }

  private visit(place: City, key: CategoryKey, rng: Rng): Merchant | undefined {
    const pool = this.ctx.merchants.inCity(place, key);
    return pool.length > 0 ? rng.pick(pool) : undefined;
  }

  private amount(c: Customer, category: Category, merchant: Merchant, units: number): number {
    const rng = c.rng;
    const model = category.amount;
    if (model.kind === 'fare') return round((merchant.city?.fare ?? 1) * 100);
    if (model.kind === 'atm') {
      const notes = currencyOf(merchant.currency).atmAmounts;
      const bias = min(notes.length - 1, max(0, floor(rng.float() * notes.length * min(1.3, c.wealth))));
      return round((notes[bias] ?? notes[0] ?? 50) * 100);
    }
    const price = merchant.city ? countryOf(merchant.city.country).priceLevel / countryOf(c.home.country).priceLevel : 1;
    const scale = model.kind === 'choice' ? 1 : c.wealth * price;
    return fromEuros(amountEuros(model, rng) * scale * units, merchant.currency);
  }

  /** The card for a channel: credit for online and travel when the customer has one, debit for cash. */
  private card(c: Customer, channel: Channel, at: number): Card | undefined {
    const credit = c.slots.find((s) => s.kind === 'credit');
    const debit = c.slots.find((s) => s.kind === 'debit');
    const physical = channel === 'card_present' || channel === 'atm';
    const prefer = channel === 'atm' ? debit : credit && c.rng.chance(channel === 'card_present' ? 0.3 : 0.7) ? credit : debit;
    const order = [prefer, debit, credit];
    for (const slot of order) {
      if (!slot) continue;
      const card = physical ? physicalCardAt(slot, at) : cardAt(slot, at);
      if (card) return card;
    }
    return undefined;
  }

  private present(c: Customer, merchant: Merchant, at: number, amount: number, channel: Channel): void {
    const card = this.card(c, channel, at);
    if (!card) return;
    this.ctx.emit(newTxn({ at, card, customer: c, merchant, amount, channel, deviceId: undefined, ip: undefined }));
  }

  private online(c: Customer, merchant: Merchant, at: number, amount: number, card: Card, trip: Trip | undefined, channel: Channel = 'ecommerce'): void {
    const rng = c.rng;
    const evening = localHour((trip?.city ?? c.home).tz, at) >= 18;
    const devices = [c.phone, c.laptop, c.household.sharedDevice];
    const weights = evening ? [0.4, 0.35, 0.25] : [0.7, 0.3, 0.1];
    const present = devices.map((d, i) => (d ? (weights[i] ?? 0) : 0));
    const device = present.some((w) => w > 0)
      ? rng.weighted(
          devices.map((d, i) => [d, present[i] ?? 0] as const).filter(([, w]) => w > 0),
          ([, w]) => w,
        )[0]
      : undefined;
    let ip: string | undefined;
    if (channel === 'other') ip = undefined;
    else if (c.traits.vpn && rng.chance(0.5)) ip = hostingAddress(rng).ip;
    else if (trip) ip = device?.kind === 'phone' && rng.chance(0.6) ? rng.pick(c.carrier.egress) : ipv4In(trip.city.country, rng);
    else if (device?.kind === 'phone' && !(evening && rng.chance(0.5))) ip = rng.pick(c.carrier.egress);
    else ip = c.household.homeIp;
    this.ctx.emit(newTxn({ at, card, customer: c, merchant, amount, channel, deviceId: channel === 'other' ? undefined : device?.id, ip }));
  }

  private at(place: City, day: CalendarDay, hour: number): number {
    return localToUtc(place.tz, day.midnight + floor(hour * HOUR_MS));
  }
}

function weekdayFactor(category: Category, day: CalendarDay, place: City, holiday: boolean): number {
  let factor = day.weekday === 0 || day.weekday === 6 ? category.weekend : 1;
  const closedSunday = day.weekday === 0 && countryOf(place.country).sundayClosed;
  if (category.sundayShut && (closedSunday || holiday)) factor *= 0.04;
  else if (holiday) factor *= 1.15;
  return factor;
}

export function drawHour(windows: HourWindows, rng: Rng): number {
  const window = rng.weighted(windows, ([, , w]) => w);
  return rng.uniform(window[0], window[1]);
}
