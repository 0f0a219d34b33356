"""Settings: retention, daily limits, steps, rollover hour, theme; saved and applied at once.

The form is built from ``Settings``: each field its spec marks as a form field gets its
label, tooltip and errors from that spec and the settings' validation.  A refused value
is said where the learner looks (a message, the field marked and focused); leaving with
unsaved edits asks first.
"""

from __future__ import annotations

from dataclasses import replace

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid, Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Footer, Input, Label, Select, Static
from textual.worker import Worker, get_current_worker

from drillbreak.errors import UserError
from drillbreak.settings import Settings, SettingsInvalid, format_steps
from drillbreak.tui.screens.base import DrillbreakScreen
from drillbreak.tui.screens.help import HELP_KEY


def _shown(value: object) -> str:
    """A setting's value as the learner types it."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, tuple):
        return format_steps(value)
    if isinstance(value, float):
        return f"{value:.2f}"
    return str(value)


class SettingField(Input):
    """A setting's text box.  No setting is typed with a ``?``: it opens the key help."""

    def check_consume_key(self, key: str, character: str | None) -> bool:
        # Textual drops every binding of a key the focused box consumes, priority or not
        return key != "question_mark" and super().check_consume_key(key, character)


class SettingsScreen(DrillbreakScreen):
    BINDINGS = [
        # priority: before the focused field sees the key (see SettingField)
        replace(HELP_KEY, priority=True),
        Binding("ctrl+s", "save", "Save", id="settings.save", priority=True),
        Binding("escape", "back", "Back", id="settings.back"),
    ]
    HELP_GROUPS = {"Settings": ("save", "back")}

    def compose(self) -> ComposeResult:
        settings = self.ctx.settings
        themes = sorted(self.app.available_themes)
        with VerticalScroll(id="settings"):
            yield Static("Settings", classes="screen-title")
            yield Static(id="settings-error")
            with Grid(id="settings-grid"):
                for name in Settings.form_fields():
                    spec = Settings.spec(name)
                    yield Label(spec.label)
                    field = SettingField(_shown(getattr(settings, name)), id=name)
                    field.tooltip = spec.description
                    yield field
                    if name == "desired_retention":  # what each retention would cost
                        yield Static("Workload: simulating your collection…", id="workload")
                yield Label(Settings.spec("theme").label)
                yield Select(
                    [(t, t) for t in themes], value=self.app.theme, allow_blank=False, id="theme"
                )
            yield Button("Save (ctrl+s)", id="save", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self._saved = self._typed()
        self._simulate()

    def _simulate(self) -> None:
        """Simulate the workload with the settings in use: on opening, and again after a
        save (the retention marked "now", new cards a day and steps may have changed)."""
        self.run_worker(
            self._simulate_workload,
            thread=True,
            group="workload",
            exclusive=True,
            exit_on_error=False,
        )

    def _simulate_workload(self) -> None:
        """Reviews a day at each desired retention, beside the retention field (a thread:
        the simulation takes a moment on a big collection)."""
        from drillbreak.optimizer.workload import simulate_workload, workload_lines
        from drillbreak.store.fit_log import count_cards
        from drillbreak.store.history import load_reviews

        ctx, settings = self.ctx, self.ctx.settings
        try:
            with self.drill_app.db_lock:  # the app's one connection: one thread at a time
                rows = load_reviews(ctx.db)
                with ctx.db.read() as conn:
                    cards = count_cards(conn)
        except UserError as exc:
            text = f"Workload: not available ({exc})"
        else:
            table = simulate_workload(
                settings.parameters, cards=cards, settings=settings, rows=rows
            )
            text = "\n".join(workload_lines(table, cards, settings.desired_retention))
        self.app.call_from_thread(self._show_workload, get_current_worker(), text)

    def _show_workload(self, worker: Worker[None], text: str) -> None:
        if not worker.is_cancelled:  # else a save started a newer simulation
            self.query_one("#workload", Static).update(Content(text))

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "theme" and isinstance(event.value, str):
            self.app.theme = event.value  # preview at once; saved with the rest

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "save":
            self.action_save()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.action_save()

    def _typed(self) -> dict[str, str]:
        """The form's values as typed (and the theme chosen)."""
        typed = {
            name: self.query_one(f"#{name}", Input).value.strip() for name in Settings.form_fields()
        }
        typed["theme"] = str(self.query_one("#theme", Select).value)
        return typed

    def action_save(self) -> bool:
        """Save the form; False (and a message saying why) if it was not saved."""
        ctx = self.ctx
        typed = self._typed()
        try:
            settings = ctx.settings.changed(typed)
        except SettingsInvalid as exc:
            self._show_problems(exc.problems)
            return False
        try:
            with self.drill_app.db_lock:
                ctx.save_settings(settings)
        except UserError as exc:  # the database is busy, full or read-only: keep the edits
            self.notify(str(exc), title="Not saved", severity="error", markup=False)
            return False
        self.drill_app.apply_theme_setting(settings.theme)
        self._show_problems({})
        self._saved = typed
        self._simulate()
        self.notify("Settings saved.", timeout=2)
        return True

    def _show_problems(self, problems: dict[str, str]) -> None:
        """Refused fields: marked, the first one focused (scrolled into view), and said in
        a message and in one line each above the form."""
        for name in Settings.form_fields():
            self.query_one(f"#{name}", Input).set_class(name in problems, "-invalid")
        error = self.query_one("#settings-error", Static)
        error.update(Content("\n".join(f"✗ {line}" for line in problems.values())))
        error.display = bool(problems)
        if problems:
            first = self.query_one(f"#{next(iter(problems))}", Input)
            first.focus(scroll_visible=False)
            # at the top of the view: the message shows at the bottom right
            self.query_one("#settings", VerticalScroll).scroll_to_widget(
                first, animate=False, top=True
            )
            self.notify(
                "\n".join(problems.values()),
                title="Not saved: fix the marked field" + ("s" if len(problems) > 1 else ""),
                severity="error",
                markup=False,
            )

    def action_back(self) -> None:
        if self._typed() == self._saved:
            self._leave()
        else:
            self.app.push_screen(UnsavedScreen(), self._unsaved_answer)

    def _unsaved_answer(self, answer: str | None) -> None:
        if answer == "discard" or (answer == "save" and self.action_save()):
            self._leave()

    def _leave(self) -> None:
        self.drill_app.apply_theme_setting(self.ctx.settings.theme)  # drop an unsaved preview
        self.dismiss()


class UnsavedScreen(ModalScreen[str]):
    """Esc with unsaved edits: save them, discard them, or keep editing."""

    BINDINGS = [
        HELP_KEY,
        Binding("s", "answer('save')", "Save", id="unsaved.save"),
        Binding("d", "answer('discard')", "Discard", id="unsaved.discard"),
        Binding("escape,k", "answer('keep')", "Keep editing", id="unsaved.keep"),
    ]
    HELP_GROUPS = {"Unsaved changes": ("answer",)}

    def compose(self) -> ComposeResult:
        with Vertical(id="unsaved"):
            yield Static("You have unsaved changes.", classes="screen-title")
            with Horizontal(id="unsaved-buttons"):
                yield Button("Save (s)", id="save", variant="primary")
                yield Button("Discard (d)", id="discard", variant="error")
                yield Button("Keep editing (esc)", id="keep")

    def on_mount(self) -> None:
        self.query_one("#save", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.dismiss(event.button.id)

    def action_answer(self, answer: str) -> None:
        self.dismiss(answer)
