#!/usr/bin/env python3
"""Trains the fraud model on the replay's features CSV and exports it for the service.

    python models/train/train.py --features FILE --out DIR [--gap-days 14] [--test-days 30]
        [--seed 7] [--deny-threshold 0.8] [--review-threshold 0.5]

Writes DIR/model.onnx, metadata.json, parity.json, MODEL_CARD.md, pr_curve.png and
score_histogram.png. The split is by event time: train | validation (early stopping) | gap
(dropped: its labels would not be known yet in production) | test (the last --test-days days,
reported on and never trained on).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import json
import logging
import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# OpenMP threads (LightGBM's) spin while they wait for each other by default. On a busy
# 2-core machine a spinning thread keeps its partner off the CPU and a fit took 100 times
# longer (320 s instead of 2 s); waiting passively costs next to nothing on an idle one. Set
# before the imports below load the OpenMP runtime, which reads it once.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import lightgbm as lgb
import matplotlib
import numpy as np
import onnx
import onnxmltools
import onnxruntime as ort
import pandas as pd
from onnxmltools.convert.common.data_types import FloatTensorType
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import average_precision_score, precision_recall_curve, roc_auc_score, roc_curve
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

matplotlib.use("Agg")  # headless: no display on CI or servers
import matplotlib.pyplot as plt  # after the backend choice above

log = logging.getLogger("train")

ID_COLUMNS = ["transactionId", "cardId", "occurredAtMs", "label", "scenario"]
DAY_MS = 86_400_000
INPUT_NAME = "features"
PROBABILITY_COLUMN = 1
PARITY_TOLERANCE = 1e-5
PARITY_ROWS = 300
PARITY_MAX_FRAUDS = 100
VALIDATION_SHARE = 0.15
TARGET_FPR = 0.01
CARD_PRECISION_K = 100
MAX_TREES = 300
EARLY_STOPPING_ROUNDS = 30
# A class weight makes the scores stop being probabilities (the deny/review thresholds are on
# that scale), so it is kept only when it buys at least this much validation average precision.
WEIGHTING_MIN_GAIN = 0.005
# An upper bound: the converter uses the lowest opsets its operators need (ai.onnx 9 and
# ai.onnx.ml 1, IR version 4 with the versions pinned here), which every onnxruntime loads.
TARGET_OPSET = 15
BATCH_DIMENSION = "N"
RETRAIN_COMMAND = "npm run train -- --transactions FILE --labels FILE"

# Generated from the service's feature catalogue (src/model/feature-catalogue.ts) by
# `npm run docs:config`; a unit test there fails when it is stale.
FEATURE_MEANINGS: dict[str, str] = json.loads((Path(__file__).parent / "feature_meanings.json").read_text(encoding="utf-8"))


@dataclass
class Data:
    """The CSV in memory: identifiers per row and the float32 feature matrix, in time order."""

    card: pd.Series
    time_ms: np.ndarray
    label: np.ndarray
    scenario: np.ndarray
    x: np.ndarray
    feature_names: list[str]


@dataclass
class Split:
    """Row masks and the time boundaries (epoch ms) they were cut at."""

    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray
    start_ms: int
    validation_ms: int
    gap_ms: int
    test_ms: int
    end_ms: int


@dataclass
class Fit:
    booster: lgb.Booster
    params: dict[str, Any]
    validation_ap: float
    candidates: list[dict[str, float]]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--features", required=True, type=Path, help="features CSV from the replay")
    parser.add_argument("--out", required=True, type=Path, help="output directory")
    parser.add_argument("--gap-days", type=int, default=14)
    parser.add_argument("--test-days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--deny-threshold", type=float, default=0.8)
    parser.add_argument("--review-threshold", type=float, default=0.5)
    args = parser.parse_args(argv)
    if not 0 <= args.review_threshold <= args.deny_threshold <= 1:
        parser.error("need 0 <= review threshold <= deny threshold <= 1")
    if args.gap_days < 0 or args.test_days < 1:
        parser.error("need --gap-days >= 0 and --test-days >= 1")
    return args


# ---------------------------------------------------------------- reading


def read_header(path: Path) -> list[str]:
    with path.open(newline="") as f:
        header = next(csv.reader(f))
    if header[: len(ID_COLUMNS)] != ID_COLUMNS or len(header) == len(ID_COLUMNS):
        raise ValueError(f"{path}: header must start with {','.join(ID_COLUMNS)} and then list the features, got {header[:6]}...")
    return header


def read_features(path: Path) -> Data:
    header = read_header(path)
    feature_names = header[len(ID_COLUMNS) :]
    dtypes: dict[str, Any] = {"cardId": "category", "occurredAtMs": np.int64, "label": np.int8, "scenario": "category"}
    # Each value is parsed as a double and rounded once to float32, as the service does when it
    # fills its Float32Array input tensor from JavaScript numbers.
    dtypes.update({name: np.float32 for name in feature_names})
    frame = pd.read_csv(path, usecols=header[1:], dtype=dtypes, engine="c")
    x = frame[feature_names].to_numpy(dtype=np.float32)
    frame = frame.drop(columns=feature_names)
    check_values(path, x, frame["label"].to_numpy(), feature_names)
    order = np.argsort(frame["occurredAtMs"].to_numpy(), kind="stable")  # a no-op when already in time order
    scenario = frame["scenario"].astype(object).where(frame["scenario"].notna(), "").to_numpy()  # empty = legitimate
    return Data(
        card=frame["cardId"].iloc[order].reset_index(drop=True),
        time_ms=frame["occurredAtMs"].to_numpy()[order],
        label=frame["label"].to_numpy()[order],
        scenario=scenario[order],
        x=np.ascontiguousarray(x[order]),
        feature_names=feature_names,
    )


def check_values(path: Path, x: np.ndarray, label: np.ndarray, names: list[str]) -> None:
    finite = np.isfinite(x).all(axis=0)
    if not finite.all():
        bad = [names[j] for j in np.flatnonzero(~finite)]
        raise ValueError(f"{path}: non-finite feature values (unknowns must be -1) in {bad}")
    if not np.isin(label, (0, 1)).all():
        raise ValueError(f"{path}: label must be 0 or 1")


# ---------------------------------------------------------------- split


def time_split(time_ms: np.ndarray, test_days: int, gap_days: int) -> Split:
    """Test = the last test_days UTC calendar days; the gap before it is dropped; the last
    VALIDATION_SHARE of the remaining time is the validation slice."""
    start, last = int(time_ms[0]), int(time_ms[-1])
    end = (last // DAY_MS + 1) * DAY_MS  # whole days, so card precision per day sees full days
    test_ms = end - test_days * DAY_MS
    gap_ms = test_ms - gap_days * DAY_MS
    if gap_ms <= start:
        raise ValueError(f"the data spans {(end - start) / DAY_MS:.1f} days: too short for {test_days} test days and a {gap_days}-day gap")
    validation_ms = start + int((gap_ms - start) * (1 - VALIDATION_SHARE))
    return Split(
        train=time_ms < validation_ms,
        validation=(time_ms >= validation_ms) & (time_ms < gap_ms),
        test=time_ms >= test_ms,
        start_ms=start,
        validation_ms=validation_ms,
        gap_ms=gap_ms,
        test_ms=test_ms,
        end_ms=end,
    )


def require_frauds(data: Data, split: Split) -> None:
    for name in ("train", "validation", "test"):
        mask = getattr(split, name)
        if mask.sum() == 0 or data.label[mask].sum() == 0:
            raise ValueError(f"the {name} period has {int(mask.sum())} rows and {int(data.label[mask].sum())} frauds: need both")


# ---------------------------------------------------------------- training


def base_params(seed: int) -> dict[str, Any]:
    return {
        "objective": "binary",
        "metric": "average_precision",
        "learning_rate": 0.05,
        "num_leaves": 31,
        "min_child_samples": 50,
        "feature_fraction": 0.8,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "lambda_l2": 1.0,
        "max_bin": 255,
        "seed": seed,
        "num_threads": 2,
        "deterministic": True,
        "force_row_wise": True,
        "verbose": -1,
    }


def dataset(x: np.ndarray, y: np.ndarray, names: list[str], reference: lgb.Dataset | None = None) -> lgb.Dataset:
    # Float32 in, as at serving: the bin boundaries (split thresholds) fall between float32
    # values. Built lazily by lgb.train, with its params (max_bin, seed).
    return lgb.Dataset(x, label=y, feature_name=names, reference=reference)


def fit_with_early_stopping(params: dict[str, Any], train: lgb.Dataset, validation: lgb.Dataset) -> tuple[lgb.Booster, float]:
    booster = lgb.train(
        params,
        train,
        num_boost_round=MAX_TREES,
        valid_sets=[validation],
        valid_names=["validation"],
        callbacks=[lgb.early_stopping(EARLY_STOPPING_ROUNDS, first_metric_only=True, verbose=False)],
    )
    return booster, float(booster.best_score["validation"]["average_precision"])


def train_model(data: Data, split: Split, seed: int) -> Fit:
    """Picks the class weighting and the number of trees on validation, then refits on train +
    validation so the most recent weeks before the gap are in the model."""
    y_train, y_val = data.label[split.train], data.label[split.validation]
    negatives, positives = int((y_train == 0).sum()), int(y_train.sum())
    params = base_params(seed)
    train_ds = dataset(data.x[split.train], y_train, data.feature_names)
    val_ds = dataset(data.x[split.validation], y_val, data.feature_names, reference=train_ds)
    candidates: list[dict[str, float]] = []
    best: tuple[float, float, int] | None = None  # (ap, weight, trees)
    # No weight, a moderate one, and the full class ratio (what is_unbalance would use).
    for weight in (1.0, math.sqrt(negatives / positives), negatives / positives):
        booster, ap = fit_with_early_stopping({**params, "scale_pos_weight": weight}, train_ds, val_ds)
        candidates.append({"scalePosWeight": weight, "validationAveragePrecision": ap, "trees": booster.best_iteration})
        log.info("scale_pos_weight %.1f: validation AP %.4f at %d trees", weight, ap, booster.best_iteration)
        if best is None or ap > best[0] + WEIGHTING_MIN_GAIN:
            best = (ap, weight, booster.best_iteration)
    assert best is not None
    ap, weight, trees = best
    final_params = {**params, "scale_pos_weight": weight}
    refit_mask = split.train | split.validation
    refit_ds = dataset(data.x[refit_mask], data.label[refit_mask], data.feature_names)
    booster = lgb.train(final_params, refit_ds, num_boost_round=trees)
    return Fit(booster=booster, params={**final_params, "num_boost_round": trees}, validation_ap=ap, candidates=candidates)


def predict(booster: lgb.Booster, x: np.ndarray) -> np.ndarray:
    """Fraud probabilities (what LGBMClassifier.predict_proba(x)[:, 1] gives), as doubles."""
    return np.asarray(booster.predict(x), dtype=np.float64)


# ---------------------------------------------------------------- ONNX export and parity


def float32_exact_thresholds(booster: lgb.Booster) -> tuple[lgb.Booster, int]:
    """The same model with every split threshold t replaced by the largest float32 <= t.

    LightGBM compares a float32 input, widened to double, with a double threshold; the ONNX
    tree operator stores thresholds as float32, rounded to nearest. When that rounding goes
    up, an input equal to the rounded value goes left in ONNX and right in LightGBM, and the
    scores differ by a whole leaf. With the threshold rounded down instead, `x <= t` gives
    the same answer in both for every float32 x, so this booster predicts exactly what the
    original does and converts without loss.
    """
    lines = booster.model_to_string().split("\n")
    changed = 0
    for i, line in enumerate(lines):
        if line.startswith("tree_sizes="):
            lines[i] = ""  # byte offsets of the trees, stale once a threshold is rewritten; optional
        if line.startswith("num_cat=") and line != "num_cat=0":
            raise ValueError("categorical splits are not handled by the threshold rounding")
        if not line.startswith("threshold="):
            continue
        t = np.array(line[len("threshold=") :].split(), dtype=np.float64)
        f = t.astype(np.float32)
        f = np.where(f.astype(np.float64) > t, np.nextafter(f, np.float32(-np.inf)), f)
        changed += int(np.count_nonzero(f.astype(np.float64) != t))
        lines[i] = "threshold=" + " ".join(repr(float(v)) for v in f)
    return lgb.Booster(model_str="\n".join(lines)), changed


def export_onnx(booster: lgb.Booster, n_features: int) -> tuple[bytes, str]:
    model = onnxmltools.convert_lightgbm(
        booster,
        name="fraud_lightgbm",  # fixed: the default is a random UUID, which would change the bytes
        initial_types=[(INPUT_NAME, FloatTensorType([None, n_features]))],
        target_opset=TARGET_OPSET,
        zipmap=False,
    )
    name_batch_dimension(model)
    sort_opsets(model)
    onnx.checker.check_model(model)
    if any(node.op_type == "ZipMap" for node in model.graph.node):
        raise RuntimeError("the ONNX graph has a ZipMap: onnxruntime-node cannot return its output")
    for output in model.graph.output:
        if not output.type.HasField("tensor_type"):
            raise RuntimeError(f"ONNX output {output.name} is not a tensor")
    return model.SerializeToString(), probability_output(model)


def name_batch_dimension(model: onnx.ModelProto) -> None:
    """The converter declares the label output as shape [1] although it has one value per row,
    and onnxruntime then logs a shape warning on every run that fetches it."""
    for value in [*model.graph.input, *model.graph.output]:
        dims = value.type.tensor_type.shape.dim
        if dims:
            dims[0].Clear()
            dims[0].dim_param = BATCH_DIMENSION


def sort_opsets(model: onnx.ModelProto) -> None:
    """The converter lists the opsets in set order, which changes with Python's hash seed from
    run to run; sorted, the same model always serialises to the same bytes (and version)."""
    opsets = sorted((o.domain, o.version) for o in model.opset_import)
    del model.opset_import[:]
    for domain, version in opsets:
        model.opset_import.add(domain=domain, version=version)


def probability_output(model: onnx.ModelProto) -> str:
    for output in model.graph.output:
        tensor = output.type.tensor_type
        dims = [d.dim_value if d.HasField("dim_value") else None for d in tensor.shape.dim]
        if tensor.elem_type == onnx.TensorProto.FLOAT and len(dims) == 2 and dims[1] == 2:
            return output.name
    raise RuntimeError(f"no float [N, 2] probability output among {[o.name for o in model.graph.output]}")


def onnx_scores(model_bytes: bytes, output: str, x: np.ndarray) -> np.ndarray:
    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(model_bytes, options, providers=["CPUExecutionProvider"])
    return session.run([output], {INPUT_NAME: x})[0][:, PROBABILITY_COLUMN].astype(np.float64)


def parity_sample(label: np.ndarray, seed: int) -> np.ndarray:
    """Indices into the test rows: all frauds up to PARITY_MAX_FRAUDS, legit rows for the rest."""
    rng = np.random.default_rng(seed)
    frauds, legit = np.flatnonzero(label == 1), np.flatnonzero(label == 0)
    frauds = rng.choice(frauds, min(len(frauds), PARITY_MAX_FRAUDS), replace=False)
    legit = rng.choice(legit, min(len(legit), PARITY_ROWS - len(frauds)), replace=False)
    return np.sort(np.concatenate([frauds, legit]))


def parity_document(names: list[str], x: np.ndarray, scores: np.ndarray) -> dict[str, Any]:
    # float(np.float32(v)) is the float32 value as a double; its repr (which json uses)
    # round-trips, so the service reads back the exact float32 inputs.
    return {
        "featureNames": names,
        "rows": [[float(np.float32(v)) for v in row] for row in x],
        "scores": [float(s) for s in scores],
    }


# ---------------------------------------------------------------- evaluation


def at_threshold(y: np.ndarray, scores: np.ndarray, threshold: float) -> dict[str, float | None]:
    alerts = scores >= threshold
    caught = int((alerts & (y == 1)).sum())
    return {
        "threshold": threshold,
        "precision": caught / int(alerts.sum()) if alerts.any() else None,
        "recall": caught / int(y.sum()),
        "fpr": int((alerts & (y == 0)).sum()) / int((y == 0).sum()),
        "alertRate": float(alerts.mean()),
    }


def threshold_at_fpr(y: np.ndarray, scores: np.ndarray, target: float) -> float:
    """The lowest score threshold (alert when score >= it) whose FPR on the negatives is <= target."""
    # Every threshold, not just the curve's corners: the best one under the target may sit on a straight stretch.
    fpr, _, thresholds = roc_curve(y, scores, drop_intermediate=False)
    index = int(np.searchsorted(fpr, target, side="right")) - 1
    return float(min(thresholds[index], 1.0))


def per_scenario(y: np.ndarray, scenario: np.ndarray, scores: np.ndarray, thresholds: dict[str, float]) -> dict[str, dict[str, float]]:
    result: dict[str, dict[str, float]] = {}
    for name in sorted(set(scenario[y == 1])):
        mask = (y == 1) & (scenario == name)
        row: dict[str, float] = {"frauds": int(mask.sum())}
        for key, threshold in thresholds.items():
            row[key] = float((scores[mask] >= threshold).mean())
        result[name or "(unnamed)"] = row
    return result


def card_precision_per_day(card: pd.Series, time_ms: np.ndarray, y: np.ndarray, scores: np.ndarray, k: int) -> dict[str, Any]:
    """Per UTC day: rank cards by their highest score that day, take the top k, and measure the
    share of them with at least one fraud that day (an analyst's daily queue of cards)."""
    frame = pd.DataFrame({"day": time_ms // DAY_MS, "card": card.astype(str).to_numpy(), "score": scores, "fraud": y})
    per_card = frame.groupby(["day", "card"], sort=True).agg(score=("score", "max"), fraud=("fraud", "max")).reset_index()
    per_card = per_card.sort_values(["day", "score", "card"], ascending=[True, False, True], kind="stable")
    days: list[dict[str, Any]] = []
    for _, cards in per_card.groupby("day", sort=True):
        top = cards.head(k)
        days.append(
            {
                "date": (dt.date(1970, 1, 1) + dt.timedelta(days=int(cards["day"].iloc[0]))).isoformat(),
                "cards": len(cards),
                "fraudCards": int(cards["fraud"].sum()),
                "precision": float(top["fraud"].mean()),
            }
        )
    values = [float(d["precision"]) for d in days]
    # What a perfect ranking would reach: a day with 8 fraud cards caps precision@100 at 0.08.
    ceiling = [min(int(d["fraudCards"]), k) / min(int(d["cards"]), k) for d in days]
    return {
        "k": k,
        "mean": float(np.mean(values)),
        "min": float(np.min(values)),
        "max": float(np.max(values)),
        "ceilingMean": float(np.mean(ceiling)),
        "days": days,
    }


def evaluate(data: Data, mask: np.ndarray, scores: np.ndarray, deny: float, review: float) -> dict[str, Any]:
    y, scenario = data.label[mask], data.scenario[mask]
    fpr_threshold = threshold_at_fpr(y, scores, TARGET_FPR)
    return {
        "rocAuc": float(roc_auc_score(y, scores)),
        "averagePrecision": float(average_precision_score(y, scores)),
        "at1PctFpr": at_threshold(y, scores, fpr_threshold),
        "atDeny": at_threshold(y, scores, deny),
        "atReview": at_threshold(y, scores, review),
        "perScenario": per_scenario(y, scenario, scores, {"recallAtReview": review, "recallAt1PctFpr": fpr_threshold}),
        "cardPrecisionAt100PerDay": card_precision_per_day(data.card[mask].reset_index(drop=True), data.time_ms[mask], y, scores, CARD_PRECISION_K),
    }


def logistic_baseline(data: Data, split: Split, seed: int) -> dict[str, Any]:
    """The published baseline, on the same rows: a standardised logistic regression fitted on
    train + validation (the rows the final model is refit on) and scored on the test period, so
    the model card says what the trees buy over it."""
    fit_mask = split.train | split.validation
    baseline = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000, random_state=seed))
    baseline.fit(data.x[fit_mask].astype(np.float64), data.label[fit_mask])
    scores = baseline.predict_proba(data.x[split.test].astype(np.float64))[:, 1]
    y = data.label[split.test]
    cards = card_precision_per_day(data.card[split.test].reset_index(drop=True), data.time_ms[split.test], y, scores, CARD_PRECISION_K)
    return {
        "model": "standardised logistic regression (sklearn, lbfgs)",
        "rocAuc": float(roc_auc_score(y, scores)),
        "averagePrecision": float(average_precision_score(y, scores)),
        "cardPrecisionAt100PerDay": cards["mean"],
    }


def feature_importance(booster: lgb.Booster) -> list[dict[str, Any]]:
    gains = booster.feature_importance(importance_type="gain")
    ranked = sorted(zip(booster.feature_name(), gains, strict=True), key=lambda p: (-p[1], p[0]))
    return [{"name": name, "gain": round(float(gain), 3)} for name, gain in ranked]


# ---------------------------------------------------------------- plots


def plot_pr_curve(y: np.ndarray, scores: np.ndarray, metrics: dict[str, Any], path: Path) -> None:
    precision, recall, _ = precision_recall_curve(y, scores)
    point = metrics["at1PctFpr"]
    fig, ax = plt.subplots(figsize=(6, 4.5), dpi=110)
    ax.plot(recall, precision, label=f"test period, AP = {metrics['averagePrecision']:.3f}")
    ax.plot([point["recall"]], [point["precision"] or 0], "o", color="C3", label=f"1% FPR: score >= {point['threshold']:.3f}, recall {point['recall']:.2f}")
    ax.axhline(y.mean(), color="grey", lw=0.8, ls="--", label=f"fraud rate {y.mean():.2%}")
    ax.set(xlabel="recall", ylabel="precision", xlim=(0, 1), ylim=(0, 1.02), title="Precision-recall on the held-out test period")
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


def plot_score_histogram(y: np.ndarray, scores: np.ndarray, deny: float, review: float, path: Path) -> None:
    bins = np.linspace(0, 1, 51).tolist()
    fig, ax = plt.subplots(figsize=(6, 4.5), dpi=110)
    ax.hist(scores[y == 0], bins=bins, alpha=0.6, label=f"legitimate ({int((y == 0).sum())})")
    ax.hist(scores[y == 1], bins=bins, alpha=0.6, label=f"fraud ({int(y.sum())})")
    for value, name in ((review, "review"), (deny, "deny")):
        ax.axvline(value, color="black", lw=0.8, ls="--")
        ax.text(value, 0.97, f" {name}", transform=ax.get_xaxis_transform(), va="top", fontsize=8)
    ax.set(yscale="log", xlabel="fraud score", ylabel="transactions (log scale)", title="Scores on the held-out test period")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


# ---------------------------------------------------------------- outputs


def iso(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def metadata_document(
    args: argparse.Namespace,
    data: Data,
    split: Split,
    fit: Fit,
    model_bytes: bytes,
    output: str,
    metrics: dict[str, Any],
    parity: dict[str, Any],
    created: dt.datetime,
) -> dict[str, Any]:
    model = onnx.load_from_string(model_bytes)
    y = data.label
    refit = split.train | split.validation
    return {
        "modelVersion": f"{created:%Y%m%d}-{hashlib.sha256(model_bytes).hexdigest()[:10]}",
        "createdAt": created.isoformat().replace("+00:00", "Z"),
        "featureNames": data.feature_names,
        "input": INPUT_NAME,
        "output": output,
        "probabilityColumn": PROBABILITY_COLUMN,
        "thresholds": {"deny": args.deny_threshold, "review": args.review_threshold},
        "trainingWindow": {"from": iso(split.start_ms), "to": iso(split.gap_ms)},
        "validationWindow": {"from": iso(split.validation_ms), "to": iso(split.gap_ms)},
        "gapDays": args.gap_days,
        "testWindow": {"from": iso(split.test_ms), "to": iso(split.end_ms)},
        "rows": {
            "train": int(split.train.sum()),
            "validation": int(split.validation.sum()),
            "refit": int(refit.sum()),
            "gapDropped": int((~refit & ~split.test).sum()),
            "test": int(split.test.sum()),
            "trainFrauds": int(y[split.train].sum()),
            "validationFrauds": int(y[split.validation].sum()),
            "testFrauds": int(y[split.test].sum()),
        },
        "metrics": {**metrics, "validation": {"averagePrecision": fit.validation_ap, "weightingCandidates": fit.candidates}},
        "parity": parity,
        "featureImportance": feature_importance(fit.booster),
        "params": fit.params,
        "onnx": {"irVersion": model.ir_version, "opsets": {o.domain or "ai.onnx": o.version for o in model.opset_import}},
        "library": {
            "lightgbm": lgb.__version__,
            "onnxmltools": onnxmltools.__version__,
            "onnx": onnx.__version__,
            "onnxruntime": ort.__version__,
        },
        "source": {"features": str(args.features), "rows": len(y), "frauds": int(y.sum()), "seed": args.seed},
    }


def fmt(value: float | None, spec: str = ".3f") -> str:
    return "n/a" if value is None else format(value, spec)


def model_card(meta: dict[str, Any], data: Data) -> str:
    m, rows = meta["metrics"], meta["rows"]
    cp = m["cardPrecisionAt100PerDay"]
    scenarios = sorted(set(data.scenario[data.label == 1]) - {""})
    lines = [
        f"# Fraud model {meta['modelVersion']}",
        "",
        f"Gradient-boosted trees (LightGBM {meta['library']['lightgbm']}, {meta['params']['num_boost_round']} trees, "
        f"{meta['params']['num_leaves']} leaves at most) scoring one card transaction from the service's own features: "
        "the probability that it is fraud. Exported to ONNX (`model.onnx`) for onnxruntime-node; "
        f"created {meta['createdAt']}.",
        "",
        "## Intended use",
        "",
        "The third check of the service's fraud decision, beside the rule engine and the velocity features "
        "(which are also its input). The score alone can deny or send to review (see Thresholds); rules still "
        "decide on their own. It is not meant for other portfolios, currencies or feature definitions than "
        "those it was trained on, and not as the only line of defence.",
        "",
        "## Training data",
        "",
        f"`{meta['source']['features']}`: {meta['source']['rows']:,} transactions, {meta['source']['frauds']:,} frauds "
        f"({meta['source']['frauds'] / meta['source']['rows']:.3%}), split by event time (UTC, windows are [from, to)):",
        "",
        "| part | window | rows | frauds |",
        "|---|---|---:|---:|",
        f"| train | {meta['trainingWindow']['from']} to {meta['validationWindow']['from']} | {rows['train']:,} | {rows['trainFrauds']:,} |",
        f"| validation (early stopping, class weight) | {meta['validationWindow']['from']} to {meta['validationWindow']['to']} | "
        f"{rows['validation']:,} | {rows['validationFrauds']:,} |",
        f"| gap, dropped | {meta['gapDays']} days to {meta['testWindow']['from']} | {rows['gapDropped']:,} | |",
        f"| test (held out) | {meta['testWindow']['from']} to {meta['testWindow']['to']} | {rows['test']:,} | {rows['testFrauds']:,} |",
        "",
        "The number of trees and the class weight were chosen on validation; the final model was then refit on "
        f"train + validation ({rows['refit']:,} rows). The gap stands for label delay: a model trained today has "
        "no reliable labels for the last weeks, so the test period starts that long after the training data ends.",
    ]
    if scenarios:
        lines += [
            "",
            "Frauds carry the name of the simulator scenario that produced them: " + ", ".join(f"`{s}`" for s in scenarios) + ". The data is synthetic.",
        ]
    lines += [
        "",
        "## Features",
        "",
        "In this order (the ONNX input `features`, float32, one row per transaction); -1 means unknown.",
        "",
        "| # | feature | meaning |",
        "|---:|---|---|",
    ]
    lines += [f"| {i} | `{n}` | {FEATURE_MEANINGS.get(n, n)} |" for i, n in enumerate(meta["featureNames"])]
    lines += [
        "",
        "## Evaluation on the held-out test period",
        "",
        "| metric | value |",
        "|---|---:|",
        f"| ROC AUC | {m['rocAuc']:.4f} |",
        f"| average precision | {m['averagePrecision']:.4f} |",
        f"| recall at 1% FPR (score >= {m['at1PctFpr']['threshold']:.4f}) | {m['at1PctFpr']['recall']:.3f} |",
        f"| precision at 1% FPR | {fmt(m['at1PctFpr']['precision'])} |",
        f"| precision / recall at deny (>= {m['atDeny']['threshold']}) | {fmt(m['atDeny']['precision'])} / {m['atDeny']['recall']:.3f} |",
        f"| precision / recall at review (>= {m['atReview']['threshold']}) | {fmt(m['atReview']['precision'])} / {m['atReview']['recall']:.3f} |",
        f"| card precision@{cp['k']} per day: mean (min, max) over {len(cp['days'])} days | {cp['mean']:.3f} ({cp['min']:.3f}, {cp['max']:.3f}) |",
        f"| card precision@{cp['k']} per day of a perfect ranking (mean) | {cp['ceilingMean']:.3f} |",
        f"| validation average precision | {m['validation']['averagePrecision']:.4f} |",
        "",
        f"Card precision@{cp['k']}: each UTC day, the {cp['k']} cards with the highest score that day (a day's review "
        "queue), and the share of them with at least one fraud that day (over all cards when a day has fewer). "
        "It cannot exceed the day's number of fraud cards divided by 100, hence the perfect-ranking row.",
        "",
        "### Against the published baseline, same rows",
        "",
        "| model | ROC AUC | average precision | card precision@100 per day |",
        "|---|---:|---:|---:|",
        f"| this model (gradient-boosted trees) | {m['rocAuc']:.4f} | {m['averagePrecision']:.4f} | {cp['mean']:.3f} |",
        f"| {m['baseline']['model']}, fitted on train + validation | {m['baseline']['rocAuc']:.4f} | {m['baseline']['averagePrecision']:.4f} "
        f"| {m['baseline']['cardPrecisionAt100PerDay']:.3f} |",
        "",
        "### Recall per fraud scenario",
        "",
        "| scenario | frauds | recall at review | recall at 1% FPR |",
        "|---|---:|---:|---:|",
    ]
    lines += [f"| {name} | {r['frauds']} | {r['recallAtReview']:.3f} | {r['recallAt1PctFpr']:.3f} |" for name, r in m["perScenario"].items()]
    lines += [
        "",
        "![Precision-recall curve](pr_curve.png)",
        "",
        "![Score histogram](score_histogram.png)",
        "",
        "## Most important features",
        "",
        "Total split gain, top 10:",
        "",
        "| feature | gain | share |",
        "|---|---:|---:|",
    ]
    total = sum(f["gain"] for f in meta["featureImportance"]) or 1.0
    lines += [f"| `{f['name']}` | {f['gain']:,.1f} | {f['gain'] / total:.1%} |" for f in meta["featureImportance"][:10]]
    t = meta["thresholds"]
    lines += [
        "",
        "## Thresholds",
        "",
        f"- **deny >= {t['deny']}**: the service denies on the score alone (reason `MODEL_SCORE_HIGH`). "
        f"On the test period: precision {fmt(m['atDeny']['precision'])}, recall {m['atDeny']['recall']:.3f}, "
        f"{m['atDeny']['alertRate']:.4%} of transactions.",
        f"- **review >= {t['review']}**: sent to manual review (reason `MODEL_SCORE_ELEVATED`). "
        f"Precision {fmt(m['atReview']['precision'])}, recall {m['atReview']['recall']:.3f}, {m['atReview']['alertRate']:.4%} of transactions.",
        f"- For reference, a 1% false-positive rate is reached at score >= {m['at1PctFpr']['threshold']:.4f}.",
        "",
        "The service's thresholds come from its configuration; these are the ones this model was evaluated at. "
        f"Scores are probabilities only while no class weight is used (this model: scale_pos_weight "
        f"{meta['params']['scale_pos_weight']:.3g}).",
        "",
        "## Parity",
        "",
        f"onnxruntime {meta['library']['onnxruntime']} on `model.onnx` against LightGBM on all {meta['rows']['test']:,} test rows "
        f"(float32 input): max abs difference {meta['parity']['maxAbsDiff']:.3g} (limit {PARITY_TOLERANCE:g}). "
        f"`parity.json` holds {meta['parity']['rows']} test rows with LightGBM's scores for the service's own check. "
        "Split thresholds were rounded down to float32 before the export "
        f"({meta['parity']['thresholdsRounded']} of them), which changes no LightGBM prediction on float32 input "
        "and makes the float32 ONNX trees take the same branches.",
        "",
        "## Limitations",
        "",
        "- Trained and evaluated on simulated data when scenario names are present: real fraud is more varied, "
        "and these numbers say how well the model learnt the simulator, not real-world performance.",
        "- Drift: spending patterns and fraud tactics change; the test period is the only evidence of how the "
        "model ages. Retrain regularly and watch the score distribution in production.",
        f"- Label delay: confirmed-fraud counts and labels arrive late; the {meta['gapDays']}-day gap imitates that, "
        "but frauds confirmed later still than that are missing from the training labels.",
        "- Features are the service's; any change to how it computes them needs a retrain (the service refuses a "
        "model whose feature names differ, but not one whose features changed meaning).",
        "",
        "## How to retrain",
        "",
        "```bash",
        RETRAIN_COMMAND,
        "```",
        "",
        f"which replays the transactions through the service's feature code and runs `models/train/train.py` "
        f"(seed {meta['source']['seed']}; same input and seed give the same model). "
        "`bash models/train/setup_venv.sh` prepares the Python environment.",
        "",
    ]
    return "\n".join(lines)


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document, indent=2, allow_nan=False) + "\n")


