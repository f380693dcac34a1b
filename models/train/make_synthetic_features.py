#!/usr/bin/env python3
"""Writes a synthetic features CSV in the replay's format, for developing and testing train.py.

Not a fraud simulator: cards with a home city, a usual amount and a few devices make
legitimate purchases; a handful of fraud scenarios are injected on top, each leaving the kind
of trace the service's features capture (bursts, far-away locations, new devices, large
amounts, a merchant with confirmed frauds). Features are computed from each card's and
merchant's history strictly before the transaction, roughly as the service does (sliding
windows instead of its UTC-day windows), and written as float32 values.

    python models/train/make_synthetic_features.py --out /tmp/features.csv --rows 200000
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

import numpy as np
import pandas as pd

MINUTE_MS = 60_000
HOUR_MS = 60 * MINUTE_MS
DAY_MS = 24 * HOUR_MS
# Wider than the data's time span plus any window (2^40 ms is 34 years), so the keys
# entity * KEY_STRIDE + time sort by entity then time and a window never reaches another entity.
KEY_STRIDE = 1 << 40

CITIES = np.array(
    [  # lat, lon
        [45.46, 9.19],
        [48.86, 2.35],
        [52.52, 13.40],
        [40.42, -3.70],
        [51.51, -0.13],
        [41.90, 12.50],
        [50.85, 4.35],
        [52.37, 4.90],
        [48.21, 16.37],
        [38.72, -9.14],
    ]
)
FAR_CITIES = np.array([[1.35, 103.82], [40.71, -74.01], [-33.87, 151.21], [35.68, 139.69], [-23.55, -46.63]])
MCCS = np.array([5411, 5812, 5541, 5999, 5732, 4111, 7011, 5311, 5651, 5912])
ATM_MCC = 6011
# Fraud events per 100k rows and the rows each event makes (min, max).
SCENARIOS = {
    "card_testing": (12, (6, 12)),
    "impossible_travel": (40, (1, 2)),
    "account_takeover": (35, (1, 3)),
    "compromised_merchant": (6, (8, 16)),
    "amount_spike": (40, (1, 1)),
    "hard": (60, (1, 1)),
}
CHANNEL_CARD_PRESENT, CHANNEL_ECOMMERCE, CHANNEL_ATM, CHANNEL_OTHER, UNKNOWN = 0, 1, 2, 3, -1

FEATURES = [
    "amount",
    "hour_of_day",
    "day_of_week",
    "channel",
    "merchant_category",
    "card_count_1m",
    "card_sum_1m",
    "card_count_1h",
    "card_sum_1h",
    "card_count_24h",
    "card_sum_24h",
    "card_count_30d",
    "card_sum_30d",
    "card_avg_amount_30d",
    "amount_to_avg_30d",
    "seconds_since_prev",
    "km_from_prev",
    "seconds_since_prev_located",
    "speed_kmh_from_prev",
    "device_seen",
    "merchant_seen",
    "card_frauds_7d",
    "card_frauds_30d",
    "merchant_count_1h",
    "merchant_count_24h",
    "merchant_frauds_7d",
    "merchant_frauds_30d",
]


@dataclass
class Cards:
    home: np.ndarray  # (n, 2) lat, lon
    mean_amount: np.ndarray
    p_ecommerce: np.ndarray
    activity: np.ndarray  # relative transaction rate
    favourite_merchants: np.ndarray  # (n, 8) merchant indices


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", required=True)
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--days", type=int, default=120)
    parser.add_argument("--start", default="2026-01-01", help="first UTC day")
    parser.add_argument("--seed", type=int, default=7)
    return parser.parse_args()


def make_cards(rng: np.random.Generator, n_cards: int, n_merchants: int) -> Cards:
    home = CITIES[rng.integers(0, len(CITIES), n_cards)] + rng.normal(0, 0.05, (n_cards, 2))
    return Cards(
        home=home,
        mean_amount=rng.lognormal(3.4, 0.6, n_cards),
        p_ecommerce=rng.beta(2, 4, n_cards),
        activity=rng.gamma(2.0, 1.0, n_cards),
        favourite_merchants=rng.integers(0, n_merchants, (n_cards, 8)),
    )


def hour_profile_ms(rng: np.random.Generator, n: int, night: bool = False) -> np.ndarray:
    """Time of day: legitimate spending peaks in the day, some fraud runs at night."""
    hours = rng.normal(3.0, 2.0, n) % 24 if night else rng.normal(14.0, 4.0, n) % 24
    return (hours * HOUR_MS).astype(np.int64)


def legit_rows(rng: np.random.Generator, cards: Cards, n: int, start_ms: int, days: int, merchant_mcc: np.ndarray) -> pd.DataFrame:
    card = rng.choice(len(cards.activity), n, p=cards.activity / cards.activity.sum())
    t = start_ms + rng.integers(0, days, n) * DAY_MS + hour_profile_ms(rng, n)
    ecommerce = rng.random(n) < cards.p_ecommerce[card]
    atm = ~ecommerce & (rng.random(n) < 0.08)
    channel = np.where(ecommerce, CHANNEL_ECOMMERCE, np.where(atm, CHANNEL_ATM, CHANNEL_CARD_PRESENT))
    rare = rng.random(n)  # a few "other" and unknown channels, as real feeds have
    channel = np.where(rare < 0.01, UNKNOWN, np.where(rare < 0.03, CHANNEL_OTHER, channel))
    favourite = cards.favourite_merchants[card, rng.integers(0, 8, n)]
    merchant = np.where(rng.random(n) < 0.75, favourite, rng.integers(0, len(merchant_mcc), n))
    amount = cards.mean_amount[card] * rng.lognormal(0, 0.45, n)
    # Each card has devices 0 and 1; a new device now and then is normal (a new phone).
    device = np.where(rng.random(n) < 0.03, rng.integers(100, 10_000, n), rng.integers(0, 2, n))
    frame = rows_frame(rng, card, t, channel, merchant, amount, device, cards.home[card], merchant_mcc, "")
    frame.loc[rng.random(n) < 0.01, "mcc"] = UNKNOWN
    return frame


def rows_frame(
    rng: np.random.Generator,
    card: np.ndarray,
    t: np.ndarray,
    channel: np.ndarray,
    merchant: np.ndarray,
    amount: np.ndarray,
    device: np.ndarray,
    where: np.ndarray,
    merchant_mcc: np.ndarray,
    scenario: str,
) -> pd.DataFrame:
    located = (channel == CHANNEL_CARD_PRESENT) | (channel == CHANNEL_ATM)
    jitter = rng.normal(0, 0.03, (len(card), 2))
    return pd.DataFrame(
        {
            "card": card,
            "t": t.astype(np.int64),
            "channel": channel,
            "merchant": merchant,
            "mcc": np.where(channel == CHANNEL_ATM, ATM_MCC, merchant_mcc[merchant]),
            "amount": np.maximum(np.round(amount, 2), 0.5),
            "device": np.where(channel == CHANNEL_ECOMMERCE, device, -1),
            "lat": np.where(located, where[:, 0] + jitter[:, 0], np.nan),
            "lon": np.where(located, where[:, 1] + jitter[:, 1], np.nan),
            "scenario": scenario,
        }
    )


def fraud_rows(rng: np.random.Generator, cards: Cards, legit: pd.DataFrame, n_rows: int, merchant_mcc: np.ndarray) -> list[pd.DataFrame]:
    """One frame per fraud event."""
    frames: list[pd.DataFrame] = []
    located_legit = legit[legit["channel"] != CHANNEL_ECOMMERCE]
    for scenario, (per_100k, (lo, hi)) in SCENARIOS.items():
        for _ in range(max(1, round(per_100k * n_rows / 100_000))):
            k = int(rng.integers(lo, hi + 1))
            anchor = located_legit.iloc[int(rng.integers(0, len(located_legit)))]
            c, t0 = int(anchor["card"]), int(anchor["t"])
            frames.append(fraud_event(rng, scenario, k, c, t0, cards, merchant_mcc))
    return frames


def fraud_event(rng: np.random.Generator, scenario: str, k: int, c: int, t0: int, cards: Cards, merchant_mcc: np.ndarray) -> pd.DataFrame:
    cards_k = np.full(k, c)
    home = np.repeat(cards.home[c][None, :], k, axis=0)
    new_device = rng.integers(10_000, 1_000_000, k)
    random_merchants = rng.integers(0, len(merchant_mcc), k)
    usual = cards.mean_amount[c]
    ecommerce = np.full(k, CHANNEL_ECOMMERCE)
    present = np.full(k, CHANNEL_CARD_PRESENT)
    if scenario == "card_testing":
        t = t0 + HOUR_MS * 5 + np.sort(rng.integers(0, 10 * MINUTE_MS, k))
        return rows_frame(rng, cards_k, t, ecommerce, random_merchants, rng.uniform(0.5, 3, k), new_device, home, merchant_mcc, scenario)
    if scenario == "impossible_travel":
        far = np.repeat(FAR_CITIES[rng.integers(0, len(FAR_CITIES))][None, :], k, axis=0)
        t = t0 + rng.integers(2 * MINUTE_MS, 90 * MINUTE_MS) + np.arange(k) * 7 * MINUTE_MS
        channel = np.where(rng.random(k) < 0.5, CHANNEL_ATM, CHANNEL_CARD_PRESENT)
        return rows_frame(rng, cards_k, t, channel, random_merchants, usual * rng.lognormal(1.0, 0.5, k), new_device, far, merchant_mcc, scenario)
    if scenario == "account_takeover":
        t = t0 + DAY_MS + hour_profile_ms(rng, 1, night=True) + np.arange(k) * 20 * MINUTE_MS
        return rows_frame(rng, cards_k, t, ecommerce, random_merchants, usual * rng.uniform(3, 10, k), np.full(k, new_device[0]), home, merchant_mcc, scenario)
    if scenario == "compromised_merchant":
        # One merchant, many cards, spread over a week: later frauds see earlier confirmed ones.
        merchant = np.full(k, random_merchants[0])
        victims = rng.integers(0, len(cards.activity), k)
        t = t0 + np.sort(rng.integers(0, 7 * DAY_MS, k))
        amount = cards.mean_amount[victims] * rng.lognormal(0.5, 0.4, k)
        return rows_frame(rng, victims, t, present, merchant, amount, rng.integers(0, 2, k), cards.home[victims], merchant_mcc, scenario)
    if scenario == "amount_spike":
        t = t0 + rng.integers(HOUR_MS, 3 * DAY_MS, k)
        return rows_frame(
            rng, cards_k, t, present, cards.favourite_merchants[c, :k], usual * rng.uniform(8, 30, k), rng.integers(0, 2, k), home, merchant_mcc, scenario
        )
    # "hard": fraud that looks like the card's own spending.
    t = t0 + rng.integers(HOUR_MS, 3 * DAY_MS, k)
    return rows_frame(
        rng, cards_k, t, present, cards.favourite_merchants[c, :k], usual * rng.lognormal(0, 0.45, k), rng.integers(0, 2, k), home, merchant_mcc, scenario
    )


def window_counts(entity: np.ndarray, t: np.ndarray, values: np.ndarray, window_ms: int) -> tuple[np.ndarray, np.ndarray]:
    """Count and sum of each row's entity's rows in (t - window, t), rows sorted by (entity, t)."""
    keys = entity * KEY_STRIDE + t
    first = np.searchsorted(keys, keys - window_ms, side="right")
    before = np.searchsorted(keys, keys, side="left")  # excludes the row itself and same-time rows
    cumulative = np.concatenate([[0.0], np.cumsum(values)])
    return (before - first).astype(np.float64), cumulative[before] - cumulative[first]


def confirmed_frauds(entity: np.ndarray, t: np.ndarray, label_at: np.ndarray, is_fraud: np.ndarray, window_ms: int) -> np.ndarray:
    """Frauds of the row's entity that happened within the window before t and whose label had arrived by t."""
    keys = entity * KEY_STRIDE + t
    fraud = np.flatnonzero(is_fraud)
    start = np.searchsorted(keys, entity[fraud] * KEY_STRIDE + label_at[fraud], side="left")
    end = np.searchsorted(keys, entity[fraud] * KEY_STRIDE + t[fraud] + window_ms, side="left")
    keep = start < end
    diff = np.zeros(len(t) + 1)
    np.add.at(diff, start[keep], 1)
    np.add.at(diff, end[keep], -1)
    return np.cumsum(diff)[:-1]


