"""The ``drillbreak`` command line.

User errors print one line on stderr and exit 1 (2 for usage errors); a
traceback appears only with ``--debug``.  Heavy modules are imported inside
the commands that need them, so ``--help`` and ``lint`` start fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from drillbreak import __version__
from drillbreak.errors import UserError

# Where the --decks given after the command go until they join those given before it.
_DECKS_AFTER = "decks_after_command"


def _add_shared_options(parser: argparse.ArgumentParser, *, top: bool) -> None:
    """--db, --decks and --debug, accepted before and after the command.

    Only the top parser holds defaults: a subparser's copy uses ``SUPPRESS`` so
    that an option left out after the command keeps the value given before it
    (a subparser's own defaults would overwrite it).
    """
    unset: dict[str, Any] = {} if top else {"default": argparse.SUPPRESS}
    parser.add_argument(
        "--db",
        type=Path,
        help="database file (default: user data dir; env DRILLBREAK_DB)",
        **unset,
    )
    parser.add_argument(
        "--decks",
        type=Path,
        action="append",
        dest="decks" if top else _DECKS_AFTER,
        metavar="PATH",
        help="also load decks from this file or folder (repeatable)",
        **({"default": []} if top else unset),
    )
    parser.add_argument(
        "--debug", action="store_true", help="show tracebacks", **({} if top else unset)
    )


class _Parser(argparse.ArgumentParser):
    """A usage error is one line naming the command and where its help is, not the
    whole usage block: ``drillbreak: error: limits --new: invalid int value: '2.5'
    (run 'drillbreak limits --help')``.  Exit status 2, as argparse's."""

    def error(self, message: str) -> NoReturn:
        top, *words = self.prog.split()
        command = " ".join(words)
        argument = message.removeprefix("argument ")  # "--new: invalid int value: '2.5'"
        if argument != message:
            message = f"{command} {argument}".lstrip()
        elif command:
            message = f"{command}: {message}"
        self.exit(2, f"{top}: error: {message} (run '{self.prog} --help')\n")


class _CommandParser(_Parser):
    """A command's parser gets every word after the command's name, so a word left
    over is an error of this command, reported here where the command is known
    (the top parser would report it without naming the command)."""

    def parse_known_args(
        self, args: Sequence[str] | None = None, namespace: Any = None
    ) -> tuple[Any, list[str]]:
        parsed, extras = super().parse_known_args(args, namespace)
        if extras:
            self.error(f"unrecognized arguments: {' '.join(extras)}")
        return parsed, extras


class _TopParser(_Parser):
    """The ``drillbreak`` parser: --decks given before and after the command add up."""

    def parse_known_args(
        self, args: Sequence[str] | None = None, namespace: Any = None
    ) -> tuple[Any, list[str]]:
        parsed: argparse.Namespace
        parsed, extras = super().parse_known_args(args, namespace)
        parsed.decks = [*parsed.decks, *vars(parsed).pop(_DECKS_AFTER, [])]
        return parsed, extras


def build_parser() -> argparse.ArgumentParser:
    common = _CommandParser(add_help=False)  # the commands' parent, of their class
    _add_shared_options(common, top=False)

    parser = _TopParser(
        prog="drillbreak",
        description="Terminal flashcards for how machine learning works and where it breaks.",
    )
    _add_shared_options(parser, top=True)
    parser.set_defaults(handler=cmd_app)  # no command: the app
    parser.add_argument("--version", action="version", version=f"drillbreak {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_CommandParser)

    study = sub.add_parser("study", parents=[common], help="study due cards")
    study.set_defaults(handler=cmd_study)
    study.add_argument("deck", nargs="*", help="deck ids (default: all decks)")
    study.add_argument("--tag", help="only cards with this tag")
    study.add_argument(
        "--cram",
        action="store_true",
        help="study regardless of due dates; the schedule is untouched",
    )
    study.add_argument(
        "--new",
        type=int,
        metavar="N",
        help="new cards for this session (overrides the daily limit)",
    )
    study.add_argument(
        "--plain", action="store_true", help="line mode on stdin/stdout (scriptable)"
    )

    lint = sub.add_parser("lint", parents=[common], help="check deck files")
    lint.set_defaults(handler=cmd_lint)
    lint.add_argument(
        "paths", nargs="*", type=Path, help="files or folders (default: every loaded deck)"
    )

    decks = sub.add_parser(
        "decks", parents=[common], help="list decks with new / learning / due / total"
    )
    decks.set_defaults(handler=cmd_decks)

    limits = sub.add_parser(
        "limits",
        parents=[common],
        help="show or set each deck's daily new/review limits",
        description="Each deck studies up to its own daily limits (the settings' unless set "
        "here); --all sets caps over all decks together.",
    )
    limits.set_defaults(handler=cmd_limits)
    limits.add_argument("deck", nargs="?", help="deck id (default: list every deck's limits)")
    limits.add_argument("--all", action="store_true", help="set the caps over all decks")
    limits.add_argument("--new", type=int, metavar="N", help="new cards per day")
    limits.add_argument("--reviews", type=int, metavar="N", help="reviews per day")
    limits.add_argument(
        "--reset", action="store_true", help="back to the settings' limits (with --all: no cap)"
    )

    stats = sub.add_parser("stats", parents=[common], help="reviews, retention and due forecast")
    stats.set_defaults(handler=cmd_stats)
    stats.add_argument("--json", action="store_true", help="machine-readable output")
    stats.add_argument("--deck", action="append", help="only these decks")

    from drillbreak.demo_runner.request import DEVICES, SCALES

    demo = sub.add_parser(
        "demo", parents=[common], help="run a live PyTorch demo ('demo list' lists them)"
    )
    demo.set_defaults(handler=cmd_demo)
    demo.add_argument("name", help="demo name, or 'list'")
    demo.add_argument("--device", default="auto", choices=DEVICES)
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--json", action="store_true", help="stream the events as JSON lines")
    demo.add_argument(
        "--scale",
        default="auto",
        choices=SCALES,
        help="full, quick, or auto (default: quick when this machine is too slow for full)",
    )
    demo.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="seconds before the demo is stopped (default: no limit; Ctrl-C stops it)",
    )
    demo.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="one of the demo's parameters ('demo list' shows them); repeatable",
    )

    from drillbreak import interop

    interop.add_commands(sub, common)
    return parser


