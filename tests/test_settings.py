"""The settings: constraints, the learner's one-line errors, stored JSON."""

from __future__ import annotations

import json
import subprocess
import sys
from dataclasses import FrozenInstanceError

import fsrs
import pytest
from fsrs.scheduler import LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS
from hypothesis import given
from hypothesis import strategies as st

from drillbreak.errors import UserError
from drillbreak.settings import DeckLimits, Settings, SettingsInvalid
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
        (
            {"learning_steps": "1m 5x"},
            "learning steps: bad step '5x': write durations like '1m 10m' or '30s 1h'",
        ),
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
    with pytest.raises(FrozenInstanceError):
        Settings().new_per_day = 3  # type: ignore[misc]


def test_form_fields_carry_the_screen_labels():
    assert [Settings.spec(n).label for n in Settings.form_fields()] == [
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


# -- the validator: typed text and stored JSON, without pydantic ------------------------

# The int fields and their nouns, written out here (not read from the specs under test).
WHOLE_NUMBER_NOUNS = {
    "new_per_day": "new cards/day",
    "reviews_per_day": "reviews/day",
    "new_per_day_all": "new cards/day for all decks",
    "reviews_per_day_all": "reviews/day for all decks",
    "rollover_hour": "rollover hour",
    "leech_threshold": "leech threshold",
    "maximum_interval_days": "maximum interval",
    "learn_ahead_s": "learn ahead",
}


def steps() -> st.SearchStrategy[tuple[int, ...]]:
    return st.lists(st.integers(1, 10**8), max_size=6).map(tuple)


valid_settings = st.builds(
    Settings,
    desired_retention=st.floats(0.7, 0.99),
    new_per_day=st.integers(0, 9999),
    reviews_per_day=st.integers(0, 99999),
    new_per_day_all=st.none() | st.integers(0, 9999),
    reviews_per_day_all=st.none() | st.integers(0, 99999),
    bury_siblings=st.booleans(),
    learning_steps=steps(),
    relearning_steps=steps(),
    rollover_hour=st.integers(0, 23),
    leech_threshold=st.integers(min_value=1),
    maximum_interval_days=st.integers(min_value=1),
    learn_ahead_s=st.integers(min_value=0),
    theme=st.text(),
    parameters=st.none()
    | st.tuples(
        *(
            st.floats(low, high)
            for low, high in zip(LOWER_BOUNDS_PARAMETERS, UPPER_BOUNDS_PARAMETERS, strict=True)
        )
    ),
)


@given(valid_settings)
def test_json_round_trips_every_valid_settings(settings):
    assert Settings.from_json(settings.to_json()) == settings


@given(
    name=st.sampled_from(sorted(WHOLE_NUMBER_NOUNS)),
    whole=st.integers(-(10**6), 10**6),
    fraction=st.integers(1, 999),
    typed=st.booleans(),
)
def test_a_fraction_in_an_int_field_is_not_a_whole_number(name, whole, fraction, typed):
    text = f"{whole}.{fraction:03d}"  # e.g. "2.500": typed on the settings screen
    value = text if typed else float(text)  # or a number in stored JSON
    with pytest.raises(SettingsInvalid) as info:
        Settings.validate({name: value})
    assert info.value.problems == {name: f"{WHOLE_NUMBER_NOUNS[name]} must be a whole number"}


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        *[(yes, True) for yes in ("yes", "true", "on", "1", "Yes", "TRUE")],
        *[(no, False) for no in ("no", "false", "off", "0", "No", "OFF")],
        (1, True),
        (0, False),
    ],
)
def test_yes_or_no_as_typed(typed, expected):
    assert Settings.validate({"bury_siblings": typed}).bury_siblings is expected


@pytest.mark.parametrize("typed", ["maybe", "", "2", 2, 0.5, None])
def test_other_text_is_not_yes_or_no(typed):
    with pytest.raises(SettingsInvalid) as info:
        Settings.validate({"bury_siblings": typed})
    assert info.value.problems == {"bury_siblings": "bury siblings must be yes or no"}


def test_typed_text_becomes_typed_values():
    settings = Settings.validate(
        {
            "desired_retention": " 0.85 ",
            "new_per_day": "20.0",
            "reviews_per_day": "+300",
            "learning_steps": "1m 10m",
            "rollover_hour": 5.0,
            "new_per_day_all": None,
            "parameters": None,
        }
    )
    assert settings == Settings(
        desired_retention=0.85,
        new_per_day=20,
        reviews_per_day=300,
        learning_steps=(60, 600),
        rollover_hour=5,
    )