def haversine_km(lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(np.radians(lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(a))


def card_features(df: pd.DataFrame) -> None:
    """Adds the card features in place; df is sorted by (card, t)."""
    card, t, amount = df["card"].to_numpy(), df["t"].to_numpy(), df["amount"].to_numpy()
    for name, window in (("1m", MINUTE_MS), ("1h", HOUR_MS), ("24h", DAY_MS), ("30d", 30 * DAY_MS)):
        df[f"card_count_{name}"], df[f"card_sum_{name}"] = window_counts(card, t, amount, window)
    count30, sum30 = df["card_count_30d"].to_numpy(), df["card_sum_30d"].to_numpy()
    avg = np.where(count30 > 0, sum30 / np.maximum(count30, 1), -1.0)
    df["card_avg_amount_30d"] = avg
    df["amount_to_avg_30d"] = np.where(avg > 0, amount / np.where(avg > 0, avg, 1), -1.0)

    index = np.arange(len(df))
    same_card_prev = np.r_[False, card[1:] == card[:-1]]
    df["seconds_since_prev"] = np.where(same_card_prev, (t - np.roll(t, 1)) / 1000, -1.0)
    located = ~np.isnan(df["lat"].to_numpy())
    # Index of the last located row strictly before this one; it is this card's when the card matches.
    prev_located = np.r_[-1, np.maximum.accumulate(np.where(located, index, -1))[:-1]]
    has_prev = located & (prev_located >= 0) & (card[np.maximum(prev_located, 0)] == card)
    p = np.maximum(prev_located, 0)
    lat, lon = df["lat"].to_numpy(), df["lon"].to_numpy()
    km = np.where(has_prev, haversine_km(lat[p], lon[p], lat, lon), -1.0)
    seconds = np.where(has_prev, (t - t[p]) / 1000, -1.0)
    hours = seconds / 3600
    speed = np.where(hours > 0, km / np.where(hours > 0, hours, 1), np.where(km > 0, 1e6, 0.0))
    df["km_from_prev"], df["seconds_since_prev_located"] = km, seconds
    df["speed_kmh_from_prev"] = np.where(has_prev, speed, -1.0)
    seen_device = df.duplicated(["card", "device"]).to_numpy()
    df["device_seen"] = np.where(df["device"].to_numpy() < 0, -1.0, seen_device.astype(np.float64))
    df["merchant_seen"] = df.duplicated(["card", "merchant"]).to_numpy().astype(np.float64)
    is_fraud, label_at = df["label"].to_numpy() == 1, df["label_at"].to_numpy()
    df["card_frauds_7d"] = confirmed_frauds(card, t, label_at, is_fraud, 7 * DAY_MS)
    df["card_frauds_30d"] = confirmed_frauds(card, t, label_at, is_fraud, 30 * DAY_MS)


def merchant_features(df: pd.DataFrame) -> None:
    """Adds the merchant features in place; df is sorted by (merchant, t)."""
    merchant, t = df["merchant"].to_numpy(), df["t"].to_numpy()
    ones = np.ones(len(df))
    df["merchant_count_1h"] = window_counts(merchant, t, ones, HOUR_MS)[0]
    df["merchant_count_24h"] = window_counts(merchant, t, ones, DAY_MS)[0]
    is_fraud, label_at = df["label"].to_numpy() == 1, df["label_at"].to_numpy()
    df["merchant_frauds_7d"] = confirmed_frauds(merchant, t, label_at, is_fraud, 7 * DAY_MS)
    df["merchant_frauds_30d"] = confirmed_frauds(merchant, t, label_at, is_fraud, 30 * DAY_MS)


def main() -> None:
    args = parse_args()
    rng = np.random.default_rng(args.seed)
    start_ms = int(pd.Timestamp(args.start, tz="UTC").value // 1_000_000)
    n_cards, n_merchants = max(50, args.rows // 50), max(20, args.rows // 100)
    merchant_mcc = MCCS[rng.integers(0, len(MCCS), n_merchants)]
    cards = make_cards(rng, n_cards, n_merchants)
    fraud_share = sum(rate * (lo + hi) / 2 for rate, (lo, hi) in SCENARIOS.values()) / 100_000
    legit = legit_rows(rng, cards, round(args.rows * (1 - fraud_share)), start_ms, args.days, merchant_mcc)
    df = pd.concat([legit, *fraud_rows(rng, cards, legit, args.rows, merchant_mcc)], ignore_index=True)
    df = df[df["t"] < start_ms + args.days * DAY_MS].reset_index(drop=True)
    df["label"] = (df["scenario"] != "").astype(np.int8)
    # Labels arrive 1 to 5 days after the fraud (chargebacks, customer calls).
    df["label_at"] = df["t"] + rng.integers(DAY_MS, 5 * DAY_MS, len(df))
    df["transactionId"] = [f"tx-{i:08d}" for i in range(len(df))]

    when = pd.to_datetime(df["t"], unit="ms", utc=True)
    df["hour_of_day"] = when.dt.hour + when.dt.minute / 60
    df["day_of_week"] = (when.dt.day_of_week + 1) % 7  # JavaScript getUTCDay: Sunday = 0
    df["merchant_category"] = df["mcc"]
    df = df.sort_values(["card", "t", "transactionId"], kind="stable").reset_index(drop=True)
    card_features(df)
    df = df.sort_values(["merchant", "t", "transactionId"], kind="stable").reset_index(drop=True)
    merchant_features(df)
    df = df.sort_values(["t", "transactionId"], kind="stable").reset_index(drop=True)
    write_csv(df, args.out)
    print(f"wrote {len(df)} rows, {int(df['label'].sum())} frauds ({df['label'].mean():.3%}) to {args.out}")


def write_csv(df: pd.DataFrame, path: str) -> None:
    out = pd.DataFrame(
        {
            "transactionId": df["transactionId"],
            "cardId": "card-" + df["card"].astype(str),
            "occurredAtMs": df["t"],
            "label": df["label"],
            "scenario": df["scenario"],
        }
    )
    # float32 like the service's input tensor; pandas writes float32 in its shortest round-trip form.
    for name in FEATURES:
        out[name] = df[name].to_numpy(dtype=np.float32)
    out.to_csv(path, index=False)


if __name__ == "__main__":
    main()
