#!/usr/bin/env python3
"""Self-test of the training pipeline, no pytest needed:

    .venv/bin/python models/train/test_train.py

Makes a small synthetic features CSV, runs train.py on it into a temporary directory and checks
what the service relies on: the files, the metadata's contract, the ONNX graph's outputs, and
that onnxruntime reproduces parity.json's scores. Ends with an 'N passed, N failed' line.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import traceback
from collections.abc import Callable
from pathlib import Path

import lightgbm as lgb
import numpy as np
import onnx
import onnxruntime as ort

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import train  # noqa: E402  (the directory is not a package)

OUTPUTS = ["model.onnx", "metadata.json", "parity.json", "MODEL_CARD.md", "pr_curve.png", "score_histogram.png"]


def run(script: str, *args: str, hash_seed: str = "0") -> str:
    # A fixed PYTHONHASHSEED per run: output that depends on set order differs between runs
    # with different ones (under 0 and 20, onnxmltools lists its opsets in different orders).
    env = {**os.environ, "PYTHONHASHSEED": hash_seed}
    done = subprocess.run([sys.executable, str(HERE / script), *args], capture_output=True, text=True, check=False, env=env)
    if done.returncode != 0:
        raise AssertionError(f"{script} exited {done.returncode}:\n{done.stderr[-3000:]}")
    return done.stdout


def make_csv(path: Path, rows: int, seed: int) -> None:
    run("make_synthetic_features.py", "--out", str(path), "--rows", str(rows), "--days", "90", "--seed", str(seed))


def header_of(path: Path) -> list[str]:
    with path.open(newline="") as f:
        return next(csv.reader(f))


def drop_column(source: Path, target: Path, column: str) -> None:
    with source.open(newline="") as f, target.open("w", newline="") as g:
        reader, writer = csv.reader(f), csv.writer(g)
        header = next(reader)
        keep = [i for i, name in enumerate(header) if name != column]
        writer.writerow([header[i] for i in keep])
        writer.writerows([row[i] for i in keep] for row in reader)


class Checks:
    def __init__(self, work: Path) -> None:
        self.work = work
        self.csv = work / "features.csv"
        self.out = work / "out"
        make_csv(self.csv, rows=40_000, seed=3)
        self.stdout = run("train.py", "--features", str(self.csv), "--out", str(self.out), "--seed", "5")
        self.meta = json.loads((self.out / "metadata.json").read_text())
        self.parity = json.loads((self.out / "parity.json").read_text())

    def test_outputs_exist(self) -> None:
        for name in OUTPUTS:
            assert (self.out / name).stat().st_size > 0, name
        for name in ("pr_curve.png", "score_histogram.png"):
            assert (self.out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", name
            assert f"]({name})" in (self.out / "MODEL_CARD.md").read_text(), f"{name} not embedded"
        assert "parity max abs diff" in self.stdout

    def test_metadata_contract(self) -> None:
        m = self.meta
        assert m["featureNames"] == header_of(self.csv)[5:]
        assert m["input"] == "features" and m["probabilityColumn"] == 1
        digest = hashlib.sha256((self.out / "model.onnx").read_bytes()).hexdigest()
        assert m["modelVersion"].endswith("-" + digest[:10]), m["modelVersion"]
        assert m["thresholds"] == {"deny": 0.8, "review": 0.5}
        assert set(m["library"]) == {"lightgbm", "onnxmltools", "onnx", "onnxruntime"}
        assert m["testWindow"]["from"] > m["trainingWindow"]["to"], "the gap is missing"
        rows = m["rows"]
        gap = rows["gapDropped"]
        assert rows["train"] + rows["validation"] + gap + rows["test"] == m["source"]["rows"]
        assert rows["testFrauds"] > 0 and rows["trainFrauds"] > 0
        assert sorted(f["name"] for f in m["featureImportance"]) == sorted(m["featureNames"])

    def test_metrics_present(self) -> None:
        metrics = self.meta["metrics"]
        for key in ("rocAuc", "averagePrecision"):
            assert 0.5 < metrics[key] <= 1, (key, metrics[key])  # the synthetic frauds are learnable
        for key in ("at1PctFpr", "atDeny", "atReview"):
            assert {"threshold", "precision", "recall", "fpr", "alertRate"} <= set(metrics[key]), key
        assert metrics["at1PctFpr"]["fpr"] <= 0.01
        assert metrics["perScenario"] and all({"frauds", "recallAtReview", "recallAt1PctFpr"} <= set(v) for v in metrics["perScenario"].values())
        cards = metrics["cardPrecisionAt100PerDay"]
        assert len(cards["days"]) == 30 and 0 <= cards["min"] <= cards["mean"] <= cards["max"] <= 1

    def test_onnx_graph(self) -> None:
        model = onnx.load(str(self.out / "model.onnx"))
        assert "ZipMap" not in {node.op_type for node in model.graph.node}
        assert all(o.type.HasField("tensor_type") for o in model.graph.output)
        assert [i.name for i in model.graph.input] == ["features"]
        assert self.meta["output"] in [o.name for o in model.graph.output]

    def test_parity(self) -> None:
        p = self.parity
        assert self.meta["parity"]["maxAbsDiff"] <= 1e-5
        assert p["featureNames"] == self.meta["featureNames"]
        assert 100 <= len(p["rows"]) <= 300 and len(p["rows"]) == len(p["scores"])
        x = np.array(p["rows"], dtype=np.float32)
        assert np.array_equal(x.astype(np.float64), np.array(p["rows"])), "rows must hold float32 values exactly"
        # What the service's own test does with onnxruntime-node, here with onnxruntime.
        session = ort.InferenceSession(str(self.out / "model.onnx"), providers=["CPUExecutionProvider"])
        (probabilities,) = session.run([self.meta["output"]], {"features": x})
        assert probabilities.shape == (len(x), 2)
        diff = np.abs(probabilities[:, 1].astype(np.float64) - np.array(p["scores"]))
        assert diff.max() <= 1e-5, diff.max()

    def test_deterministic(self) -> None:
        again = self.work / "again"
        run("train.py", "--features", str(self.csv), "--out", str(again), "--seed", "5", hash_seed="20")
        for name in ("model.onnx", "parity.json", "pr_curve.png"):
            assert (again / name).read_bytes() == (self.out / name).read_bytes(), name

    def test_features_come_from_the_header(self) -> None:
        fewer = self.work / "fewer.csv"
        drop_column(self.csv, fewer, "merchant_frauds_30d")
        run("train.py", "--features", str(fewer), "--out", str(self.work / "fewer"))
        meta = json.loads((self.work / "fewer" / "metadata.json").read_text())
        assert meta["featureNames"] == header_of(fewer)[5:] and len(meta["featureNames"]) == 26


def test_threshold_rounding_is_exact() -> None:
    """A threshold whose nearest float32 lies above it: LightGBM sends x = that float32 right,
    float32 ONNX (x <= rounded threshold) would send it left; rounding down keeps them equal."""
    rng = np.random.default_rng(0)
    # Adjacent float32 values with an odd then an even mantissa: LightGBM splits at their
    # midpoint, a tie that round-to-nearest-even resolves upwards, onto `high`.
    low = np.nextafter(np.float32(1), np.float32(2))
    high = np.nextafter(low, np.float32(2))
    x = np.concatenate([rng.choice([low, high], 400), rng.random(400).astype(np.float32) * 3])[:, None].astype(np.float32)
    y = (x[:, 0] >= high).astype(int)
    params = {"objective": "binary", "verbose": -1, "min_child_samples": 5, "num_leaves": 4, "deterministic": True, "num_threads": 1}
    booster = lgb.train(params, lgb.Dataset(x, y), 5)
    naive_bytes, naive_output = train.export_onnx(booster, 1)
    assert np.abs(train.onnx_scores(naive_bytes, naive_output, x) - booster.predict(x)).max() > 0.01, "the case no longer shows the problem"
    exact, _ = train.float32_exact_thresholds(booster)
    assert np.array_equal(exact.predict(x), booster.predict(x))
    model_bytes, output = train.export_onnx(exact, 1)
    assert np.abs(train.onnx_scores(model_bytes, output, x) - booster.predict(x)).max() <= 1e-6


def test_time_split() -> None:
    day = train.DAY_MS
    times = np.arange(0, 100 * day, 3_600_000, dtype=np.int64) + 5 * 60_000
    split = train.time_split(times, test_days=30, gap_days=14)
    assert split.test_ms == 70 * day and split.gap_ms == 56 * day and split.end_ms == 100 * day
    assert times[split.test].min() >= 70 * day and times[split.validation | split.train].max() < 56 * day
    assert not (split.train & split.validation).any() and times[split.train].max() < times[split.validation].min()


def main() -> int:
    results: list[tuple[str, BaseException | None]] = []

    def attempt(name: str, check: Callable[[], None]) -> None:
        try:
            check()
            results.append((name, None))
            print(f"ok    {name}")
        except Exception as error:  # report every failing check, not just the first
            results.append((name, error))
            print(f"FAIL  {name}\n{''.join(traceback.format_exception(error))}")

    attempt("threshold rounding is exact", test_threshold_rounding_is_exact)
    attempt("time split", test_time_split)
    with tempfile.TemporaryDirectory(prefix="train-test-") as tmp:
        checks: list[Checks] = []
        attempt("train.py runs on synthetic data", lambda: checks.append(Checks(Path(tmp))))
        for name in [n for n in dir(Checks) if n.startswith("test_")] if checks else []:
            attempt(name[5:].replace("_", " "), getattr(checks[0], name))
    failed = sum(1 for _, error in results if error is not None)
    print(f"{len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
