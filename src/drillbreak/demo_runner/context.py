"""What a demo's ``run(ctx)`` receives: run settings and methods that emit events.

Nothing here imports torch; :meth:`DemoContext.image` accepts any flat sequence of
numbers (demos convert tensors with ``demokit.pixels``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TextIO

from drillbreak.demo_runner.events import (
    ChartSpec,
    Event,
    Image,
    Log,
    Metric,
    Progress,
    Result,
    Table,
    Text,
    to_json,
)

__all__ = ["DemoContext", "ResultNamesError", "stream_writer"]


class ResultNamesError(ValueError):
    """``ctx.result`` got names other than the demo declared in ``META["results"]``."""

    def __init__(self, undeclared: Iterable[str], missing: Iterable[str]) -> None:
        self.undeclared = sorted(undeclared)
        self.missing = sorted(missing)
        parts = []
        if self.undeclared:
            parts.append("undeclared " + ", ".join(self.undeclared))
        if self.missing:
            parts.append("missing " + ", ".join(self.missing))
        super().__init__("; ".join(parts))


def stream_writer(stream: TextIO) -> Callable[[Event], None]:
    """An emit function writing one JSON line per event to ``stream``, flushed."""

    def write(event: Event) -> None:
        stream.write(to_json(event) + "\n")
        stream.flush()

    return write


def _round(value: float) -> float:
    """Six significant digits: plenty for a chart, and short lines."""
    return float(f"{value:.6g}") if math.isfinite(value) else value


def _cell(value: Any) -> Any:
    """Table cells are strings, ints or floats (floats rounded for display)."""
    if isinstance(value, bool) or value is None:
        return str(value)
    if isinstance(value, int | str):
        return value
    if isinstance(value, float):
        return round(value, 4) if math.isfinite(value) else str(value)
    try:  # numpy / torch scalars
        return _cell(value.item())
    except AttributeError:
        return str(value)


class DemoContext:
    """Settings of one run plus emitters for its events.

    ``device`` is a torch device string (``"cpu"``, ``"cuda"``, ``"mps"``),
    ``seed`` the base seed, ``scale`` ``"quick"`` (small, for the tests) or ``"full"``.
    ``results``: the names the demo declared (``META["results"]``); when given,
    :meth:`result` accepts exactly those.
    ``params``: every declared parameter's value for this run (:meth:`param`).
    """

    def __init__(
        self,
        emit: Callable[[Event], None],
        *,
        device: str = "cpu",
        seed: int = 0,
        scale: str = "full",
        results: Iterable[str] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> None:
        self._emit = emit
        self.results = None if results is None else frozenset(results)
        self.params = dict(params or {})
        self.device = device
        self.seed = seed
        self.scale = scale
        self.result_emitted = False

    @property
    def quick(self) -> bool:
        """True for the small test-suite scale."""
        return self.scale == "quick"

    def param(self, name: str) -> Any:
        """This run's value of the declared parameter ``name`` (META "params"): the one
        given with ``--param``, else its default."""
        if name not in self.params:
            raise KeyError(f"{name!r} is not a declared parameter (META 'params')")
        return self.params[name]

    def pick(self, quick: Any, full: Any) -> Any:
        """``quick`` at quick scale, else ``full``."""
        return quick if self.quick else full

    def emit(self, event: Event) -> None:
        """Emit a ready-made event."""
        self._emit(event)

    def progress(self, step: int, total: int, label: str = "") -> None:
        self._emit(Progress(step=int(step), total=int(total), label=label))

    def chart(
        self,
        chart: str,
        *,
        x_label: str = "",
        y_label: str = "",
        y_min: float | None = None,
        y_max: float | None = None,
        x_log: bool = False,
        y_log: bool = False,
    ) -> None:
        """Describe a chart (axis labels, fixed y range, log x / y) before its points arrive."""
        self._emit(
            ChartSpec(
                chart=chart,
                x_label=x_label,
                y_label=y_label,
                y_min=y_min,
                y_max=y_max,
                x_log=x_log,
                y_log=y_log,
            )
        )

    def metric(self, chart: str, series: str, x: float, y: float | None) -> None:
        """One point of a live curve; ``None`` or a non-finite ``y`` is a gap."""
        yv = None if y is None else _round(float(y))
        self._emit(Metric(chart=chart, series=series, x=_round(float(x)), y=yv))

    def table(self, title: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
        self._emit(
            Table(
                title=title,
                columns=[str(c) for c in columns],
                rows=[[_cell(v) for v in row] for row in rows],
            )
        )

    def image(
        self,
        title: str,
        pixels: Sequence[float],
        width: int,
        height: int,
        caption: str = "",
    ) -> None:
        """A grayscale image; ``pixels`` row-major, 0..255 (clamped, rounded)."""
        values = [max(0, min(255, round(float(p)))) for p in pixels]
        self._emit(Image(title=title, width=width, height=height, pixels=values, caption=caption))

    def text(self, text: str) -> None:
        self._emit(Text(text=text))

    def training_curve(
        self, series: str, *, chart: str = "training loss", x_offset: int = 0
    ) -> Callable[[int, float], None]:
        """An ``on_epoch`` hook for ``demokit.train`` that draws the training loss
        live: each (epoch, mean loss) becomes a point of ``series`` on ``chart``
        (epochs shifted by ``x_offset`` for a model trained in several calls)."""

        def on_epoch(epoch: int, loss: float) -> None:
            self.metric(chart, series, epoch + x_offset, loss)

        return on_epoch

    def log(self, message: str, level: str = "info") -> None:
        self._emit(Log(message=message, level=level))

    def result(self, headline: Mapping[str, float], summary: str) -> None:
        """The headline numbers (name -> number) and what they show.

        Raises :class:`ResultNamesError` when the names differ from the declared ones.
        """
        if self.results is not None and set(headline) != self.results:
            raise ResultNamesError(set(headline) - self.results, self.results - set(headline))
        self.result_emitted = True
        numbers = {k: _round(float(v)) for k, v in headline.items()}
        self._emit(Result(headline=numbers, summary=summary))
