"""The classical milestones (gmm-em, tsne-digits, classical-benchmark): quick runs end to end,
and their helpers checked against independent computations."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn.manifold import trustworthiness as sk_trustworthiness
from threadpoolctl import threadpool_limits

from groundup.milestones.classical_benchmark import BEGIN, END, replace_section, stratified_split
from groundup.milestones.gmm_em import cluster_accuracy, ellipse_points, make_blobs_2d
from groundup.milestones.runner import run_milestone
from groundup.milestones.tsne_digits import trustworthiness


@pytest.fixture(autouse=True)
def _one_blas_thread():
    # Test workers share two cores: a multi-threaded BLAS then slows an SVD down 100-fold.
    with threadpool_limits(1):
        yield


def _summary(result) -> dict:
    return json.loads((result.out_dir / "summary.json").read_text())


def test_gmm_em_quick_run(tmp_path) -> None:
    result = run_milestone("gmm-em", quick=True, runs_dir=tmp_path, show_progress=False)
    s = _summary(result)
    assert {"em_iterations.png", "curves.png", "metrics.jsonl"} <= {
        p.name for p in result.out_dir.iterdir()
    }
    assert s["monotone"] and s["converged"] and s["quick"] and s["passed"] is None
    assert s["cluster_accuracy"] > 0.8  # three separated blobs, found from random responsibilities
    bounds = [json.loads(line)["lower_bound"] for line in (result.out_dir / "metrics.jsonl").open()]
    assert len(bounds) == s["n_iter"] and bounds[-1] == pytest.approx(s["lower_bound"])


def test_tsne_digits_quick_run(tmp_path) -> None:
    result = run_milestone("tsne-digits", quick=True, runs_dir=tmp_path, show_progress=False)
    s = _summary(result)
    assert (result.out_dir / "embedding.png").exists()
    Y = np.load(result.out_dir / "embedding.npy")
    assert Y.shape == (s["n_points"], 2)
    assert 0.85 < s["trustworthiness"] <= 1.0


def test_classical_benchmark_quick_run_writes_only_where_asked(tmp_path) -> None:
    results = tmp_path / "results.md"
    results.write_text("# Results\n\n<!-- results:other -->\nkeep me\n<!-- /results:other -->\n")
    result = run_milestone(
        "classical-benchmark",
        quick=True,
        runs_dir=tmp_path / "runs",
        show_progress=False,
        options={"results": str(results)},
    )
    s = _summary(result)
    assert len(s["rows"]) == 8 and {r["dataset"] for r in s["rows"]} == {"iris"}
    assert all(abs(r["groundup_accuracy"] - r["sklearn_accuracy"]) <= 0.1 for r in s["rows"])
    table = (result.out_dir / "classical_benchmark.md").read_text()
    text = results.read_text()
    assert "keep me" in text and table.strip() in text
    assert text.count(BEGIN) == 1 and text.count(END) == 1


def test_replace_section_replaces_in_place_and_appends_once() -> None:
    text = "intro\n\n" + f"{BEGIN}\nold\n{END}\n" + "outro\n"
    new = replace_section(text, "new table")
    assert new == "intro\n\n" + f"{BEGIN}\nnew table\n{END}\n" + "outro\n"
    appended = replace_section("# Results\n", "t")
    assert appended == f"# Results\n\n{BEGIN}\nt\n{END}\n"
    assert replace_section(appended, "t") == appended


def test_trustworthiness_equals_sklearns() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 6))
    for noise in (0.0, 0.5, 3.0):
        Y = X[:, :2] + noise * rng.normal(size=(120, 2))
        for k in (1, 5, 12):
            assert trustworthiness(X, Y, k) == pytest.approx(
                sk_trustworthiness(X, Y, n_neighbors=k), abs=1e-12
            )


def test_gmm_em_helpers() -> None:
    y_true = np.array([0, 0, 1, 1, 2, 2])
    assert cluster_accuracy(y_true, np.array([2, 2, 0, 0, 1, 1]), 3) == 1.0
    assert cluster_accuracy(y_true, np.array([2, 2, 0, 1, 1, 1]), 3) == pytest.approx(5 / 6)
    mean, cov = np.array([1.0, -2.0]), np.array([[2.0, 0.5], [0.5, 1.0]])
    E = ellipse_points(mean, cov)
    d = E - mean
    # every point is on $(x-\mu)^\top \Sigma^{-1} (x-\mu) = 2^2$
    np.testing.assert_allclose(np.einsum("ni,ij,nj->n", d, np.linalg.inv(cov), d), 4.0, rtol=1e-10)
    X, y = make_blobs_2d(3000, np.random.default_rng(0))
    np.testing.assert_allclose(X[y == 0].mean(axis=0), [0.0, 0.0], atol=0.15)
    np.testing.assert_allclose(np.cov(X[y == 0].T), [[2.0, 1.2], [1.2, 1.0]], atol=0.2)


def test_stratified_split_keeps_class_proportions() -> None:
    y = np.repeat([0, 1, 2], [50, 30, 20])
    tr, te = stratified_split(y, 0.3, np.random.default_rng(0))
    assert np.bincount(y[te]).tolist() == [15, 9, 6]
    assert np.intersect1d(tr, te).size == 0 and tr.size + te.size == 100