def summary(meta: dict[str, Any], out: Path, seconds_by_step: dict[str, float]) -> str:
    m, rows = meta["metrics"], meta["rows"]
    cp = m["cardPrecisionAt100PerDay"]
    return "\n".join(
        [
            f"model {meta['modelVersion']} -> {out}",
            f"  rows: train {rows['train']:,} / validation {rows['validation']:,} / test {rows['test']:,} "
            f"(frauds {rows['trainFrauds']:,} / {rows['validationFrauds']:,} / {rows['testFrauds']:,}); "
            f"{meta['params']['num_boost_round']} trees, scale_pos_weight {meta['params']['scale_pos_weight']:.3g}",
            f"  test: ROC AUC {m['rocAuc']:.4f}, AP {m['averagePrecision']:.4f}, recall@1%FPR {m['at1PctFpr']['recall']:.3f}, "
            f"card precision@100/day {cp['mean']:.3f} (min {cp['min']:.3f}, max {cp['max']:.3f}; perfect ranking {cp['ceilingMean']:.3f})",
            f"  baseline ({m['baseline']['model']}): ROC AUC {m['baseline']['rocAuc']:.4f}, AP {m['baseline']['averagePrecision']:.4f}, "
            f"card precision@100/day {m['baseline']['cardPrecisionAt100PerDay']:.3f}",
            f"  review >= {m['atReview']['threshold']}: precision {fmt(m['atReview']['precision'])}, recall {m['atReview']['recall']:.3f}; "
            f"deny >= {m['atDeny']['threshold']}: precision {fmt(m['atDeny']['precision'])}, recall {m['atDeny']['recall']:.3f}",
            f"  top features: {', '.join(f['name'] for f in meta['featureImportance'][:5])}",
            f"  ONNX output '{meta['output']}', parity max abs diff {meta['parity']['maxAbsDiff']:.3g} on {rows['test']:,} test rows",
            "  seconds: " + ", ".join(f"{k} {v:.1f}" for k, v in seconds_by_step.items()),
        ]
    )


