"""Typed run configurations: --set parsed and checked from the dataclass fields."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Annotated, Literal

import pytest

from groundup.milestones import all_milestones
from groundup.milestones.config import (
    ConfigError,
    Max,
    Min,
    RunConfig,
    as_dict,
    configure,
    describe_fields,
    format_value,
    from_dict,
)


@dataclass(frozen=True)
class Example(RunConfig):
    """A config with one field of every supported kind."""

    steps: Annotated[int, Min(1)] = 10
    """Steps."""
    lr: Annotated[float, Min(0, exclusive=True)] = 1e-3
    """Learning rate."""
    hidden: Annotated[tuple[int, ...], Min(1)] = (8, 4)
    """Hidden sizes,
    comma-separated (only this first line is the help)."""
    betas: tuple[float, float] = (0.9, 0.99)
    """Adam's betas."""
    bias: bool = False
    """Biases."""
    pos: Literal["learned", "rope"] = "learned"
    """Positions."""
    limit: Annotated[int | None, Min(1)] = None
    """At most this many (none: all)."""
    p: Annotated[float, Min(0), Max(1, exclusive=True)] = 0.5
    """A probability."""
    name: str = "x"
    """A name."""

    def quick(self) -> Example:
        return replace(self, steps=2, hidden=(2,))

    def resolve(self) -> Example:
        if self.limit is not None and self.limit > self.steps:
            raise ConfigError(f"limit={self.limit} must be <= steps={self.steps}")
        return self


def test_values_are_converted_by_the_field_types():
    cfg = configure(
        Example,
        {
            "steps": "4e3",
            "lr": "3e-4",
            "hidden": "512, 256",
            "betas": "0.8,0.95",
            "bias": "yes",
            "pos": "rope",
            "limit": "7",
            "p": "0",
            "name": " y ",
        },
    )
    assert cfg == Example(4000, 3e-4, (512, 256), (0.8, 0.95), True, "rope", 7, 0.0, "y")
    assert configure(Example, {"limit": "none", "bias": "0"}) == Example()


def test_quick_is_a_transform_that_set_overrides():
    assert configure(Example, quick=True) == Example(steps=2, hidden=(2,))
    assert configure(Example, {"hidden": "16"}, quick=True).hidden == (16,)


@pytest.mark.parametrize(
    ("sets", "message"),
    [
        ({"stepz": "3"}, "--set stepz=3: unknown option; the options are: steps, lr, hidden,"),
        ({"steps": "1.5"}, "--set steps=1.5: steps must be an int, got '1.5'"),
        ({"steps": "many"}, "--set steps=many: steps must be an int, got 'many'"),
        ({"bias": "maybe"}, "--set bias=maybe: bias must be a bool, got 'maybe'"),
        ({"pos": "alibi"}, "--set pos=alibi: pos must be one of 'learned', 'rope', got 'alibi'"),
        ({"betas": "0.9"}, "--set betas=0.9: betas must be 2 floats, comma-separated, got '0.9'"),
        (
            {"hidden": "8,-1"},
            "--set hidden=8,-1: hidden (ints, comma-separated) each item must be >= 1",
        ),
        ({"hidden": ""}, "--set hidden=: hidden (ints, comma-separated) must not be empty"),
        ({"steps": "0"}, "--set steps=0: steps (int) must be >= 1"),
        ({"lr": "0"}, "--set lr=0: lr (float) must be > 0"),
        ({"p": "1"}, "--set p=1: p (float) must be < 1"),
        ({"limit": "0"}, "--set limit=0: limit (int or none) must be >= 1"),
        ({"limit": "11"}, "limit=11 must be <= steps=10"),
    ],
)
def test_a_bad_key_or_value_names_the_field_its_type_and_the_value(sets, message):
    with pytest.raises(ConfigError) as err:
        configure(Example, sets)
    assert message in str(err.value)


def test_fields_are_described_with_type_default_and_first_docstring_line():
    fields = {f.name: f for f in describe_fields(Example)}
    assert fields["hidden"].help == "Hidden sizes,"
    assert fields["hidden"].type_name == "ints, comma-separated"
    assert fields["limit"].type_name == "int or none" and fields["limit"].default is None
    assert fields["pos"].type_name == "one of 'learned', 'rope'"
    assert [format_value(f.default) for f in fields.values()] == [
        "10", "0.001", "8,4", "0.9,0.99", "false", "learned", "none", "0.5", "x",
    ]  # fmt: skip


@pytest.mark.parametrize("quick", [False, True])
def test_every_milestone_config_round_trips_through_json(quick):
    for m in all_milestones().values():
        cfg = configure(m.config, quick=quick)
        assert from_dict(m.config, as_dict(cfg)) == cfg, m.name
        for f in describe_fields(m.config):  # the default passes its own field's checks
            configure(m.config, {f.name: format_value(getattr(cfg, f.name))}, quick=quick)


def test_a_renamed_field_keeps_its_old_name_for_set_and_old_runs():
    from groundup.milestones.gpt_shakespeare import Config as GPTConfig

    assert configure(GPTConfig, {"gelu": "none"}).approximate == "none"
    old_run = {**as_dict(GPTConfig()), "gelu": "none"}
    del old_run["approximate"]
    assert from_dict(GPTConfig, old_run).approximate == "none"
    with pytest.raises(ConfigError, match="unknown option"):
        configure(GPTConfig, {"gleu": "none"})
