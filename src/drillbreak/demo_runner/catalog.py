"""The list of shipped demos, read without importing torch or running demo code.

Each demo is a module ``demos/<name with - as _>.py`` with a module-level literal
``META = {"name": ..., "title": ..., "concept": ..., "watch_for": ...,
"expected_seconds": ..., "results": {...}}`` (optionally ``"order"``, an int for the
listing order).  ``results`` declares the demo's headline numbers, name ->
one-line description with the unit; a run's result must have exactly these names
and cards' ``claims`` may cite them.
The dict is read with :mod:`ast` and :func:`ast.literal_eval`: the module is never
imported by the app.  Results are cached per folder.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from drillbreak.demo_runner.params import ParamSpec, read_params
from drillbreak.paths import shipped_demos_dir

__all__ = [
    "CatalogError",
    "DemoInfo",
    "UnknownDemo",
    "demo_names",
    "get_demo",
    "list_demos",
    "module_name",
    "read_meta",
]

REQUIRED_KEYS = ("name", "title", "concept", "watch_for", "expected_seconds")
RESULT_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
# Helper modules in the demos folder that are not demos.
_NOT_DEMOS = {"demokit"}


class CatalogError(ValueError):
    """A demo module whose ``META`` is missing or malformed."""


class UnknownDemo(KeyError):
    """No demo of that name; ``available`` lists the names that exist."""

    def __init__(self, name: str, available: list[str]) -> None:
        super().__init__(name)
        self.name = name
        self.available = available

    def __str__(self) -> str:
        return f"unknown demo {self.name!r}; available: {', '.join(self.available)}"


@dataclass(frozen=True)
class DemoInfo:
    """What the app shows about a demo before running it."""

    name: str
    title: str
    concept: str
    watch_for: str
    expected_seconds: float
    path: Path
    order: int = 1000
    # Declared headline numbers, name -> description; None: the demo declares none.
    results: dict[str, str] | None = field(default=None, hash=False)
    # Declared parameters (META "params"), name -> default and allowed values.
    params: dict[str, ParamSpec] = field(default_factory=dict, hash=False)


def module_name(demo_name: str) -> str:
    """The module (file stem) of a demo: ``data-hunger`` -> ``data_hunger``."""
    return demo_name.replace("-", "_")


def read_meta(path: Path) -> dict[str, object] | None:
    """The literal ``META`` dict of a module file, or ``None`` if it has none.

    Raises :class:`CatalogError` if ``META`` exists but is not a literal dict with
    the required keys.
    """
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except SyntaxError as exc:
        raise CatalogError(f"{path.name}: syntax error: {exc.msg} (line {exc.lineno})") from None
    for node in tree.body:
        value = None
        if (
            isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "META" for t in node.targets)
            or (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and node.target.id == "META"
            )
        ):
            value = node.value
        if value is None:
            continue
        try:
            meta = ast.literal_eval(value)
        except ValueError:
            raise CatalogError(f"{path.name}: META must be a literal dict") from None
        if not isinstance(meta, dict):
            raise CatalogError(f"{path.name}: META must be a dict")
        missing = [k for k in REQUIRED_KEYS if k not in meta]
        if missing:
            raise CatalogError(f"{path.name}: META is missing {', '.join(missing)}")
        return meta
    return None


def _info(path: Path, meta: dict[str, object]) -> DemoInfo:
    name = str(meta["name"])
    if module_name(name) != path.stem:
        raise CatalogError(f"{path.name}: META name {name!r} does not match the file name")
    try:
        seconds = float(meta["expected_seconds"])  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise CatalogError(f"{path.name}: expected_seconds must be a number") from None
    order = meta.get("order", 1000)
    try:
        params = read_params(path.name, meta.get("params", {}))
    except ValueError as exc:
        raise CatalogError(str(exc)) from None
    return DemoInfo(
        params=params,
        results=_results(path, meta),
        name=name,
        title=str(meta["title"]),
        concept=str(meta["concept"]),
        watch_for=str(meta["watch_for"]),
        expected_seconds=seconds,
        path=path,
        order=order if isinstance(order, int) else 1000,
    )


def _results(path: Path, meta: dict[str, object]) -> dict[str, str] | None:
    """META's ``results``, checked: a non-empty dict of name -> one-line description."""
    if "results" not in meta:
        return None
    results = meta["results"]
    if not isinstance(results, dict) or not results:
        raise CatalogError(
            f"{path.name}: META results must be a non-empty dict name -> description"
        )
    for name, description in results.items():
        if not isinstance(name, str) or not RESULT_NAME.match(name):
            raise CatalogError(
                f"{path.name}: META results name {name!r} must match {RESULT_NAME.pattern} "
                "(lower case, digits and _; e.g. accuracy_eps_0_2)"
            )
        if not isinstance(description, str) or not description.strip() or "\n" in description:
            raise CatalogError(
                f"{path.name}: META results[{name!r}] must be a one-line description with its unit"
            )
    return dict(results)


@lru_cache(maxsize=8)
def _scan(folder: Path) -> tuple[DemoInfo, ...]:
    infos: list[DemoInfo] = []
    if folder.is_dir():
        for path in sorted(folder.glob("*.py")):
            if path.stem.startswith("_") or path.stem in _NOT_DEMOS:
                continue
            meta = read_meta(path)
            if meta is not None:
                infos.append(_info(path, meta))
    infos.sort(key=lambda d: (d.order, d.name))
    return tuple(infos)


def _folder(demos_dir: Path | None) -> Path:
    return (demos_dir or shipped_demos_dir()).resolve()


def list_demos(demos_dir: Path | None = None) -> list[DemoInfo]:
    """All demos in teaching order (the shipped ``demos/`` folder by default)."""
    return list(_scan(_folder(demos_dir)))


def demo_names(demos_dir: Path | None = None) -> set[str]:
    """The names of all demos (for validating ``demo:`` fields of cards). Cached."""
    return {d.name for d in _scan(_folder(demos_dir))}


def get_demo(name: str, demos_dir: Path | None = None) -> DemoInfo:
    """The demo called ``name``; raises :class:`UnknownDemo` listing the names."""
    demos = _scan(_folder(demos_dir))
    for info in demos:
        if info.name == name:
            return info
    raise UnknownDemo(name, [d.name for d in demos])
