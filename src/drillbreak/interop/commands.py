"""The interop commands, for ``drillbreak.cli`` to mount::

    interop.add_commands(sub, common)      # in build_parser

Each leaf parser sets its handler (``args.handler(args)`` runs it): ``export anki``, ``export reviews``, ``import anki-text``, ``optimize`` and
``schema``.  Heavy modules (genanki, markdown-it, fsrs) load inside the commands.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from drillbreak.errors import UserError

if TYPE_CHECKING:
    from drillbreak.deck.loader import Deck
    from drillbreak.store.demo_runs import StoredRun


def add_commands(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    # ``common`` holds --db/--decks/--debug without defaults (drillbreak.cli's top parser
    # has them), so a leaf keeps what was given before the command.  They sit on the leaf
    # parsers only: --decks given at two nested levels would not add up.
    export = sub.add_parser("export", help="export decks to Anki, or the review log")
    export_sub = export.add_subparsers(dest="export_what", metavar="WHAT", required=True)
    anki = export_sub.add_parser("anki", parents=[common], help="decks -> an Anki package (.apkg)")
    anki.set_defaults(handler=cmd_export_anki)
    anki.add_argument("deck", nargs="*", help="deck ids (default: every loaded deck)")
    anki.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help="the .apkg to write (default: DECK.apkg, or drillbreak.apkg for several)",
    )
    anki.add_argument(
        "--with-schedule",
        action="store_true",
        help="also carry each studied card's state and review log (Anki: import with "
        "'Import any learning progress')",
    )
    reviews = export_sub.add_parser(
        "reviews", parents=[common], help="the review log for the FSRS optimizer (CSV) or JSON"
    )
    reviews.set_defaults(handler=cmd_export_reviews)
    reviews.add_argument(
        "--format", choices=("fsrs-csv", "json"), default="fsrs-csv", help="default: fsrs-csv"
    )
    reviews.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write here (default: stdout)"
    )
    reviews.add_argument("--deck", action="append", help="only these decks (repeatable)")

    imp = sub.add_parser("import", help="import cards from other apps")
    imp_sub = imp.add_subparsers(dest="import_what", metavar="WHAT", required=True)
    text = imp_sub.add_parser(
        "anki-text",
        parents=[common],
        help="Anki 'Notes in Plain Text' / CSV / TSV -> a YAML deck",
    )
    text.set_defaults(handler=cmd_import_anki_text)
    text.add_argument("file", type=Path, help="the exported .txt, .csv or .tsv file")
    text.add_argument(
        "-o", "--output", type=Path, metavar="OUT.yaml", help="write here (default: stdout)"
    )
    text.add_argument("--deck", metavar="ID", help="deck id (default: from the Anki deck name)")
    anki_pkg = imp_sub.add_parser(
        "anki",
        parents=[common],
        help="an Anki package (.apkg/.colpkg) with its review history -> YAML decks",
    )
    anki_pkg.set_defaults(handler=cmd_import_anki)
    anki_pkg.add_argument("file", type=Path, help="the .apkg or .colpkg exported from Anki")
    anki_pkg.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="OUT_DIR",
        required=True,
        help="folder for the YAML decks (one per Anki deck); study with --decks OUT_DIR",
    )

    optimize = sub.add_parser(
        "optimize", parents=[common], help="fit FSRS parameters to your review history"
    )
    optimize.set_defaults(handler=cmd_optimize)
    optimize.add_argument(
        "--retention", action="store_true", help="also suggest a desired retention"
    )
    optimize.add_argument(
        "--workload",
        action="store_true",
        help="instead of fitting, simulate reviews per day at desired retentions 0.80-0.95",
    )

    schema = sub.add_parser(
        "schema", parents=[common], help="print the deck format's JSON Schema (for editors)"
    )
    schema.set_defaults(handler=cmd_schema)
    schema.add_argument(
        "-o", "--output", type=Path, metavar="FILE", help="write here (default: stdout)"
    )


def _db_path(args: argparse.Namespace) -> Path:
    from drillbreak import paths

    return paths.database_path(getattr(args, "db", None))


def _writable_target(path: Path) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise UserError(f"{path}: is a folder; give a file name")
    if not folder.is_dir():
        raise UserError(f"{folder}: no such folder")


def _write_text(path: Path | None, text: str) -> None:
    if path is None or str(path) == "-":
        sys.stdout.write(text)
        return
    _writable_target(path)
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"{path}: cannot write ({exc.strerror or exc})") from None


def cmd_export_anki(args: argparse.Namespace) -> int:
    import difflib

    from drillbreak.context import load_decks
    from drillbreak.interop.anki_export import export_apkg

    collection = load_decks(args.decks, cached=False)  # an export is an author tool: parse afresh
    for result in collection.broken:
        first = result.first_error
        if first is not None:
            print(f"skipped broken deck: {first.format()}", file=sys.stderr)
    available = {d.id: d for d in collection.decks}
    wanted = list(dict.fromkeys(args.deck)) if args.deck else list(available)
    for deck_id in wanted:
        if deck_id not in available:
            close = difflib.get_close_matches(deck_id, list(available), n=1)
            guess = f" (did you mean {close[0]!r}?)" if close else ""
            raise UserError(f"unknown deck {deck_id!r}{guess}; 'drillbreak decks' lists them")
    if not wanted:
        raise UserError("no decks to export")
    decks = _with_cases([available[d] for d in wanted], args)
    output = args.output or default_apkg_path(wanted)
    if output.suffix.lower() != ".apkg":
        raise UserError(f"{output}: Anki packages end in .apkg")
    _writable_target(output)
    schedule = _schedule(args, wanted) if args.with_schedule else None
    runs = _cached_runs(args, decks)
    try:
        summary = export_apkg(decks, output, schedule=schedule, runs=runs)
    except OSError as exc:
        raise UserError(f"{output}: cannot write ({exc.strerror or exc})") from None
    for deck_id, name, notes, cards in summary.decks:
        print(f"{deck_id}: {notes} note(s), {cards} card(s) -> Anki deck {name!r}")
    if summary.scheduled is not None:
        cards, reviews = summary.scheduled
        print(
            f"With schedule: {cards} studied card(s), {reviews} review(s); in Anki's import "
            "dialog turn on 'Import any learning progress'."
        )
    print(
        f"Wrote {summary.path} ({summary.notes} notes). Import it in Anki with File > Import; "
        "importing a newer export updates these notes."
    )
    return 0


def default_apkg_path(deck_ids: list[str]) -> Path:
    """Where ``export anki`` writes without ``-o``: DECK.apkg for one deck, else
    drillbreak.apkg, in the current folder (the app's palette writes there too)."""
    return Path(f"{deck_ids[0] if len(deck_ids) == 1 else 'drillbreak'}.apkg")


def _with_cases(decks: list[Deck], args: argparse.Namespace) -> list[Deck]:
    """``decks`` with each generated diagnosis card as one case of it, marked as such:
    a case from the pool, else one made now (a training run in the case child)."""
    from dataclasses import replace
    from functools import partial

    from drillbreak.deck.models import GeneratedDiagnosisCard
    from drillbreak.demo_runner.cases import CaseError
    from drillbreak.store.db import Database
    from drillbreak.study.cases import snapshot

    if not any(isinstance(c, GeneratedDiagnosisCard) for d in decks for c in d.cards):
        return decks
    db = Database(_db_path(args))
    try:
        copies = []
        for deck in decks:
            cards = []
            for card in deck.cards:
                if isinstance(card, GeneratedDiagnosisCard):
                    making = partial(
                        print,
                        f"{deck.id}/{card.id}: making a case from a real training run...",
                        file=sys.stderr,
                    )
                    try:
                        card = snapshot(db, card, making=making)
                    except CaseError as exc:
                        raise UserError(
                            f"{deck.path}: no case for generated card {card.id!r}: {exc}"
                        ) from None
                cards.append(card)
            copies.append(replace(deck, cards=cards))
        return copies
    finally:
        db.close()


def _schedule(args: argparse.Namespace, decks: list[str]):
    from drillbreak.interop.anki_export import Schedule
    from drillbreak.store import settings_store
    from drillbreak.store.anki_schedule import card_histories
    from drillbreak.store.db import Database

    db = Database(_db_path(args))
    try:
        with db.read() as conn:
            settings = settings_store.load(conn, drop_invalid_parameters=True)
            histories = card_histories(conn, decks)
    finally:
        db.close()
    return Schedule(histories, settings.desired_retention)


def _cached_runs(args: argparse.Namespace, decks: list[Deck]) -> dict[tuple[str, str], StoredRun]:
    """Predict cards' snapshots: each card's newest cached run over its ``vary`` values
    (none without a database yet)."""
    from drillbreak.deck.models import PredictCard
    from drillbreak.demo_runner.request import DemoRequest
    from drillbreak.store import demo_runs
    from drillbreak.store.db import Database

    cards = [(d.id, c) for d in decks for c in d.cards if isinstance(c, PredictCard)]
    path = _db_path(args)
    if not cards or not path.exists():
        return {}
    db = Database(path)
    runs: dict[tuple[str, str], StoredRun] = {}
    try:
        with db.read() as conn:
            for deck_id, card in cards:
                options = [{card.vary.param: v} for v in card.vary.values] if card.vary else [{}]
                seed = DemoRequest(card.demo).seed  # the seed predict cards run with
                found = [demo_runs.find(conn, card.demo, p, seed) for p in options]
                newest = max(
                    (r for r in found if r is not None), key=lambda r: r.made_ms, default=None
                )
                if newest is not None:
                    runs[deck_id, card.id] = newest
    finally:
        db.close()
    return runs


def cmd_export_reviews(args: argparse.Namespace) -> int:
    import io

    from drillbreak.interop.reviews import write_reviews
    from drillbreak.store.db import Database
    from drillbreak.store.history import load_reviews

    db = Database(_db_path(args))
    try:
        rows = load_reviews(db, args.deck)
    finally:
        db.close()
    buffer = io.StringIO()
    n = write_reviews(rows, args.format, buffer)
    _write_text(args.output, buffer.getvalue())
    if args.output is not None and str(args.output) != "-":
        print(f"Wrote {n} review(s) to {args.output} ({args.format}).", file=sys.stderr)
    return 0


def cmd_import_anki_text(args: argparse.Namespace) -> int:
    from drillbreak.interop.anki_text import import_file

    if not args.file.is_file():
        raise UserError(f"{args.file}: no such file")
    result, yaml_text = import_file(args.file, deck_id=args.deck)
    for warning in result.warnings:
        print(f"{args.file}: {warning}", file=sys.stderr)
    if result.media:
        print(f"{args.file}: {_media_line(result.media)}", file=sys.stderr)
    _write_text(args.output, yaml_text)
    where = f" -> {args.output}" if args.output is not None and str(args.output) != "-" else ""
    skipped = f", {result.skipped} skipped" if result.skipped else ""
    print(
        f"Imported {result.cards} card(s){skipped} as deck {result.deck_id!r}{where}.",
        file=sys.stderr,
    )
    if where:
        print(
            f"Check it with: drillbreak lint {args.output}; "
            f"study it with: drillbreak study --decks {args.output}",
            file=sys.stderr,
        )
    return 0


def _media_line(names: list[str]) -> str:
    shown = ", ".join(names[:10]) + (f", ... ({len(names) - 10} more)" if len(names) > 10 else "")
    return (
        f"{len(names)} media reference(s) kept in the text as [image: ...] / [sound: ...] "
        f"(drillbreak does not show media): {shown}"
    )


def cmd_import_anki(args: argparse.Namespace) -> int:
    from drillbreak.clock import utc_now
    from drillbreak.context import load_decks
    from drillbreak.interop.anki_import import import_package
    from drillbreak.store.db import Database

    if not args.file.is_file():
        raise UserError(f"{args.file}: no such file")
    out_dir = args.output
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"{out_dir}: not a folder; give a folder for the decks")
    if not out_dir.parent.is_dir():
        raise UserError(f"{out_dir.parent}: no such folder")
    out_dir.mkdir(exist_ok=True)
    # deck ids must not clash with the other decks loaded (the imported folder excepted)
    others = [p for p in args.decks if p.resolve() != out_dir.resolve()]
    taken = {d.id for d in load_decks(others, cached=False).decks}
    db = Database(_db_path(args))
    try:
        summary = import_package(args.file, out_dir, db, utc_now(), taken_deck_ids=taken)
    finally:
        db.close()
    result, history = summary.result, summary.history
    for warning in result.warnings:
        print(f"{args.file}: {warning}", file=sys.stderr)
    if result.media:
        print(f"{args.file}: {_media_line(result.media)}", file=sys.stderr)
    for path in summary.files:
        print(f"wrote {path}")
    states = ", ".join(
        f"{history.by_state[s]} {name}"
        for s, name in ((0, "new"), (1, "learning"), (2, "review"), (3, "relearning"))
    )
    print(
        f"Imported {result.notes} note(s) as {history.cards} card(s) ({states}); "
        f"{history.reviews_added} review(s) added, {history.reviews_present} already here, "
        f"{history.manual_skipped} manual/reschedule entries skipped"
        + (
            f"; {history.kept} card(s) studied here since were left as they are"
            if history.kept
            else ""
        )
        + "."
    )
    print(f"Study them with: drillbreak study --decks {out_dir}")
    return 0


def cmd_optimize(args: argparse.Namespace) -> int:
    if args.workload:
        return cmd_workload(args)
    from drillbreak.optimizer.run import optimize

    optimize(_db_path(args), retention=args.retention)
    return 0


def cmd_workload(args: argparse.Namespace) -> int:
    from drillbreak.optimizer.workload import collection_workload, workload_lines
    from drillbreak.store import settings_store
    from drillbreak.store.db import Database

    db = Database(_db_path(args))
    try:
        with db.read() as conn:
            settings = settings_store.load(conn, drop_invalid_parameters=True)
        cards, rows = collection_workload(db, settings)
    finally:
        db.close()
    print("\n".join(workload_lines(rows, cards, settings.desired_retention)))
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from drillbreak.interop.schema import schema_text

    _write_text(args.output, schema_text())
    return 0
