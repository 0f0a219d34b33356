"""Settings: retention, daily limits, steps, rollover hour, theme; saved and applied at once."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Input, Label, Select, Static

from drillbreak.errors import UserError
from drillbreak.schedule.settings import format_steps, parse_steps

FIELDS = [
    ("desired_retention", "Desired retention (0.70-0.99)"),
    ("new_per_day", "New cards per day"),
    ("reviews_per_day", "Reviews per day (cap)"),
    ("learning_steps", "Learning steps"),
    ("relearning_steps", "Relearning steps"),
    ("rollover_hour", "New day starts at hour (0-23)"),
]


class SettingsScreen(Screen):
    BINDINGS = [
        Binding("ctrl+s", "save", "Save", id="settings.save", priority=True),
        Binding("escape", "back", "Back", id="settings.back"),
    ]

    def compose(self) -> ComposeResult:
        s = self.app.ctx.settings
        values = {
            "desired_retention": f"{s.desired_retention:.2f}",
            "new_per_day": str(s.new_per_day),
            "reviews_per_day": str(s.reviews_per_day),
            "learning_steps": format_steps(s.learning_steps),
            "relearning_steps": format_steps(s.relearning_steps),
            "rollover_hour": str(s.rollover_hour),
        }
        themes = sorted(self.app.available_themes)
        with VerticalScroll(id="settings"):
            yield Static("Settings", classes="screen-title")
            with Grid(id="settings-grid"):
                for key, label in FIELDS:
                    yield Label(label)
                    yield Input(values[key], id=key)
                yield Label("Theme")
                yield Select(
                    [(t, t) for t in themes], value=self.app.theme, allow_blank=False, id="theme"
                )
            yield Static(id="settings-error")
            yield Button("Save (ctrl+s)", id="save", variant="primary")
        yield Footer()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "theme" and isinstance(event.value, str):
            self.app.theme = event.value  # preview at once; saved with the rest

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_save()

    def action_save(self) -> None:
        ctx = self.app.ctx
        value = {key: self.query_one(f"#{key}", Input).value.strip() for key, _ in FIELDS}
        error = self.query_one("#settings-error", Static)
        try:
            settings = ctx.settings.with_changes(
                desired_retention=_number(value["desired_retention"], float, "desired retention"),
                new_per_day=_number(value["new_per_day"], int, "new cards per day"),
                reviews_per_day=_number(value["reviews_per_day"], int, "reviews per day"),
                learning_steps=parse_steps(value["learning_steps"]),
                relearning_steps=parse_steps(value["relearning_steps"]),
                rollover_hour=_number(value["rollover_hour"], int, "rollover hour"),
                theme=str(self.query_one("#theme", Select).value),
            )
        except UserError as exc:
            error.update(f"✗ {exc}")
            error.display = True
            return
        try:
            ctx.save_settings(settings)
        except UserError as exc:  # the database is busy, full or read-only: keep the edits
            self.notify(str(exc), title="Not saved", severity="error", markup=False)
            return
        self.app.apply_theme_setting(settings.theme)
        error.display = False
        self.notify("Settings saved.", timeout=2)

    def action_back(self) -> None:
        self.app.apply_theme_setting(self.app.ctx.settings.theme)  # drop an unsaved preview
        self.dismiss()


def _number(text: str, kind: type, name: str):
    try:
        return kind(text)
    except ValueError:
        raise UserError(f"{name} must be a {'whole ' if kind is int else ''}number") from None
