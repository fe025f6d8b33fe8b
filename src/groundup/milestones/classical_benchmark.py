"""Milestone ``classical-benchmark``: every classical classifier next to its scikit-learn twin.

Each groundup classifier and the scikit-learn estimator of the same name, with the same
hyper-parameters, are fitted on the same stratified 70/30 split of iris, wine, breast cancer
and digits (features standardised with the training split's mean and deviation, except for
multinomial naive Bayes, which needs the raw non-negative counts). One table reports held-out
accuracy and fit time for both, written to ``classical_benchmark.md`` in the run directory
and, in a full run, to the section between the markers below in ``docs/results.md`` (other
sections are left untouched; ``--set results=PATH`` writes elsewhere, ``--set results=``
nowhere). The datasets are the units of the run's loop: ``--resume`` continues after the
last dataset finished.

scikit-learn is imported inside :func:`train` only: it is the comparison, not a dependency.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any, Literal

import numpy as np

from groundup.milestones.base import Milestone, Min, RunConfig, RunContext
from groundup.utils.atomic_io import atomic_write

BEGIN = "<!-- results:classical-benchmark -->"
END = "<!-- /results:classical-benchmark -->"
DATASETS = ("iris", "wine", "breast_cancer", "digits")


@dataclass(frozen=True)
class Config(RunConfig):
    """The ``--set`` options of ``classical-benchmark``."""

    datasets: tuple[Literal["iris", "wine", "breast_cancer", "digits"], ...] = DATASETS
    """The scikit-learn datasets compared on, comma-separated."""
    n_estimators: Annotated[int, Min(1)] = 100
    """Trees of both random forests."""
    results: str = "docs/results.md"
    """Markdown file whose classical-benchmark section is updated (empty: none)."""

    def quick(self) -> Config:
        return replace(self, datasets=("iris",), n_estimators=10, results="")


def models(n_estimators: int = 100) -> list[tuple[str, dict[str, Any], bool]]:
    """(class name, hyper-parameters, standardise features?) for every classifier compared."""
    return [
        ("LogisticRegression", {"C": 1.0, "max_iter": 1000}, True),
        ("LinearSVC", {"C": 1.0, "max_iter": 5000}, True),
        ("SVC", {"kernel": "rbf", "C": 1.0}, True),
        ("KNeighborsClassifier", {"n_neighbors": 5}, True),
        ("GaussianNB", {}, True),
        ("MultinomialNB", {"alpha": 1.0}, False),
        ("DecisionTreeClassifier", {"random_state": 0}, False),
        ("RandomForestClassifier", {"n_estimators": n_estimators, "random_state": 0}, False),
    ]


def stratified_split(
    y: np.ndarray, test_fraction: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Train and test row indices with each class split in the same proportion."""
    test = []
    for c in np.unique(y):
        rows = rng.permutation(np.flatnonzero(y == c))
        test.append(rows[: round(test_fraction * rows.size)])
    test_idx = np.sort(np.concatenate(test))
    return np.setdiff1d(np.arange(y.size), test_idx), test_idx


def replace_section(text: str, body: str, begin: str = BEGIN, end: str = END) -> str:
    """``text`` with the lines between the markers replaced by ``body`` (appended if absent)."""
    block = f"{begin}\n{body.rstrip()}\n{end}"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        _, tail = rest.split(end, 1)
        return head + block + tail
    sep = "" if not text or text.endswith("\n\n") else ("\n" if text.endswith("\n") else "\n\n")
    return text + sep + block + "\n"


def _timed_fit(est: Any, X: np.ndarray, y: np.ndarray) -> float:
    t0 = time.perf_counter()
    est.fit(X, y)
    return time.perf_counter() - t0


