"""The key help (`?`): the keys that work now on the screen it was opened from, that
screen's own keys first, grouped by purpose, then the app's keys.

A screen names its groups in ``HELP_GROUPS`` (title -> action names, without their
arguments); its keys in no group are listed under "Other keys", the focused
widget's own keys (scrolling, editing) after them.  Keys of one action
and one description share a line ("space enter  Show answer", "a b c  Pick that choice").
The app's keys, and a screen's bindings whose id starts with ``app.`` (the help key,
bound on each screen to keep it in the footer), are listed last, as working everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Static

OTHER = "Other keys"
FOCUSED = "In the focused box"
APP = "Everywhere"
# Textual's own screen keys (focus, copy) work on every screen: listed with the app's.
_TEXTUAL = frozenset(b.action for b in Screen.BINDINGS if isinstance(b, Binding))
# The help key, first in a screen's BINDINGS so that a narrow footer keeps it (modal
# screens, which do not get the app's keys, need it to open the help at all).
HELP_KEY = Binding("question_mark", "app.toggle_help", "Help", id="app.help")


@dataclass
class KeyLine:
    keys: list[str] = field(default_factory=list)
    description: str = ""
    enabled: bool = True


def key_groups(screen: Screen) -> list[tuple[str, list[KeyLine]]]:
    """The active keys of ``screen``, grouped: its ``HELP_GROUPS`` in order, then its
    other keys, then those of the focused widget, then the app's (Textual's
    focus and copy keys with them); empty groups left out."""
    app = screen.app
    titles: dict[str, tuple[str, ...]] = getattr(screen, "HELP_GROUPS", {})
    group_of = {action: title for title, actions in titles.items() for action in actions}
    groups: dict[str, list[KeyLine]] = {title: [] for title in (*titles, OTHER, FOCUSED, APP)}
    lines: dict[tuple[str, str, str], KeyLine] = {}
    for key, active in screen.active_bindings.items():
        binding = active.binding
        if binding.system or not binding.description:
            continue
        action = binding.action.split("(", 1)[0]
        everywhere = (
            active.node is app or action in _TEXTUAL or (binding.id or "").startswith("app.")
        )
        if everywhere:
            title = APP
        elif action in group_of:
            title = group_of[action]
        elif active.node is not screen:
            title = FOCUSED  # the focused widget's own keys (scrolling a list, a text box)
        else:
            title = OTHER
        where = (title, action, binding.description)
        line = lines.get(where)
        if line is None:
            line = lines[where] = KeyLine(description=binding.description, enabled=active.enabled)
            groups[title].append(line)
        shown = app.get_key_display(Binding(key, binding.action))
        if shown not in line.keys:
            line.keys.append(shown)
    return [(title, entries) for title, entries in groups.items() if entries]


def render_groups(groups: list[tuple[str, list[KeyLine]]]) -> Table:
    grid = Table.grid(padding=(0, 2))
    grid.add_column(no_wrap=True, justify="right")
    grid.add_column(ratio=1)
    for n, (title, entries) in enumerate(groups):
        if n:
            grid.add_row("", "")
        grid.add_row(Text(""), Text(title, style="bold underline"))
        for line in entries:
            style = "" if line.enabled else "dim"
            grid.add_row(
                Text(" ".join(line.keys), style=f"bold {style}"),
                Text(line.description, style=style),
            )
    return grid


class HelpScreen(ModalScreen[None]):
    """The keys of ``screen``; esc, q or ? closes it, the arrows and j/k scroll."""

    BINDINGS = [
        Binding("escape,question_mark,q", "dismiss", "Close", id="help.close"),
        Binding("down,j", "scroll('down')", "Scroll", show=False, id="help.down"),
        Binding("up,k", "scroll('up')", "Scroll", show=False, id="help.up"),
        Binding("pagedown", "scroll('page_down')", "Page down", show=False, id="help.pgdn"),
        Binding("pageup", "scroll('page_up')", "Page up", show=False, id="help.pgup"),
    ]

    def __init__(self, screen: Screen) -> None:
        super().__init__()
        self.groups = key_groups(screen)
        self.screen_name = type(screen).__name__.removesuffix("Screen")

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield Static(Text(f"Keys: {self.screen_name}", style="bold"), id="help-title")
            with VerticalScroll(id="help-keys", can_focus=False):
                yield Static(render_groups(self.groups), id="help-table")
            yield Static(Text("esc, q or ?: close · ↑↓ j k: scroll", style="dim"), id="help-hint")

    def action_scroll(self, how: str) -> None:
        """``how``: down, up, page_down or page_up."""
        getattr(self.query_one("#help-keys", VerticalScroll), f"scroll_{how}")(animate=False)
