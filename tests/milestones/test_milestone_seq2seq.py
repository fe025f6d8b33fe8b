"""The seq2seq-dates milestone: its generated data, and a quick run end to end."""

from __future__ import annotations

import datetime
import json
import string

import numpy as np

from groundup.milestones import seq2seq_dates as dates
from groundup.milestones.runner import run_milestone

MARCH_3 = datetime.date(2021, 3, 3)


def test_templates_write_the_forms_of_the_issue():
    forms = {dates.render(t, MARCH_3) for t in dates.TEMPLATES}
    assert {"3rd of March 2021", "2021/3/3", "March 3, 2021", "03.03.21", "Wed 3 Mar 2021"} <= forms
    assert dates.render("{Weekday} {ord}", datetime.date(2024, 2, 29)) == "Thursday 29th"
    assert [dates._ordinal(d) for d in (1, 2, 3, 4, 11, 12, 13, 21, 22, 23, 31)] == [
        "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "23rd", "31st",
    ]  # fmt: skip


def test_every_form_names_one_date_only():
    """No two days of 1950-2049 are written alike by one template (else exact match is impossible)."""
    first = datetime.date(1950, 1, 1).toordinal()
    days = [datetime.date.fromordinal(first + i) for i in range(0, 36525, 3)] + [
        datetime.date(1950, 1, 1), datetime.date(2049, 12, 31), datetime.date(2000, 1, 1),
    ]  # fmt: skip
    for template in dates.TEMPLATES + dates.HELD_OUT_TEMPLATES:
        written = {dates.render(template, x) for x in days}
        assert len(written) == len(set(days)), template
        assert all(ch in dates.SRC_INDEX for s in written for ch in s), template


def test_no_string_is_written_for_two_dates_by_two_forms():
    """Across all forms together, one string names one date (the separator conventions hold)."""
    first = datetime.date(1950, 1, 1).toordinal()
    days = [datetime.date.fromordinal(first + i) for i in range(0, 36525, 7)]
    meaning: dict[str, datetime.date] = {}
    for template in dates.TEMPLATES + dates.HELD_OUT_TEMPLATES:
        for x in days:
            assert meaning.setdefault(dates.render(template, x), x) == x, (template, x)


def _parts(template: str) -> tuple[list[str], set[str]]:
    """The fields of ``template`` in order, and the words and punctuation between them."""
    parsed = list(string.Formatter().parse(template))
    fields = [name for _, name, _, _ in parsed if name]
    words = {w for literal, _, _, _ in parsed for w in literal.split()}
    return fields, words


def test_held_out_forms_recombine_parts_seen_in_training():
    """Each held-out form is new, but its field order, fields and words all occur in training."""
    kind = {"d": "D", "dd": "D", "ord": "D", "m": "M", "mm": "M", "Y": "Y", "yy": "Y"}
    kind |= dict.fromkeys(["Month", "month", "MONTH", "Mon", "MON"], "M")
    kind |= dict.fromkeys(["Weekday", "Wkd"], "")
    seen = [_parts(t) for t in dates.TEMPLATES]
    seen_fields = {f for fields, _ in seen for f in fields}
    seen_words = {w for _, words in seen for w in words}
    seen_orders = {"".join(kind[f] for f in fields) for fields, _ in seen}
    assert seen_orders == {"DMY", "MDY", "YMD"}
    for template in dates.HELD_OUT_TEMPLATES:
        assert template not in dates.TEMPLATES
        fields, words = _parts(template)
        assert set(fields) <= seen_fields and words <= seen_words, template
        assert "".join(kind[f] for f in fields) in seen_orders, template
    # the year-first dotted form: training has year-first dots ("2021.3.3") and zero-padded
    # year-first numbers ("2021/03/03"), never the two together
    assert "{Y}.{mm}.{dd}" in dates.HELD_OUT_TEMPLATES
    assert {"{Y}.{m}.{d}", "{Y}/{mm}/{dd}", "{Y}-{mm}-{dd}"} <= set(dates.TEMPLATES)
    assert not any(t.startswith("{Y}.{mm}") for t in dates.TEMPLATES)


def test_every_number_separator_follows_a_leading_year_in_training():
    """A four-digit year up front means year first, whatever joins the numbers after it."""
    for sep in ["/", "-", ".", " ", ""]:
        assert any(t.startswith(f"{{Y}}{sep}{{m") for t in dates.TEMPLATES), repr(sep)


def test_test_days_never_appear_in_training():
    train_days, test_days = dates.split_dates(np.random.default_rng(0))
    assert len(train_days) + len(test_days) == 36525
    assert len(test_days) == 3652 and not np.intersect1d(train_days, test_days).size
    again = dates.split_dates(np.random.default_rng(0))
    np.testing.assert_array_equal(again[1], test_days)
    _, outputs = dates.make_examples(test_days, dates.TEMPLATES, 50, np.random.default_rng(1))
    iso = {datetime.date.fromordinal(int(d)).isoformat() for d in test_days}
    assert set(outputs) <= iso


def test_encode_pads_sources_and_shifts_targets():
    src, tgt_in, tgt_out = dates.encode(["2021/3/3", "March 3, 2021"], ["2021-03-03"] * 2)
    assert src.shape == (2, 13) and not src[0, 8:].any() and src[0, :8].all()
    assert tgt_in[0, 0] == dates.TGT_INDEX["<bos>"] and tgt_out[0, -1] == dates.TGT_INDEX["<eos>"]
    np.testing.assert_array_equal(tgt_in[:, 1:], tgt_out[:, :-1])
    assert dates.decode(tgt_out) == ["2021-03-03", "2021-03-03"]


def test_quick_run_writes_the_attention_plot_and_a_summary(tmp_path):
    result = run_milestone("seq2seq-dates", quick=True, runs_dir=tmp_path, show_progress=False)
    files = {p.name for p in result.out_dir.iterdir()}
    assert {
        "summary.json",
        "metrics.jsonl",
        "curves.png",
        "attention.png",
        "checkpoint.npz",
    } <= files
    summary = json.loads((result.out_dir / "summary.json").read_text())
    assert summary["quick"] is True and summary["passed"] is None
    assert 0.0 <= summary["test_accuracy"] <= 1.0
    per_form = summary["unseen_template_accuracy"]
    assert set(per_form) == set(dates.HELD_OUT_TEMPLATES)
    assert np.isclose(summary["held_out_forms_accuracy"], np.mean(list(per_form.values())))
    full = {"test_accuracy": 1.0, "held_out_forms_accuracy": 0.94}
    assert not dates.MILESTONE.check(full) and dates.MILESTONE.check(
        full | {"held_out_forms_accuracy": 0.95}
    )
    losses = [json.loads(line)["loss"] for line in (result.out_dir / "metrics.jsonl").open()]
    assert losses[-1] < losses[0]  # 40 steps already lower the loss