def test_every_refused_field_is_named_in_field_order():
    typed = {"theme": 3, "bury_siblings": "maybe", "desired_retention": "x", "new_per_day": "2.5"}
    with pytest.raises(SettingsInvalid) as info:
        Settings.validate({**typed, "retired_option": "kept out"})
    assert info.value.problems == {
        "desired_retention": "desired retention must be a number",
        "new_per_day": "new cards/day must be a whole number",
        "bury_siblings": "bury siblings must be yes or no",
        "theme": "theme must be text",
    }
    assert str(info.value) == "; ".join(info.value.problems.values())


def test_building_settings_checks_them_too():
    with pytest.raises(SettingsInvalid) as info:
        Settings(rollover_hour=24)
    assert info.value.problems == {"rollover_hour": "rollover hour must be 0-23"}


def test_deck_limits_read_like_the_settings_they_replace():
    assert DeckLimits.validate({"new_per_day": "5", "other": 1}) == DeckLimits(new_per_day=5)
    with pytest.raises(SettingsInvalid) as info:
        DeckLimits.validate({"new_per_day": -1, "reviews_per_day": "2.5"})
    assert info.value.problems == {
        "new_per_day": "new cards/day must be 0-9999",
        "reviews_per_day": "reviews/day must be a whole number",
    }


# What pydantic's ``Settings.model_dump_json()`` wrote before the settings were dataclasses.
PYDANTIC_JSON = (
    '{"desired_retention":0.85,"new_per_day":7,"reviews_per_day":200,"new_per_day_all":null,'
    '"reviews_per_day_all":50,"bury_siblings":false,"learning_steps":[30,300],'
    '"relearning_steps":[600],"rollover_hour":4,"leech_threshold":8,'
    '"maximum_interval_days":36500,"learn_ahead_s":1200,"theme":"nord","parameters":null}'
)


def test_reads_the_json_written_before(db):
    expected = Settings(
        desired_retention=0.85,
        new_per_day=7,
        reviews_per_day_all=50,
        bury_siblings=False,
        learning_steps=(30, 300),
        theme="nord",
    )
    assert Settings.from_json(PYDANTIC_JSON) == expected
    assert expected.to_json() == PYDANTIC_JSON
    fitted = (*fsrs.scheduler.DEFAULT_PARAMETERS[:20], 0.5)
    stored = json.loads(PYDANTIC_JSON) | {"parameters": list(fitted)}
    assert Settings.from_json(json.dumps(stored)).parameters == fitted


def test_stored_nan_parameters_are_read_and_refused(db):
    """NaN in stored JSON (``model_dump_json`` wrote it so) is read, then refused."""
    nan_text = PYDANTIC_JSON.replace('"parameters":null', '"parameters":[NaN]')
    store_text(db, nan_text)
    with pytest.raises(UserError, match="stored FSRS parameters are invalid: 1 numbers"):
        load(db)


IMPORTS_WITHOUT_PYDANTIC = """
import sqlite3, sys
import drillbreak.store.settings_store, drillbreak.store.deck_limits, drillbreak.study.limits
from drillbreak.settings import DeckLimits, Settings, SettingsInvalid
from drillbreak.store import deck_limits, settings_store
from drillbreak.study import limits

conn = sqlite3.connect(":memory:")
conn.execute("CREATE TABLE setting (key TEXT PRIMARY KEY, value TEXT)")
conn.execute(
    "INSERT INTO setting VALUES ('settings', ?)",
    ('{"new_per_day": 7, "learning_steps": [30, 300], "parameters": null, "old": 1}',),
)
settings = settings_store.load(conn)  # from JSON text
typed = settings.with_changes(desired_retention="0.85", bury_siblings="no", learning_steps="1m")
try:
    Settings.validate({"new_per_day": "2.5"})
except SettingsInvalid as exc:
    refused = exc.problems
settings_store.save(conn, typed)
deck_limits.save(conn, "d", DeckLimits.validate({"reviews_per_day": "9"}))
assert settings_store.load(conn) == typed
assert limits.effective(typed, deck_limits.load(conn).get("d")) == (7, 9)
assert (typed.desired_retention, typed.bury_siblings, typed.learning_steps) == (0.85, False, (60,))
assert refused == {"new_per_day": "new cards/day must be a whole number"}
print(sorted(m for m in sys.modules if m.split(".")[0] in ("pydantic", "pydantic_core")))
"""


def test_settings_load_and_validate_without_pydantic():
    """Read at every start: the settings cost no pydantic import (issue 17)."""
    done = subprocess.run(
        [sys.executable, "-c", IMPORTS_WITHOUT_PYDANTIC],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
