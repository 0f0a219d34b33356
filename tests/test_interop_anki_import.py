"""``import anki``: real Anki packages (built and exported by the ``anki`` package) ->
YAML decks, card states and review history."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import fsrs
import pytest
from helpers.anki_collection import (
    DAY_MS,
    add_note,
    answer,
    export_apkg,
    export_colpkg,
    new_collection,
)

from drillbreak.clock import from_ms
from drillbreak.deck.loader import load_collection
from drillbreak.domain import CardState
from drillbreak.interop.anki_html import guid_card_id
from drillbreak.interop.anki_import import import_package
from drillbreak.store.db import Database
from drillbreak.study.session import MAX_DURATION_MS

anki = pytest.importorskip("anki")


def build(tmp_path: Path):
    col = new_collection(tmp_path / "col.anki2")
    col.media.write_data("cat.png", b"\x89PNG not really")
    notes = {
        "basic": add_note(
            col, "Basic", ["What is <b>2+2</b>?", "4<br>four"], tags=["maths", "a::b"]
        ),
        "reversed": add_note(col, "Basic (and reversed card)", ["chien", "dog"], deck="French"),
        "opt_yes": add_note(col, "Basic (optional reversed card)", ["chat", "cat", "y"]),
        "opt_no": add_note(col, "Basic (optional reversed card)", ["oiseau", "bird", ""]),
        "cloze": add_note(col, "Cloze", ["{{c1::Paris::city}} is in {{c2::France}}", "<i>geo</i>"]),
        "maths": add_note(col, "Basic", [r"\(E = mc^2\)", r"\[x^2\] and \(y\)"]),
        "media": add_note(col, "Basic", ['<img src="cat.png">', "meow [sound:meow.mp3]"]),
        "suspended": add_note(col, "Basic", ["suspended q", "a"]),
    }
    now = int(time.time() * 1000)
    cid = {k: n.card_ids() for k, n in notes.items()}
    plan = {  # card -> ratings, days ago
        cid["basic"][0]: [(3, 20), (3, 19.99), (3, 15), (1, 6), (3, 5.99), (3, 1)],
        cid["reversed"][1]: [(3, 10), (4, 9.99)],
        cid["cloze"][0]: [(2, 3), (3, 2.99), (3, 0.5)],
        cid["maths"][0]: [(1, 0.01)],  # still learning
        cid["suspended"][0]: [(3, 4), (3, 3.99)],
    }
    for card_id, answers in plan.items():
        for rating, days_ago in answers:
            answer(col, card_id, rating, now - int(days_ago * DAY_MS))
    col.sched.suspend_cards([cid["suspended"][0]])
    col.sched.bury_cards([cid["opt_yes"][0]])
    return col, notes


def run_import(pkg: Path, out: Path, db_path: Path):
    out.mkdir(exist_ok=True)
    db = Database(db_path)
    try:
        return import_package(pkg, out, db, datetime.now(UTC), taken_deck_ids=set())
    finally:
        db.close()


def rows(db_path: Path) -> dict[str, tuple]:
    db = Database(db_path)
    try:
        with db.read() as conn:
            return {
                key: (state, stab, due, susp, buried, n)
                for key, state, stab, due, susp, buried, n in conn.exec_driver_sql(
                    "SELECT key, state, stability, due_ms, suspended, buried_until_ms,"
                    " (SELECT count(*) FROM review_log r WHERE r.card_id = c.id) FROM card_state c"
                )
            }
    finally:
        db.close()


@pytest.fixture(params=["apkg", "legacy-apkg", "colpkg"])
def imported(request, tmp_path):
    col, notes = build(tmp_path)
    info = {
        c.id: (
            c.type,
            c.queue,
            c.due,
            col.db.scalar("select count() from revlog where cid=? and ease>0", c.id),
        )
        for c in (col.get_card(i) for i in col.find_cards(""))
    }
    revlog = col.db.all("select id, cid, ease, type from revlog order by id")
    today = col.sched.today
    crt = col.crt
    guids = {k: n.guid for k, n in notes.items()}
    keys = {c.id: c for c in (col.get_card(i) for i in col.find_cards(""))}
    pkg = tmp_path / f"col.{request.param}"
    if request.param == "colpkg":
        export_colpkg(col, pkg)
    else:
        export_apkg(col, pkg, legacy=request.param == "legacy-apkg")
        col.close()
    out, db_path = tmp_path / "decks", tmp_path / "db.sqlite3"
    summary = run_import(pkg, out, db_path)
    return dict(
        summary=summary,
        info=info,
        revlog=revlog,
        today=today,
        crt=crt,
        guids=guids,
        cards=keys,
        pkg=pkg,
        out=out,
        db=db_path,
        notes=notes,
    )


def test_notes_become_cards_of_each_kind(imported):
    out, guids = imported["out"], imported["guids"]
    loaded = load_collection([out], set())
    assert not loaded.broken
    decks = {d.id: d for d in loaded.decks}
    assert set(decks) == {"default", "french"}
    cards = {c.id: c for d in decks.values() for c in d.cards}
    card = {k: cards[guid_card_id(g)] for k, g in guids.items()}
    assert card["basic"].front == "What is **2+2**?" and card["basic"].back == "4\nfour"
    assert set(card["basic"].tags) == {"maths", "a::b"}
    assert card["basic"].anki_guid == guids["basic"]
    assert card["reversed"].reverse and card["opt_yes"].reverse and not card["opt_no"].reverse
    assert card["opt_yes"].back == "cat"  # the Add Reverse value is not part of the answer
    assert card["cloze"].text == "{{c1::Paris::city}} is in {{c2::France}}"
    assert card["cloze"].extra == "*geo*"
    assert card["maths"].front == r"\(E = mc^2\)" and card["maths"].back == r"\[x^2\] and \(y\)"
    assert card["media"].front == "[image: cat.png]"
    assert card["media"].back == "meow [sound: meow.mp3]"
    assert imported["summary"].result.media == ["cat.png", "meow.mp3"]
    assert imported["summary"].result.media_files == 1


def _key(imported, card) -> str:
    note = next(k for k, n in imported["notes"].items() if n.id == card.nid)
    base = guid_card_id(imported["guids"][note])
    if note == "cloze":
        return f"{base}~c{card.ord + 1}"
    return base + ("~r" if card.ord == 1 else "")


def test_history_states_and_due_dates_match_anki(imported):
    stored = rows(imported["db"])
    # The calendar date on which Anki's current day began (its day starts at the
    # rollover hour, so just after midnight it is still yesterday's day).
    today = from_ms((imported["crt"] + imported["today"] * 86_400) * 1000).date()
    for card_id, (ctype, queue, due, graded) in imported["info"].items():
        key = _key(imported, imported["cards"][card_id])
        state, _stab, due_ms, suspended, buried, n = stored[key]
        assert n == graded, key  # one review per rated revlog row
        assert state == ctype, key  # Anki's card type is our state
        assert bool(suspended) == (queue == -1)
        assert (buried is not None) == (queue in (-2, -3))
        if ctype == 2:  # a review card falls due on Anki's day
            assert (from_ms(due_ms).date() - today).days == due - imported["today"], key
        if ctype == CardState.NEW:
            assert due_ms is None
    assert sum(v[5] for v in stored.values()) == sum(1 for r in imported["revlog"] if r[2] > 0)


def test_memory_state_is_the_fsrs_replay(imported):
    stored = rows(imported["db"])
    by_card: dict[int, list] = {}
    for rid, cid, ease, _type in imported["revlog"]:
        by_card.setdefault(cid, []).append((rid, ease))
    for cid, log in by_card.items():
        oracle = fsrs.Scheduler(enable_fuzzing=False)
        card = fsrs.Card()
        for rid, ease in log:
            card, _ = oracle.review_card(card, fsrs.Rating(ease), from_ms(rid))
        key = _key(imported, imported["cards"][cid])
        assert stored[key][1] == pytest.approx(card.stability), key


def test_importing_again_adds_nothing(imported):
    before = rows(imported["db"])
    again = run_import(imported["pkg"], imported["out"], imported["db"])
    assert again.history.reviews_added == 0
    assert again.history.reviews_present == sum(v[5] for v in before.values())
    assert rows(imported["db"]) == before


def test_reimport_after_an_edit_in_anki_keeps_history(tmp_path):
    col, notes = build(tmp_path)
    pkg1 = export_apkg(col, tmp_path / "one.apkg")
    note = col.get_note(notes["basic"].id)
    note["Front"] = "What is 2 + 2, edited?"
    col.update_note(note)
    pkg2 = export_apkg(col, tmp_path / "two.apkg")
    col.close()
    out, db_path = tmp_path / "decks", tmp_path / "db.sqlite3"
    run_import(pkg1, out, db_path)
    second = run_import(pkg2, out, db_path)
    assert second.history.reviews_added == 0
    key = guid_card_id(notes["basic"].guid)
    assert rows(db_path)[key][5] == 6 and rows(db_path)[key][0] == CardState.REVIEW
    deck = next(d for d in load_collection([out], set()).decks if d.id == "default")
    assert next(c for c in deck.cards if c.id == key).front == "What is 2 + 2, edited?"


def test_manual_entries_are_not_reviews_and_cram_is_logged(tmp_path):
    """Revlog rows written directly: a set-due-date (type 4), an FSRS reschedule (type 5:
    never a review, whatever its ease), a cram review in a filtered deck without
    rescheduling (type 3, factor 0), a reset (type 4, factor 0)."""
    col = new_collection(tmp_path / "col.anki2")
    note = add_note(col, "Basic", ["q", "a"])
    cid = note.card_ids()[0]
    now = int(time.time() * 1000)
    t = [now - d * DAY_MS for d in (30, 29, 20, 10, 9, 5)]
    answer(col, cid, 3, t[0])
    # Anki caps answer times at 60 s; an older collection may hold more: drillbreak's cap
    col.db.execute("update revlog set time = ? where id = ?", 10 * 60_000, t[0])
    answer(col, cid, 3, t[1])
    col.db.execute("insert into revlog values (?,?,-1,0,5,3,2500,0,4)", t[2], cid)
    col.db.execute("insert into revlog values (?,?,-1,3,6,5,2500,0,5)", t[2] + 1, cid)
    col.db.execute("insert into revlog values (?,?,-1,3,0,0,0,3000,3)", t[3], cid)
    col.db.execute("insert into revlog values (?,?,-1,0,0,0,0,0,4)", t[4], cid)  # reset
    answer(col, cid, 4, t[5])
    pkg = export_apkg(col, tmp_path / "x.apkg")
    col.close()
    summary = run_import(pkg, tmp_path / "decks", tmp_path / "db.sqlite3")
    assert summary.history.manual_skipped == 3
    assert summary.history.reviews_added == 4
    db = Database(tmp_path / "db.sqlite3")
    with db.read() as conn:
        log = conn.exec_driver_sql(
            "SELECT rating, cram, state_before, duration_ms FROM review_log ORDER BY reviewed_at_ms"
        ).all()
        stability = conn.exec_driver_sql("SELECT stability FROM card_state").scalar_one()
    db.close()
    assert [tuple(r[:3]) for r in log] == [
        (3, 0, CardState.NEW),
        (3, 0, 1),
        (3, 1, 2),
        (4, 0, CardState.NEW),
    ]
    assert [r[3] for r in log] == [MAX_DURATION_MS, 4000, 3000, 4000]
    oracle = fsrs.Scheduler(enable_fuzzing=False)
    fresh, _ = oracle.review_card(fsrs.Card(), fsrs.Rating.Easy, from_ms(t[5]))
    assert stability == pytest.approx(fresh.stability)  # the reset started FSRS over


def test_cli_imports_a_package(tmp_path, capsys):
    from drillbreak.cli import main

    col, _notes = build(tmp_path)
    pkg = export_apkg(col, tmp_path / "c.apkg")
    col.close()
    db = tmp_path / "db.sqlite3"
    out = tmp_path / "decks"
    assert main(["import", "anki", str(pkg), "-o", str(out), "--db", str(db)]) == 0
    captured = capsys.readouterr()
    assert "2 media reference(s)" in captured.err and "cat.png, meow.mp3" in captured.err
    assert "14 review(s) added" in captured.out
    assert main(["import", "anki", str(pkg), "-o", str(out), "--db", str(db)]) == 0
    assert "0 review(s) added, 14 already here" in capsys.readouterr().out
    counts = Counter(p.name for p in out.iterdir())
    assert counts == {"default.yaml": 1, "french.yaml": 1}