def train(cfg: Config, ctx: RunContext) -> dict[str, Any]:
    import warnings

    import sklearn.ensemble
    import sklearn.naive_bayes
    import sklearn.neighbors
    import sklearn.svm
    import sklearn.tree
    from sklearn import linear_model

    import groundup.classical_ml as ours
    from groundup.data import registry

    twins = {
        "LogisticRegression": linear_model.LogisticRegression,
        "LinearSVC": sklearn.svm.LinearSVC,
        "SVC": sklearn.svm.SVC,
        "KNeighborsClassifier": sklearn.neighbors.KNeighborsClassifier,
        "GaussianNB": sklearn.naive_bayes.GaussianNB,
        "MultinomialNB": sklearn.naive_bayes.MultinomialNB,
        "DecisionTreeClassifier": sklearn.tree.DecisionTreeClassifier,
        "RandomForestClassifier": sklearn.ensemble.RandomForestClassifier,
    }
    loop = ctx.loop(len(cfg.datasets), unit="dataset", state={"rows": []})
    rows: list[dict[str, Any]] = loop.state["rows"]
    for i in loop:
        data_name = cfg.datasets[i]
        data = registry.load(data_name)
        X, y = np.asarray(data["data"], dtype=np.float64), np.asarray(data["target"])
        tr, te = stratified_split(y, 0.3, ctx.rng(1))  # the same fresh stream per dataset
        mu, sd = X[tr].mean(axis=0), X[tr].std(axis=0)
        sd[sd == 0] = 1.0
        for name, params, standardise in models(cfg.n_estimators):
            Xs = (X - mu) / sd if standardise else X
            result = {"dataset": data_name, "model": name}
            for side, cls in (("groundup", getattr(ours, name)), ("sklearn", twins[name])):
                est = cls(**params)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")  # e.g. liblinear's convergence notes
                    result[f"{side}_fit_s"] = _timed_fit(est, Xs[tr], y[tr])
                    result[f"{side}_accuracy"] = float(np.mean(est.predict(Xs[te]) == y[te]))
            rows.append(result)
            ctx.log(
                step=len(rows),
                **{k: v for k, v in result.items() if k not in ("dataset", "model")},
            )
    table = format_table(rows)
    atomic_write(ctx.out_dir / "classical_benchmark.md", table)
    target = cfg.results
    if target:
        path = Path(target)
        old = path.read_text() if path.exists() else "# Results\n"
        atomic_write(path, replace_section(old, table))
    gaps = [r["groundup_accuracy"] - r["sklearn_accuracy"] for r in rows]
    return {
        "rows": rows,
        "worst_accuracy_gap": float(min(gaps)),
        "mean_accuracy_gap": float(np.mean(gaps)),
        "results_file": target or None,
    }


def format_table(rows: list[dict[str, Any]]) -> str:
    """The comparison as a Markdown table, with the command that reproduces it."""
    lines = [
        "## Classical classifiers: groundup vs scikit-learn",
        "",
        "Same stratified 70/30 split, same hyper-parameters; held-out accuracy and fit time "
        "(one run, 2 shared CPU cores). Reproduce: `groundup run classical-benchmark`.",
        "",
        "| dataset | model | groundup acc | sklearn acc | groundup fit (s) | sklearn fit (s) | time ratio |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        ratio = r["groundup_fit_s"] / max(r["sklearn_fit_s"], 1e-9)
        lines.append(
            f"| {r['dataset']} | {r['model']} | {r['groundup_accuracy']:.4f} | "
            f"{r['sklearn_accuracy']:.4f} | {r['groundup_fit_s']:.4f} | "
            f"{r['sklearn_fit_s']:.4f} | {ratio:.2f} |"
        )
    return "\n".join(lines) + "\n"


MILESTONE = Milestone(
    name="classical-benchmark",
    title="Every classical classifier and its scikit-learn twin: accuracy and fit time",
    phase="Phase 4 (implementation curriculum), weeks 6-7: classical ML",
    target="every groundup accuracy within 0.03 of scikit-learn's",
    expected_time="~1 min on 2 cores",
    train=train,
    config=Config,
    check=lambda s: s["worst_accuracy_gap"] >= -0.03,
)