AppLauncher = Callable[[argparse.Namespace], int]


def main(argv: Sequence[str] | None = None, *, open_app: AppLauncher | None = None) -> int:
    """Run one command.  ``open_app`` starts the full-screen app (``drillbreak.main``
    passes it); without it the app commands study in plain mode."""
    parser = build_parser()
    args = parser.parse_args(argv)
    args.open_app = open_app
    try:
        handler: Callable[[argparse.Namespace], int] = args.handler
        return handler(args)
    except UserError as exc:
        if args.debug:
            raise
        print(f"drillbreak: error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


def _context(args: argparse.Namespace):
    from drillbreak.context import open_context

    return open_context(args.db, args.decks)


def _report_broken(collection) -> None:
    for result in collection.broken:
        first = result.first_error
        if first is not None:
            print(f"skipped broken deck: {first.format()}", file=sys.stderr)


def cmd_lint(args: argparse.Namespace) -> int:
    from drillbreak.context import (
        deck_paths,
        known_demo_facts,
        known_demo_names,
        known_demo_results,
    )
    from drillbreak.deck.lint import lint

    targets = args.paths or deck_paths(args.decks)
    for target in targets:
        if not Path(target).exists():
            raise UserError(f"{target}: no such file or folder")
    return lint(
        targets,
        sys.stdout,
        known_demo_names(),
        demo_results=known_demo_results(),
        demo_facts=known_demo_facts(),
    )


def cmd_decks(args: argparse.Namespace) -> int:
    from drillbreak.study.overview import deck_counts

    ctx = _context(args)
    try:
        _report_broken(ctx.collection)
        decks = ctx.collection.decks
        overview = deck_counts(ctx.db, [d.id for d in decks], ctx.settings, ctx.clock())
        width = max([len(d.id) for d in decks] + [9])
        print(f"{'deck':<{width}}  {'new':>5} {'learn':>5} {'due':>5} {'total':>6}  title")
        for d in decks:
            c = overview.decks[d.id]
            print(f"{d.id:<{width}}  {c.new:>5} {c.learning:>5} {c.due:>5} {c.total:>6}  {d.title}")
        t = overview.total
        print(f"{'all decks':<{width}}  {t.new:>5} {t.learning:>5} {t.due:>5} {t.total:>6}")
        return 0
    finally:
        ctx.close()


def _no_deck(deck: str) -> str:
    return f"no deck {deck!r}; `drillbreak decks` lists the deck ids"


def cmd_stats(args: argparse.Namespace) -> int:
    from drillbreak.optimizer.reminder import reminder_line
    from drillbreak.study.stats import compute

    ctx = _context(args)
    try:
        ids = {d.id for d in ctx.collection.decks}
        unknown = [d for d in args.deck or () if d not in ids]
        if unknown:
            raise UserError(_no_deck(unknown[0]))
        stats = compute(ctx.db, ctx.settings, ctx.clock(), decks=args.deck)
        with ctx.db.read() as conn:
            fit_due = reminder_line(conn)
    finally:
        ctx.close()
    if args.json:
        json.dump(stats.to_json_dict(), sys.stdout, indent=2)
        print()
        return 0
    print(
        f"Today: {stats.reviews_today} review(s), {stats.new_today} new, "
        f"{stats.time_today_s / 60:.1f} min"
    )
    for ret in (stats.retention_7, stats.retention_30):
        rate = f"{ret.rate:.1%}" if ret.rate is not None else "n/a"
        print(f"True retention, last {ret.days} days: {rate} ({ret.passed}/{ret.reviews} reviews)")
    forecast = stats.due_forecast
    print(
        "Due forecast: today "
        + str(forecast[0])
        + ", next 7 days "
        + " ".join(str(n) for n in forecast[1:8])
    )
    print(f"Due in the next 30 days: {sum(forecast)}")
    if fit_due:
        print(fit_due)
    return 0


def cmd_limits(args: argparse.Namespace) -> int:
    from drillbreak.study import limits

    changing = args.new is not None or args.reviews is not None or args.reset
    if args.all and args.deck:
        raise UserError("give a deck id or --all, not both")
    ctx = _context(args)
    try:
        ids = [d.id for d in ctx.collection.decks]
        if args.deck and args.deck not in ids:
            raise UserError(_no_deck(args.deck))
        if changing and not (args.deck or args.all):
            raise UserError("name the deck to change (or --all for the caps over all decks)")
        settings = ctx.settings
        if changing:
            deck = None if args.all else args.deck
            settings = limits.change(
                ctx.db, deck, new=args.new, reviews=args.reviews, reset=args.reset
            )
        with ctx.db.read() as conn:
            today = limits.today(conn, ids, settings, ctx.clock(), None)
            own = limits.own_limits(conn)
    finally:
        ctx.close()
    width = max([len(d) for d in ids] + [9])
    print(f"{'deck':<{width}}  {'new/day':>9} {'reviews/day':>12}  used today (new, reviews)")
    for deck in [args.deck] if args.deck else ids:
        day = today.decks[deck]
        mark = "" if deck in own else "  (settings)"
        print(
            f"{deck:<{width}}  {day.new_limit:>9} {day.review_limit:>12}  "
            f"{day.new_done}, {day.reviews_done}{mark}"
        )
    caps = [
        f"{n} {what}/day"
        for n, what in (
            (settings.new_per_day_all, "new"),
            (settings.reviews_per_day_all, "reviews"),
        )
        if n is not None
    ]
    print(f"all decks: {', '.join(caps) if caps else 'no cap'}")
    return 0


def cmd_study(args: argparse.Namespace) -> int:
    if not args.plain:
        return cmd_app(args)
    from drillbreak.plain import PlainStudy
    from drillbreak.study.scope import select_items
    from drillbreak.study.session import StudySession

    ctx = _context(args)
    try:
        _report_broken(ctx.collection)
        items = select_items(ctx.collection, args.deck, args.tag)
        if args.new is not None and args.new < 0:
            raise UserError("--new must be 0 or more")
        session = StudySession(
            ctx.db, items, clock=ctx.clock, cram=args.cram, new_limit=args.new, rows_synced=True
        )
        if session.remaining == 0:
            print(f"Nothing to study: {session.why_idle().message}.")
            return 0
        return PlainStudy(session, sys.stdin, sys.stdout).run()
    finally:
        ctx.close()


def cmd_app(args: argparse.Namespace) -> int:
    from drillbreak import paths
    from drillbreak.context import deck_paths

    # A wrong --db or --decks is reported here, before the app takes over the screen.
    args.db = paths.database_path(args.db)
    deck_paths(args.decks)
    launcher: AppLauncher | None = getattr(args, "open_app", None)
    return launcher(args) if launcher is not None else study_plain(args)


def study_plain(args: argparse.Namespace) -> int:
    """The app's study flow in line mode (no command means: all decks)."""
    args.plain = True
    for name, default in (("deck", []), ("tag", None), ("cram", False), ("new", None)):
        if not hasattr(args, name):
            setattr(args, name, default)
    return cmd_study(args)


def cmd_demo(args: argparse.Namespace) -> int:
    from drillbreak.demo_runner import cli as demo_cli
    from drillbreak.demo_runner.request import DemoRequest

    if args.name == "list":
        return demo_cli.list_command(sys.stdout)
    request = DemoRequest(
        args.name,
        device=args.device,
        seed=args.seed,
        scale=args.scale,
        timeout=args.timeout,
        params=_demo_params(args.name, args.param),
    )
    return demo_cli.run_command(request, json_mode=args.json)


def _demo_params(name: str, given: list[str]) -> tuple[tuple[str, int | float | str], ...]:
    """``--param NAME=VALUE`` checked against the demo's declared parameters."""
    if not given:
        return ()
    from drillbreak.demo_runner.catalog import CatalogError, UnknownDemo, get_demo
    from drillbreak.demo_runner.params import ParamError, parse_assignment

    try:
        declared = get_demo(name).params
        return tuple(parse_assignment(text, declared) for text in given)
    except (UnknownDemo, CatalogError, ParamError) as exc:
        raise UserError(f"demo {name!r}: {exc}") from None


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
