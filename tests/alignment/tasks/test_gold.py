"""The gold scorers, and the rule that nothing the learner is made of can import them."""

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import groundup.alignment
from groundup.alignment.tasks.gold import gold_preference, gold_rhyme

GOLD = "groundup.alignment.tasks.gold"
ALIGNMENT = Path(groundup.alignment.__file__).parent


def imports_of(source: str, package: str) -> set[str]:
    """Absolute names of the modules ``source`` (a module of ``package``) imports."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            names.add(base)
            names |= {f"{base}.{a.name}" for a in node.names}
    return names


def test_the_import_checker_sees_every_form_of_import():
    pkg = "groundup.alignment.tasks"
    for src in (
        "import groundup.alignment.tasks.gold",
        "from groundup.alignment.tasks import gold",
        "from groundup.alignment.tasks.gold import gold_rhyme",
        "from . import gold",
        "from .gold import gold_preference",
    ):
        assert GOLD in imports_of(src, pkg), src
    assert GOLD not in imports_of("from groundup.alignment.tasks import rhyme", pkg)


def test_no_module_of_the_policy_or_the_reward_model_imports_the_gold_scorer():
    offenders = []
    for path in ALIGNMENT.rglob("*.py"):
        rel = path.relative_to(ALIGNMENT.parent.parent).with_suffix("")
        module = ".".join(rel.parts)
        if module == GOLD:
            continue
        package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
        if module.endswith(".__init__"):
            package = module[: -len(".__init__")]
        if GOLD in imports_of(path.read_text(), package):
            offenders.append(module)
    assert offenders == []


def test_importing_the_learner_side_does_not_load_the_gold_scorer():
    code = (
        "import sys, groundup.alignment, groundup.alignment.tasks, groundup.alignment.trainer, "
        "groundup.alignment.reward_model, groundup.alignment.policy\n"
        f"print({GOLD!r} in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_gold_rhyme_refuses_what_the_proxy_lets_through():
    vocab = {"coral", "is", "far", "more", "red", "than", "begun", "sun", "the"}
    prompts = ["My mistress' eyes are nothing like the sun\n"] * 4
    got = gold_rhyme(
        prompts, ["Coral is far more red than begun\n", "the sun\n", "xq zk xun\n", "red\n"], vocab
    )
    np.testing.assert_array_equal(got, [1, 0, 0, 0])


def test_gold_preference_rewards_the_lexicon_and_punishes_repetition_and_length():
    a, b, c, d = gold_preference(
        [
            "O sweet love, fair and gentle day\n",  # 4 positive words, 34 chars
            "O foul death, vile and bloody day\n",  # 4 negative words, 34 chars
            "and so and so and so and so and so\n",  # repeated 3-grams
            "x\n",  # far from 36 characters
        ]
    )
    assert a == pytest.approx(4 - 2 / 36) and b == pytest.approx(-4 - 2 / 36)
    assert c < -1.5 and d == pytest.approx(-34 / 36)
