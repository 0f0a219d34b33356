"""A live demo: runs a demo child process and shows its events as they arrive.

The screen never imports torch: the demo runs in a child process
(:mod:`drillbreak.demo_runner.runner`) and its events are read in an async worker,
which runs in the app's event loop and so may update widgets directly.  There is
no time limit: the progress row shows the time elapsed and an estimate of the time
left (at the pace so far), charts appear with their first point, and Escape
stops a running demo and closes the screen; ``r`` runs a finished or failed demo
again.  Whenever the screen goes (escape, or the app quitting: either unmounts it),
the child and everything it started are stopped, SIGKILL following SIGTERM even if
the app's event loop has ended (:meth:`DemoRun.terminate`).
"""

from __future__ import annotations

import re
import time
from collections.abc import Sequence

from rich.console import Group
from rich.table import Table as RichTable
from rich.text import Text as RichText
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer, ProgressBar, Static

from drillbreak.demo_runner.catalog import CatalogError, DemoInfo, UnknownDemo, get_demo
from drillbreak.demo_runner.events import (
    ChartSpec,
    ErrorEvent,
    Event,
    Image,
    Meta,
    Metric,
    Progress,
    Result,
    Table,
    Text,
)
from drillbreak.demo_runner.formatting import format_number
from drillbreak.demo_runner.pace import format_duration, seconds_left
from drillbreak.demo_runner.request import DemoRequest
from drillbreak.demo_runner.runner import DemoFailed, DemoRun, DemoTimeout
from drillbreak.tui.screens.help import HELP_KEY
from drillbreak.tui.widgets.halfblock_image import HalfBlockImage
from drillbreak.tui.widgets.line_chart import LineChart

__all__ = ["DemoScreen"]

MAX_WARNINGS = 5
# How often the elapsed time and the estimate of the time left are redrawn.
TICK_SECONDS = 1.0
STDERR_LINES_SHOWN = 12
_INLINE = re.compile(r"(\*\*[^*]+\*\*|`[^`]+`)")


def markdownish(text: str) -> RichText:
    """``**bold**`` and ``code`` spans as Rich text; everything else literal."""
    out = RichText()
    for part in _INLINE.split(text):
        if part.startswith("**") and part.endswith("**") and len(part) > 4:
            out.append(part[2:-2], style="bold")
        elif part.startswith("`") and part.endswith("`") and len(part) > 2:
            out.append(part[1:-1], style="italic")
        else:
            out.append(part)
    return out


def _rich_table(event: Table) -> Group:
    table = RichTable(header_style="bold", box=None, padding=(0, 2, 0, 0))
    numeric = [
        all(
            isinstance(row[i], int | float) or _numeric_text(row[i])
            for row in event.rows
            if i < len(row)
        )
        for i in range(len(event.columns))
    ]
    for name, num in zip(event.columns, numeric, strict=True):
        table.add_column(RichText(name), justify="right" if num else "left")
    for row in event.rows:
        table.add_row(*(RichText(str(v)) for v in row))
    return Group(RichText(event.title, style="bold"), table)


def _numeric_text(value: object) -> bool:
    try:
        float(str(value).rstrip("%").lstrip("+"))
    except ValueError:
        return False
    return True


