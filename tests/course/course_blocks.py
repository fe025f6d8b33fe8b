"""The course's lessons as the tests see them: the files, the lesson format, the ``groundup.`` references.

The format itself (code blocks, worked examples, figures, raises markers; parsed and run by Sybil)
is defined once, in ``course/assets/hooks/lesson_format.py``, which the site build uses too; this
module loads it and re-exports what the tests need.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
COURSE = ROOT / "course"
HOOKS = COURSE / "assets" / "hooks"

#: a dotted path into the library, e.g. ``groundup.optimization.losses.cross_entropy.cross_entropy``
REFERENCE = re.compile(r"(?<![\w./-])groundup(?:\.[A-Za-z_]\w*)+")


def load_hook_module(name: str) -> ModuleType:
    """A module of ``course/assets/hooks`` (loaded by path, as MkDocs loads its hooks)."""
    if name == "lesson_format" and "groundup_course_lesson_format" in sys.modules:
        return sys.modules["groundup_course_lesson_format"]
    key = "groundup_course_lesson_format" if name == "lesson_format" else f"groundup_course_{name}"
    spec = importlib.util.spec_from_file_location(key, HOOKS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[key] = module
    spec.loader.exec_module(module)
    return module


lesson_format = load_hook_module("lesson_format")
python_blocks = lesson_format.python_blocks
run_lesson = lesson_format.run_lesson


def lesson_files() -> list[Path]:
    """Every Markdown page under ``course/`` (all tracks), sorted.

    A lesson's slide deck (``alignment/lesson_NN/slides/*.md``) is Marp's Markdown, not a page of
    the site: it is built by Marp (``tests/course/test_slides.py``), not by MkDocs.
    """
    return sorted(p for p in COURSE.rglob("*.md") if "slides" not in p.relative_to(COURSE).parts)


def page_id(page: Path) -> str:
    return str(page.relative_to(COURSE))


def references(text: str) -> list[tuple[int, str]]:
    """Every ``groundup.`` dotted path in a Markdown text, with its 1-based line number."""
    found = []
    for n, line in enumerate(text.splitlines(), start=1):
        for m in REFERENCE.finditer(line):
            found.append((n, m.group(0).rstrip(".")))
    return found


#: Lessons written in the lesson format (``course/TEMPLATE.md``): each draws a figure, shows a
#: worked example's output, and names the command that starts each of its exercises. A lesson is
#: added here when it is converted; the list only grows.
CONVERTED = [
    "TEMPLATE.md",
    "alignment/lesson_01/conspect.md",
    "alignment/lesson_02/conspect.md",
    "alignment/lesson_03/conspect.md",
    "alignment/lesson_04/conspect.md",
    "alignment/lesson_05/conspect.md",
    "alignment/lesson_06/conspect.md",
    "alignment/lesson_07/conspect.md",
    "alignment/lesson_08/conspect.md",
    "alignment/lesson_09/conspect.md",
    "alignment/lesson_10/conspect.md",
    "alignment/lesson_11/conspect.md",
    "alignment/lesson_12/conspect.md",
    "formulas/a1-notation.md",
    "formulas/a2-linear-algebra.md",
    "formulas/a3-probability-statistics.md",
    "formulas/a4-calculus.md",
    "formulas/b1-embeddings-cosine-similarity.md",
    "formulas/b2-attention.md",
    "formulas/b3-ffn-layernorm-residual-lora.md",
    "formulas/c1-loss-functions.md",
    "formulas/c2-autoregressive-loss-perplexity.md",
    "formulas/d1-foundational-rl.md",
    "formulas/d2-policy-optimization.md",
    "formulas/d3-reward-modeling-rlhf.md",
    "formulas/e1-deconstructing-dapo.md",
    "implementation/01-numerics-and-metrics.md",
    "implementation/02-autograd-and-gradient-checking.md",
    "implementation/03-layers-and-activations.md",
    "implementation/04-losses-and-optimisers.md",
    "implementation/05-normalisation-dropout-schedules.md",
    "implementation/06-linear-and-logistic-regression.md",
    "implementation/07-svm-trees-knn.md",
    "implementation/08-clustering-reduction-naive-bayes.md",
    "implementation/09-convolution-and-pooling.md",
    "implementation/10-recurrent-networks.md",
    "implementation/11-cnn-architectures.md",
    "implementation/12-attention-and-transformers.md",
    "implementation/13-tokenisation-and-gpt.md",
    "implementation/15-policy-gradients.md",
    "implementation/16-value-based-rl.md",
    "implementation/17-continuous-control.md",
    "implementation/18-autoencoders-and-vaes.md",
    "implementation/19-gans.md",
    "implementation/20-diffusion.md",
    "implementation/21-robotics-rl.md",
    "study-guide/cnn-resnet.md",
    "study-guide/gpt-transformer.md",
    "study-guide/mechanistic-interpretability.md",
    "study-guide/neural-networks.md",
    "study-guide/robustness-attribution.md",
]
