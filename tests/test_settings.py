"""The Settings model: constraints, the learner's one-line errors, stored JSON."""

from __future__ import annotations

import json

import fsrs
import pytest

from drillbreak.errors import UserError
from drillbreak.settings import Settings
from drillbreak.store import settings_store


def store_text(db, text: str) -> None:
    with db.write() as conn:
        conn.exec_driver_sql("INSERT INTO setting (key, value) VALUES ('settings', ?)", (text,))


def load(db) -> Settings:
    with db.read() as conn:
        return settings_store.load(conn)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"desired_retention": 0.5}, "desired retention must be between 0.70 and 0.99"),
        ({"desired_retention": "1"}, "desired retention must be between 0.70 and 0.99"),
        ({"desired_retention": "high"}, "desired retention must be a number"),
        ({"new_per_day": 10000}, "new cards/day must be 0-9999"),
        ({"new_per_day": "7.5"}, "new cards/day must be a whole number"),
        ({"reviews_per_day": -1}, "reviews/day must be 0-99999"),
        ({"rollover_hour": 24}, "rollover hour must be 0-23"),
        ({"leech_threshold": 0}, "leech threshold must be at least 1"),
        ({"learning_steps": (60, 0)}, "learning steps must be positive durations"),
        ({"learning_steps": ("a", "b")}, "learning steps must be a whole number"),
        ({"relearning_steps": "0m"}, "relearning steps must be positive durations"),
        ({"learning_steps": "1m 5x"}, "bad step '5x': write durations like '1m 10m' or '30s 1h'"),
    ],
)
def test_each_refused_value_gives_its_one_line(changes, message):
    with pytest.raises(UserError) as info:
        Settings().with_changes(**changes)
    assert str(info.value) == message


def test_several_problems_one_clause_each_in_field_order():
    with pytest.raises(UserError) as info:
        Settings().with_changes(rollover_hour=-1, desired_retention=1.5, new_per_day="x")
    assert str(info.value) == (
        "desired retention must be between 0.70 and 0.99; "
        "new cards/day must be a whole number; rollover hour must be 0-23"
    )


def test_typed_text_is_parsed_by_the_model():
    settings = Settings().with_changes(
        desired_retention="0.85", new_per_day="7", learning_steps="30s 5m", relearning_steps=""
    )
    assert settings.desired_retention == 0.85 and settings.new_per_day == 7
    assert settings.learning_steps == (30, 300) and settings.relearning_steps == ()


def test_settings_are_frozen():
    with pytest.raises(ValueError):
        Settings().new_per_day = 3  # type: ignore[misc]


def test_form_fields_carry_the_screen_labels():
    assert [Settings.model_fields[n].title for n in Settings.form_fields()] == [
        "Desired retention (0.70-0.99)",
        "New cards per day (each deck)",
        "Reviews per day (each deck)",
        "Bury siblings (yes/no)",
        "Learning steps",
        "Relearning steps",
        "New day starts at hour (0-23)",
    ]


def test_round_trip_through_the_store(db):
    fitted = (*fsrs.scheduler.DEFAULT_PARAMETERS[:20], 0.5)
    saved = Settings().with_changes(new_per_day=7, learning_steps="30s 5m", parameters=fitted)
    with db.write() as conn:
        settings_store.save(conn, saved)
    assert load(db) == saved


def test_unknown_stored_keys_are_ignored(db):
    store_text(db, json.dumps({"new_per_day": 3, "retired_option": True}))
    assert load(db) == Settings(new_per_day=3)


def test_a_refused_stored_value_falls_back_to_its_default_only(db):
    store_text(db, json.dumps({"new_per_day": -4, "rollover_hour": 6}))
    assert load(db) == Settings(rollover_hour=6)


@pytest.mark.parametrize("text", ["not json", "[1, 2]"])
def test_unreadable_stored_settings_give_the_defaults(db, text):
    store_text(db, text)
    assert load(db) == Settings()