class DemoScreen(Screen):
    """Run a demo and show it live; escape closes (and stops it)."""

    BINDINGS = [
        HELP_KEY,
        Binding("escape", "close", "Close", id="demo.close"),
        Binding("r", "rerun", "Run again", id="demo.rerun"),
    ]
    HELP_GROUPS = {"Demo": ("close", "rerun")}

    CSS_PATH = "demo.tcss"

    def __init__(
        self,
        request: DemoRequest | str,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        """Run ``request`` (a demo name: that demo with the default options)."""
        super().__init__(name=name, id=id, classes=classes)
        self.request = DemoRequest(request) if isinstance(request, str) else request
        self.info: DemoInfo | None = None
        self.meta: Meta | None = None
        self.result: Result | None = None
        self.failure: str | None = None
        self.state = "starting"  # running, finished, failed, cancelled
        self.warnings = 0
        self._run: DemoRun | None = None
        self._charts: dict[str, LineChart] = {}
        self._image_row: Horizontal | None = None
        self._started = 0.0
        # When the demo itself started (its Meta event: after torch's import), for the
        # estimate of the time left, and the latest progress.
        self._demo_started: float | None = None
        self._progress: Progress | None = None

    # ----------------------------------------------------------------- layout
    def compose(self) -> ComposeResult:
        yield Static(id="demo-header")
        with Horizontal(id="demo-progress-row"):
            yield ProgressBar(id="demo-progress", show_eta=False)
            yield Static(id="demo-progress-label")
        yield VerticalScroll(id="demo-feed")
        yield Footer()

    async def on_mount(self) -> None:
        self.set_interval(TICK_SECONDS, self._tick)
        try:
            self.info = get_demo(self.request.name, self.request.demos_dir)
        except (UnknownDemo, CatalogError) as exc:
            if self.request.command is None:
                self.state = "failed"
                self.failure = str(exc)
                self._update_header()
                await self.query_one("#demo-feed").mount(
                    Static(RichText(f"Cannot run this demo: {exc}"), classes="demo-error")
                )
                return
        await self._start()

    @property
    def running(self) -> bool:
        return self.state in ("starting", "running")

    def _title(self) -> str:
        return self.info.title if self.info else self.request.name

    def _update_header(self) -> None:
        text = RichText()
        text.append(self._title(), style="bold")
        elapsed = self._elapsed()
        status = {
            "starting": "starting…",
            "running": f"running {format_duration(elapsed)}",
            "finished": f"finished in {elapsed:.1f} s",
            "failed": "failed",
            "cancelled": "stopped",
        }[self.state]
        parts = [status]
        if self.meta is not None:
            parts += [
                f"{self.meta.scale} scale",
                f"device {self.meta.device}"
                + (" (fastest for these small models)" if self.meta.device_reason else ""),
                f"seed {self.meta.seed}",
                f"torch {self.meta.torch}",
            ]
        else:
            parts.append(f"device {self.request.device} (requested)")
        text.append("  ·  " + "  ·  ".join(parts), style="dim")
        self.query_one("#demo-header", Static).update(text)

    def _elapsed(self) -> float:
        return time.monotonic() - self._started if self._started else 0.0

    def _progress_text(self) -> str:
        """How long the demo has run, about how long is left, and what it is doing
        (the times first: a long label in a narrow terminal cuts its own end only)."""
        label = self._progress.label if self._progress else "starting the demo process…"
        parts = [f"{format_duration(self._elapsed())} elapsed"]
        if self._progress is not None and self._demo_started is not None:
            left = seconds_left(time.monotonic() - self._demo_started, self._progress.fraction)
            if left is not None:
                parts.append(f"about {format_duration(left)} left")
        return "  ·  ".join([*parts, label])

    def _tick(self) -> None:
        if self.running and self._started:
            self._update_header()
            self.query_one("#demo-progress-label", Static).update(self._progress_text())

    def _intro(self) -> Static:
        text = RichText()
        if self.info is not None:
            text.append(self.info.concept + "\n\n")
            text.append("Watch for: ", style="bold")
            text.append(self.info.watch_for)
        return Static(text, classes="demo-intro")

    # ------------------------------------------------------------------- run
    async def _start(self) -> None:
        feed = self.query_one("#demo-feed", VerticalScroll)
        await feed.remove_children()
        self._charts = {}
        self._image_row = None
        self.meta = self.result = self.failure = None
        self.warnings = 0
        self.state = "starting"
        self._started = time.monotonic()
        self._demo_started = self._progress = None
        await feed.mount(self._intro())
        self.query_one(ProgressBar).update(total=None, progress=0)
        self.query_one("#demo-progress-label", Static).update(self._progress_text())
        self._update_header()
        self._run = DemoRun(self.request)
        self._read_events(self._run)

    @work(exclusive=True, group="demo-run", exit_on_error=False)
    async def _read_events(self, run: DemoRun) -> None:
        """Read the child's events (in the event loop) and show each one."""
        try:
            async for event in run:
                await self._show(event)
        except DemoTimeout as exc:
            await self._fail(
                f"The demo took longer than {self.request.timeout:g} s and was stopped.",
                exc.stderr_tail,
            )
        except DemoFailed as exc:
            await self._fail(f"The demo failed: {exc.message}", exc.stderr_tail)
        except OSError as exc:
            await self._fail(f"Could not start the demo process: {exc}", [])
        else:
            if run.cancelled:
                self.state = "cancelled"
            elif self.result is None:
                await self._fail("The demo ended without a result.", run.stderr_tail)
            else:
                self.state = "finished"
            self._update_header()

    async def _mount(self, widget: Widget, *, keep_image_row: bool = False) -> None:
        feed = self.query_one("#demo-feed", VerticalScroll)
        at_end = feed.scroll_y >= feed.max_scroll_y - 1
        if not keep_image_row:
            self._image_row = None
        await feed.mount(widget)
        if at_end:
            feed.call_after_refresh(feed.scroll_end, animate=False)

    async def _chart(self, name: str) -> LineChart:
        chart = self._charts.get(name)
        if chart is None:
            chart = LineChart(name, classes="demo-chart")
            self._charts[name] = chart
            await self._mount(chart)
        return chart

    async def _show(self, event: Event) -> None:
        if self.state == "starting":
            self.state = "running"
        if isinstance(event, Progress):
            self._progress = event
            self.query_one(ProgressBar).update(total=max(1, event.total), progress=event.step)
            self.query_one("#demo-progress-label", Static).update(self._progress_text())
        elif isinstance(event, Meta):
            self.meta = event
            self._demo_started = time.monotonic()
            self._progress = None  # the start-up steps before it say nothing of the pace
            self._update_header()
            if event.device_reason:
                note = RichText(f"Running {event.device_reason}.")
                await self._mount(Static(note, classes="demo-note"))
            if event.scale_reason:
                note = RichText(f"Running the {event.scale} version: {event.scale_reason}.")
                await self._mount(Static(note, classes="demo-note"))
        elif isinstance(event, ChartSpec):
            chart = await self._chart(event.chart)
            chart.x_label, chart.y_label = event.x_label, event.y_label
            chart.y_min, chart.y_max, chart.x_log = event.y_min, event.y_max, event.x_log
            chart.y_log = event.y_log
        elif isinstance(event, Metric):
            (await self._chart(event.chart)).add_point(event.series, event.x, event.y)
        elif isinstance(event, Table):
            await self._mount(Static(_rich_table(event), classes="demo-table"))
        elif isinstance(event, Image):
            image = HalfBlockImage(
                event.pixels, event.width, event.height, title=event.title, caption=event.caption
            )
            if self._image_row is None:
                row = Horizontal(classes="demo-images")
                await self._mount(row)
                self._image_row = row
            await self._image_row.mount(image)
        elif isinstance(event, Text):
            await self._mount(Static(markdownish(event.text), classes="demo-text"))
        elif isinstance(event, Result):
            self.result = event
            await self._mount(Static(self._result_view(event), classes="demo-result"))
            bar = self.query_one(ProgressBar)
            bar.update(total=bar.total or 1, progress=bar.total or 1)
            self.query_one("#demo-progress-label", Static).update("done")
        elif isinstance(event, ErrorEvent) and not event.fatal:
            self.warnings += 1
            if self.warnings <= MAX_WARNINGS:
                await self._mount(Static(RichText("⚠ " + event.message), classes="demo-warning"))

    def _result_view(self, event: Result) -> RichTable:
        grid = RichTable.grid(padding=(0, 2))
        grid.add_column(style="bold")
        grid.add_column(justify="right")
        for key, value in event.headline.items():
            grid.add_row(key.replace("_", " "), format_number(value))
        outer = RichTable.grid()
        outer.add_row(RichText("What you just saw", style="bold"))
        outer.add_row(grid)
        outer.add_row(RichText(""))
        outer.add_row(markdownish(event.summary))
        return outer

    async def _fail(self, message: str, stderr_tail: Sequence[str]) -> None:
        self.state = "failed"
        self.failure = message
        self._update_header()
        text = RichText(message, style="bold")
        tail = list(stderr_tail)[-STDERR_LINES_SHOWN:]
        if tail:
            text.append("\n\nLast lines from the demo process:\n", style="dim")
            text.append("\n".join(tail), style="dim")
        text.append("\n\nPress r to try again or escape to close.", style="italic")
        self.query_one("#demo-progress-label", Static).update("failed")
        await self._mount(Static(text, classes="demo-error"))

    # --------------------------------------------------------------- actions
    def action_close(self) -> None:
        """Stop the demo if it still runs and close the screen."""
        self._stop()
        self.app.pop_screen()

    async def action_rerun(self) -> None:
        """Run the demo again once it has finished or failed."""
        if not self.running and (self.info is not None or self.request.command is not None):
            await self._start()

    def _stop(self) -> None:
        if self._run is not None and self.running:
            self._run.terminate()
            self.state = "cancelled"
        self.workers.cancel_group(self, "demo-run")

    def on_unmount(self) -> None:
        """Also when the app quits: it unmounts every screen on its way out."""
        self._stop()
