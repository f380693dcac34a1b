#!/usr/bin/env python3
"""Draws the evaluation's charts from its report.json (written by models/evaluate/run.ts).

    python models/evaluate/charts.py --report DIR/report.json --out DIR

Writes DIR/pr_curve.png (the window's precision-recall curve, with the policy's review and deny
thresholds marked) and DIR/card_precision.png (card precision@k per day against its ceiling).
Run with the training venv (bash models/train/setup_venv.sh prints its python).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--report", type=Path, required=True, help="report.json of npm run evaluate")
    parser.add_argument("--out", type=Path, required=True, help="folder for the PNG files")
    return parser.parse_args(argv)


def window_text(data: dict[str, Any]) -> str:
    return f"{data['window']['from'][:10]} to {data['window']['to'][:10]} (end excluded)"


def no_data(ax: Any, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, color="grey")


def plot_pr_curve(report: dict[str, Any], path: Path) -> None:
    data, model = report["data"], report["model"]
    fig, ax = plt.subplots(figsize=(6, 4.5), dpi=110)
    curve = report["pr_curve"]
    if curve:
        # steps-pre holds each point's precision back to the previous recall: the area drawn is the AP.
        ax.plot(
            [p["recall"] for p in curve],
            [p["precision"] for p in curve],
            drawstyle="steps-pre",
            label=f"model {data['model']}, AP = {model['average_precision']:.3f}",
        )
        by_score = {row["score"]: row for row in report["thresholds"]}
        for name, score, colour in (("review", data["policy"]["reviewThreshold"], "C1"), ("deny", data["policy"]["denyThreshold"], "C3")):
            row = by_score.get(score)
            if row is None or row["precision"] is None or row["recall"] is None:
                continue
            ax.plot(
                [row["recall"]],
                [row["precision"]],
                "o",
                color=colour,
                label=f"{name}: score >= {score}, recall {row['recall']:.2f}, precision {row['precision']:.2f}",
            )
        if data["transactionsInWindow"] > 0:
            rate = data["fraudsInWindow"] / data["transactionsInWindow"]
            ax.axhline(rate, color="grey", lw=0.8, ls="--", label=f"fraud rate {rate:.2%}")
        ax.legend(loc="lower left", fontsize=7)
    else:
        no_data(ax, "no model scores" if data["model"] is None else "no fraud in the window")
    ax.set(
        xlabel="recall (share of frauds flagged)",
        ylabel="precision (share of flagged that are fraud)",
        xlim=(0, 1),
        ylim=(0, 1.02),
        title=f"Precision-recall, {window_text(data)}",
    )
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


def plot_card_precision(report: dict[str, Any], path: Path) -> None:
    data, model = report["data"], report["model"]
    k = data["k"]
    days = report["per_day"]
    fig, ax = plt.subplots(figsize=(7, 4.5), dpi=110)
    if days:
        x = list(range(len(days)))
        ceiling = [d["ceiling"] for d in days]
        ax.bar(x, ceiling, color="lightgrey", label=f"ceiling (perfect ranking), mean {model[f'card_precision_at_{k}_ceiling']:.3f}")
        precision = [d["card_precision_at_k"] for d in days]
        if all(p is not None for p in precision):
            mean = model[f"card_precision_at_{k}"]
            ax.plot(x, precision, "o-", color="C0", label=f"card precision@{k}" + ("" if mean is None else f", mean {mean:.3f}"))
        else:
            no_data(ax, "no model scores: the ceiling only")
        ax.set_xticks(x, [d["day"][5:] for d in days], rotation=45 if len(days) > 10 else 0, fontsize=8)
        ax.legend(loc="upper right", fontsize=8)
        top = max([*ceiling, *(p for p in precision if p is not None), 0.01])
        ax.set_ylim(0, min(1.02, top * 1.25))
    else:
        no_data(ax, "no transactions in the window")
    ax.set(xlabel="day (UTC, month-day)", ylabel=f"share of the top {k} cards with a fraud", title=f"Card precision@{k} per day, {window_text(data)}")
    fig.tight_layout()
    fig.savefig(path, metadata={"Software": None})
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    report = json.loads(args.report.read_text(encoding="utf8"))
    args.out.mkdir(parents=True, exist_ok=True)
    plot_pr_curve(report, args.out / "pr_curve.png")
    plot_card_precision(report, args.out / "card_precision.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
