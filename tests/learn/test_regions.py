"""Solution regions: parsing, balance errors, stubs; every library file's markers; the catalogue."""

from __future__ import annotations

import ast

import pytest

from groundup.learn import catalog
from groundup.learn.regions import RegionError, find_regions, make_stub

SRC = '''def f(x: float) -> float:
    r"""$y = 2x$."""
    y = 1.0
    # BEGIN SOLUTION
    y = 2 * x
    return y
    # END SOLUTION


class A:
    def g(self) -> int:
        # BEGIN SOLUTION a-ex
        return 3
        # END SOLUTION
'''


def test_regions_are_found_with_their_indent_and_name() -> None:
    regions = find_regions(SRC)
    assert [(r.begin, r.end, len(r.indent), r.exercise) for r in regions] == [
        (4, 7, 4, None),
        (12, 14, 8, "a-ex"),
    ]
    assert regions[0].n_lines == 2


def test_stub_keeps_signature_docstring_and_surroundings_and_imports() -> None:
    stub = make_stub(SRC, "ex: double x")
    assert "y = 2 * x" not in stub and "return 3" not in stub
    assert 'r"""$y = 2x$."""' in stub and "    y = 1.0\n" in stub
    assert "    raise NotImplementedError('ex: double x')\n" in stub
    assert "        raise NotImplementedError('ex: double x')\n" in stub
    namespace: dict = {}
    exec(compile(stub, "<stub>", "exec"), namespace)
    with pytest.raises(NotImplementedError, match="ex: double x"):
        namespace["f"](1.0)


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("# BEGIN SOLUTION\nx = 1\n", r"f.py:1: .*never closed"),
        ("x = 1\n# END SOLUTION\n", r"f.py:2: .*without a BEGIN"),
        ("# BEGIN SOLUTION\n# BEGIN SOLUTION\nx=1\n# END SOLUTION\n", r"f.py:2: .*do not nest"),
        ("def f():\n    # BEGIN SOLUTION\n    x = 1\n# END SOLUTION\n", "indented 0.*indented 4"),
        ("# BEGIN SOLUTION\n# END SOLUTION\n", "empty solution region"),
        ("#BEGIN SOLUTIONS\nx = 1\n", "malformed solution marker"),
    ],
)
def test_unbalanced_or_malformed_markers_name_the_line(source: str, message: str) -> None:
    with pytest.raises(RegionError, match=message):
        find_regions(source, "f.py")


def test_a_file_without_regions_cannot_be_stubbed() -> None:
    with pytest.raises(RegionError, match="no '# BEGIN SOLUTION' region"):
        make_stub("x = 1\n", "e: t", "f.py")


def test_every_library_file_has_balanced_markers() -> None:
    n_regions = 0
    for path in sorted(catalog.PACKAGE_DIR.rglob("*.py")):
        if "learn" in path.relative_to(catalog.PACKAGE_DIR).parts:
            continue
        n_regions += len(find_regions(path.read_text(encoding="utf-8"), str(path)))
    assert n_regions >= 5


def test_every_exercise_stub_compiles_and_keeps_every_def() -> None:
    for ex in catalog.exercises().values():
        for module in ex.modules:
            ref = catalog.reference_file(module).read_text(encoding="utf-8")
            stub = make_stub(ref, ex.message, module)
            names = lambda src: {  # noqa: E731  module- and class-level defs (helpers
                # nested inside a solution are part of it)
                f"{c.name}.{n.name}" if c is not None else n.name
                for c, body in [(None, ast.parse(src).body)]
                + [(c, c.body) for c in ast.parse(src).body if isinstance(c, ast.ClassDef)]
                for n in body
                if isinstance(n, ast.FunctionDef | ast.ClassDef)
            }
            assert names(stub) == names(ref), module
            assert ex.message in stub


def test_catalogue_is_consistent() -> None:
    exs = catalog.exercises()
    assert len(exs) >= 1
    for ex in exs.values():
        assert ex.tests and ex.task and ex.hints, ex.id
        for t in ex.tests:
            assert (catalog.repo_root() / t.split("::")[0]).is_file(), t
    tracks = catalog.tracks()
    assert set(tracks) == {"implementation", "six-month", "formulas", "alignment", "study-guide"}
    impl = tracks["implementation"]
    starred = [i for i in impl.items() if i.starred]
    assert len(starred) >= 60
    math = next(i for i in impl.items() if i.title == "Math Utils")
    assert math.exercises == ("math-utils",) and math.available
    # a starred item whose module does not exist yet is listed, as not available
    assert any(not i.available for i in starred)
    # lessons are linked by code ("A2 ..." -> a2-*.md) or by the modules they name
    for t in tracks.values():
        for item in t.items():
            if item.lesson:
                assert (catalog.repo_root() / item.lesson).is_file(), item.lesson
    linked = [i.lesson for t in tracks.values() for i in t.items() if i.lesson]
    assert len(linked) >= 20
    # every exercise shows up in some syllabus (so in `groundup progress`)
    in_tracks = {e for t in tracks.values() for i in t.items() for e in i.exercises}
    assert [e for e in exs if e not in in_tracks] == []
    # every starred item of the implementation curriculum whose module exists has an exercise
    assert [i.title for i in starred if i.available and not i.exercises] == []


def test_unknown_exercise_and_track_errors_list_the_known_ones() -> None:
    from groundup.errors import GroundupError

    with pytest.raises(GroundupError, match=r"no exercise 'nope'; known: .*math-utils"):
        catalog.get_exercise("nope")
    with pytest.raises(GroundupError, match=r"no track 'nope'; known: .*six-month"):
        catalog.get_track("nope")


def _write_course(root, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


_ENTRY = '[[exercise]]\nid = "{id}"\ntitle = "t"\nmodules = ["groundup.x"]\ntests = ["t.py"]\ntask = "do it"\n{extra}\n'


def test_exercises_may_be_split_over_several_files(tmp_path, monkeypatch) -> None:
    _write_course(
        tmp_path,
        {
            "exercises.toml": _ENTRY.format(id="a", extra=""),
            "exercises/b-conv.toml": _ENTRY.format(id="c", extra='depends_on = ["a", "b"]'),
            "exercises/a-first.toml": _ENTRY.format(id="b", extra=""),
        },
    )
    monkeypatch.setenv("GROUNDUP_COURSE_DIR", str(tmp_path))
    assert list(catalog.exercises()) == ["a", "b", "c"]  # the main file, then by file name


def test_an_id_in_two_files_names_both(tmp_path, monkeypatch) -> None:
    from groundup.errors import GroundupError

    _write_course(
        tmp_path,
        {
            "exercises.toml": _ENTRY.format(id="a", extra=""),
            "exercises/more.toml": _ENTRY.format(id="a", extra=""),
        },
    )
    monkeypatch.setenv("GROUNDUP_COURSE_DIR", str(tmp_path))
    with pytest.raises(
        GroundupError,
        match=r"more.toml: exercise id 'a' appears twice \(first in .*exercises.toml\)",
    ):
        catalog.exercises()