class Stopwatch:
    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = now - self._last
        self._last = now
        log.info("%s done in %.1f s", name, self.laps[name])


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stderr)
    args = parse_args(argv)
    watch = Stopwatch()
    data = read_features(args.features)
    split = time_split(data.time_ms, args.test_days, args.gap_days)
    require_frauds(data, split)
    watch.lap("read")

    fit = train_model(data, split, args.seed)
    watch.lap("train")

    x_test, y_test = data.x[split.test], data.label[split.test]
    scores = predict(fit.booster, x_test)
    exact, rounded = float32_exact_thresholds(fit.booster)
    if not np.array_equal(predict(exact, x_test), scores):
        raise RuntimeError("rounding thresholds to float32 changed LightGBM's predictions")
    model_bytes, output = export_onnx(exact, x_test.shape[1])
    max_diff = float(np.max(np.abs(onnx_scores(model_bytes, output, x_test) - scores)))
    if max_diff > PARITY_TOLERANCE:
        raise RuntimeError(f"ONNX and LightGBM differ by up to {max_diff:.3g} on the test set (limit {PARITY_TOLERANCE:g})")
    sample = parity_sample(y_test, args.seed)
    watch.lap("export")

    metrics = evaluate(data, split.test, scores, args.deny_threshold, args.review_threshold)
    metrics["baseline"] = logistic_baseline(data, split, args.seed)
    watch.lap("baseline")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "model.onnx").write_bytes(model_bytes)
    write_json(args.out / "parity.json", parity_document(data.feature_names, x_test[sample], scores[sample]))
    parity = {"maxAbsDiff": max_diff, "tolerance": PARITY_TOLERANCE, "testRows": len(scores), "rows": len(sample), "thresholdsRounded": rounded}
    meta = metadata_document(args, data, split, fit, model_bytes, output, metrics, parity, dt.datetime.now(dt.UTC).replace(microsecond=0))
    write_json(args.out / "metadata.json", meta)
    plot_pr_curve(y_test, scores, metrics, args.out / "pr_curve.png")
    plot_score_histogram(y_test, scores, args.deny_threshold, args.review_threshold, args.out / "score_histogram.png")
    (args.out / "MODEL_CARD.md").write_text(model_card(meta, data))
    watch.lap("evaluate")
    print(summary(meta, args.out, watch.laps))
    return 0


if __name__ == "__main__":
    sys.exit(main())
