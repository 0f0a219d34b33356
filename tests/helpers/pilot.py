"""Pilot tests wait for what they assert on: a condition, never a fixed time or a screen class.

A rating is written in a thread, so after a key press the screen changes a little
later; under load (a busy 2-core machine) that can be seconds.  ``wait_until``
gives the app turns until the condition holds; its deadline is only a safety net
against a hang.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from textual.css.query import NoMatches
from textual.geometry import Region
from textual.pilot import Pilot

DEADLINE_S = 120.0


async def wait_until(pilot: Pilot, predicate: Callable[[], object], what: str) -> None:
    """Let the app run until ``predicate()`` is true; fail naming ``what`` after 120 s."""
    deadline = time.monotonic() + DEADLINE_S
    while True:
        await pilot.pause()
        if predicate():
            return
        if time.monotonic() > deadline:
            screen = type(pilot.app.screen).__name__
            raise AssertionError(
                f"gave up after {DEADLINE_S:.0f} s waiting for {what}; on {screen}:\n"
                + shown(pilot.app)
            )


def shown(app, selector: str | None = None) -> str:
    """The text the terminal shows now: the whole screen, or the part inside ``selector``
    ("" when no such widget is on the current screen)."""
    screen = app.screen
    strips = screen._compositor.render_strips()
    area = Region(0, 0, screen.size.width, screen.size.height)
    if selector is not None:
        try:
            area = area.intersection(screen.query_one(selector).region)
        except NoMatches:
            return ""
    lines = strips[area.y : area.bottom]
    return "\n".join(strip.crop(area.x, area.right).text.rstrip() for strip in lines)


async def wait_shown(pilot: Pilot, text: str, selector: str | None = None) -> None:
    """Wait until ``text`` is on screen (inside ``selector`` when given)."""
    where = selector or "the screen"
    await wait_until(pilot, lambda: text in shown(pilot.app, selector), f"{text!r} in {where}")
