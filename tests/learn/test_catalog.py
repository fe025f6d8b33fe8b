"""The exercise order follows the dependency graph; item ids; a cycle is a clear error."""

from __future__ import annotations

from pathlib import Path

import pytest

from groundup.errors import GroundupError
from groundup.learn import catalog


@pytest.mark.parametrize("track", [None, *catalog.tracks()])
def test_no_exercise_comes_before_one_it_depends_on(track: str | None) -> None:
    order = catalog.exercise_order(track)
    assert sorted(order) == sorted(catalog.exercises())  # each exercise once
    at = {e: n for n, e in enumerate(order)}
    for ex in catalog.exercises().values():
        for dep in ex.depends_on:
            assert at[dep] < at[ex.id], f"{track}: {ex.id} comes before {dep}, which it needs"


def test_the_implementation_order_fixes_what_learners_met() -> None:
    order = catalog.exercise_order("implementation")
    at = order.index
    # prerequisites the old track order contradicted
    assert at("momentum") < at("sgd") < at("adam")
    assert at("dropout") < at("mlp") and at("batchnorm") < at("mlp")
    assert at("layernorm") < at("batchnorm")
    # exercises the track does not list were appended after GPT; now each comes just
    # before the first exercise that needs it, or after its prerequisites
    assert at("init") == at("linear-layer") - 1
    assert at("sgd") < at("rmsprop") < at("gpt") and at("sgd") < at("adagrad") < at("gpt")
    assert at("mse-loss") < at("binary-cross-entropy") < at("cross-entropy")
    assert at("bpe") < at("gpt")
    # and where the graph allows, the track's own order stays
    track_order: list[str] = []
    for it in catalog.get_track("implementation").items():
        track_order += [e for e in it.exercises if e not in track_order]
    assert order[:6] == track_order[:6]


def test_item_ids_are_codes_or_slugs_and_unique_per_track() -> None:
    formulas = catalog.get_track("formulas")
    assert [i.id for i in formulas.items()][:3] == ["a1", "a2", "a3"]
    assert catalog.get_track("alignment").items()[8].id == "lesson-9"
    for t in catalog.tracks().values():
        ids = [i.id for i in t.items()]
        assert len(ids) == len(set(ids)), t.id


def _course(tmp_path: Path, exercises: str) -> Path:
    course = tmp_path / "course"
    (course / "tracks").mkdir(parents=True)
    (course / "exercises.toml").write_text(exercises)
    return course


def test_a_dependency_cycle_is_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry = '[[exercise]]\nid = "{}"\ntitle = "t"\nmodules = ["groundup.x"]\ntests = ["t"]\ntask = "t"\ndepends_on = [{}]\n'
    course = _course(
        tmp_path,
        entry.format("a", '"c"') + entry.format("b", '"a"') + entry.format("c", '"b"'),
    )
    monkeypatch.setenv("GROUNDUP_COURSE_DIR", str(course))
    with pytest.raises(
        GroundupError, match=r"depend on each other in a circle: (\w) -> \w -> \w -> \1"
    ):
        catalog.exercises()


def test_two_items_with_one_id_are_a_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    course = _course(tmp_path, "")
    (course / "tracks" / "t.toml").write_text(
        'id = "t"\ntitle = "T"\n[[group]]\ntitle = "G"\n'
        '[[group.item]]\ntitle = "PPO!"\n[[group.item]]\ntitle = "ppo"\n'
    )
    monkeypatch.setenv("GROUNDUP_COURSE_DIR", str(course))
    with pytest.raises(GroundupError, match="have the same id 'ppo'"):
        catalog.tracks()
