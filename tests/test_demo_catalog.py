"""The demo catalog reads META without importing torch or running demo modules."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from drillbreak.demo_runner.catalog import (
    CatalogError,
    UnknownDemo,
    demo_names,
    get_demo,
    list_demos,
    read_meta,
)
from drillbreak.paths import shipped_demos_dir

NINE = {
    "fgsm",
    "overfitting",
    "learning-rate",
    "batch-size",
    "distribution-shift",
    "shortcut",
    "calibration",
    "data-hunger",
    "data-slant",
}


def write(folder: Path, name: str, body: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(body))
    return path


def test_shipped_demos_are_the_nine():
    assert demo_names() == NINE
    demos = list_demos()
    assert [d.name for d in demos][:2] == ["fgsm", "overfitting"]
    for d in demos:
        assert d.title and d.concept and d.watch_for
        assert 0 < d.expected_seconds <= 15
        assert d.path.parent == shipped_demos_dir().resolve()


def test_every_shipped_demo_declares_its_results():
    """Contract: each demo names its headline numbers, so cards can cite them."""
    undeclared = [d.name for d in list_demos() if d.results is None]
    assert undeclared == []


def test_declared_results_are_read(tmp_path):
    write(
        tmp_path,
        "a.py",
        """
        META = {"name": "a", "title": "A", "concept": "c", "watch_for": "w",
                "expected_seconds": 1,
                "results": {"accuracy_eps_0_2": "accuracy at eps 0.2 (fraction 0-1)"}}
        """,
    )
    write(
        tmp_path,
        "b.py",
        'META = {"name": "b", "title": "B", "concept": "", "watch_for": "", '
        '"expected_seconds": 1}\n',
    )
    assert get_demo("a", tmp_path).results == {
        "accuracy_eps_0_2": "accuracy at eps 0.2 (fraction 0-1)"
    }
    assert get_demo("b", tmp_path).results is None


@pytest.mark.parametrize(
    ("results", "reason"),
    [
        ("{}", "non-empty dict"),
        ("['a']", "non-empty dict"),
        ("{'accuracy_eps_0.2': 'x (1)'}", "must match"),
        ("{'Accuracy': 'x (1)'}", "must match"),
        ("{'a': 3}", "one-line description"),
        ("{'a': ''}", "one-line description"),
        ("{'a': 'two\\nlines'}", "one-line description"),
    ],
)
def test_bad_declared_results_are_a_catalog_error(tmp_path, results, reason):
    write(
        tmp_path,
        "x.py",
        'META = {"name": "x", "title": "", "concept": "", "watch_for": "", '
        f'"expected_seconds": 1, "results": {results}}}\n',
    )
    with pytest.raises(CatalogError, match=f"x.py: META results.*{reason}"):
        list_demos(tmp_path)


def test_demo_names_is_cached():
    assert demo_names() is not demo_names()  # a fresh set each call (callers may mutate)
    from drillbreak.demo_runner import catalog

    before = catalog._scan.cache_info().hits
    demo_names()
    assert catalog._scan.cache_info().hits == before + 1


def test_meta_is_read_without_executing_the_module(tmp_path):
    write(
        tmp_path,
        "boom.py",
        """
        raise SystemExit("must not run")
        META = {"name": "boom", "title": "B", "concept": "c", "watch_for": "w",
                "expected_seconds": 2, "order": 5}
        """,
    )
    write(tmp_path, "demokit.py", "import torch\n")
    write(tmp_path, "_private.py", "META = {}\n")
    write(tmp_path, "helper.py", "X = 1\n")
    infos = list_demos(tmp_path)
    assert [d.name for d in infos] == ["boom"]
    assert infos[0].order == 5
    assert get_demo("boom", tmp_path).expected_seconds == 2.0
    assert demo_names(tmp_path) == {"boom"}


def test_unknown_demo_lists_available(tmp_path):
    write(
        tmp_path,
        "a_b.py",
        'META = {"name": "a-b", "title": "", "concept": "", "watch_for": "", '
        '"expected_seconds": 1}\n',
    )
    with pytest.raises(UnknownDemo) as info:
        get_demo("zzz", tmp_path)
    assert info.value.available == ["a-b"]
    assert "available: a-b" in str(info.value)


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ("META = dict(name='x')\n", "literal dict"),
        ("META = [1]\n", "must be a dict"),
        ("META = {'name': 'x'}\n", "missing title"),
        ("def (:\n", "syntax error"),
    ],
)
def test_bad_meta_is_a_catalog_error(tmp_path, body, reason):
    path = write(tmp_path, "x.py", body)
    with pytest.raises(CatalogError, match=reason):
        read_meta(path)


def test_name_must_match_file(tmp_path):
    write(
        tmp_path,
        "wrong.py",
        'META = {"name": "right", "title": "", "concept": "", "watch_for": "", '
        '"expected_seconds": 1}\n',
    )
    with pytest.raises(CatalogError, match="does not match"):
        list_demos(tmp_path)


def test_app_side_modules_do_not_import_torch():
    code = textwrap.dedent(
        """
        import sys
        import drillbreak.demo_runner
        from drillbreak.demo_runner import catalog, cli, context, events, runner, child
        catalog.demo_names(); catalog.list_demos()
        sys.path.insert(0, str(catalog.shipped_demos_dir()))
        for info in catalog.list_demos():
            __import__(catalog.module_name(info.name))  # demo modules: torch only in run()
        bad = sorted(m for m in sys.modules if m.split(".")[0] in ("torch", "textual", "numpy"))
        print(",".join(bad))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=300
    )
    assert out.stdout.strip() == ""
