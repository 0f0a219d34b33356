"""Generated diagnosis cases: the child process that makes them, and the parent's reader.

Child (imports torch through the generators in ``demos/faults.py``)::

    python -m drillbreak.demo_runner.cases FAMILY[=N] [FAMILY[=N] ...] [--seed S]
        [--demos-dir DIR]

writes N cases (default 1) of each family, one per line to stdout as JSON (see
:class:`Case`), from seeds ``S``, ``S + 1``, ...  Exit status 0, 1 if a generator failed (traceback on stderr), 2 for
an unknown family.  torch runs on one thread with passive OpenMP waits: the child
works in the background while the learner studies.

Parent: :func:`generate` runs that child (:mod:`drillbreak.childproc`: it dies with
the thread that started it and its process group is stopped on any exit) and returns
the cases it wrote.  No torch here.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drillbreak.childproc import popen_options, stop_group, watch_parent
from drillbreak.paths import shipped_demos_dir

if TYPE_CHECKING:
    import argparse

    from pydantic import TypeAdapter

__all__ = ["Case", "CaseError", "generate", "parse_case"]

GENERATORS_MODULE = "faults"
# Seconds a batch of cases may take before the child is stopped (a case takes well
# under a second; the child's start, mostly importing torch, a few).
DEFAULT_TIMEOUT = 300.0
# Torch and OpenMP read these when torch is imported, so they are set before that.
CHILD_ENV = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "OMP_WAIT_POLICY": "PASSIVE"}


class CaseError(RuntimeError):
    """Generating cases failed (the message says why, with the child's last words)."""


@dataclass(frozen=True, kw_only=True)
class Case:
    """One generated case, as the child writes it.

    ``evidence`` has the shape of a deck's diagnosis evidence (``title``, ``x``,
    ``columns``: name -> numbers, epoch 0 first); ``facts`` holds the run's set-up and
    checks by name; ``scenario`` and ``explanation`` are Markdown.
    """

    version: int
    family: str
    seed: int
    scenario: str
    evidence: dict[str, Any]
    facts: dict[str, Any]
    explanation: str

    # pydantic's config for this class (a plain dict: pydantic loads on first use)
    __pydantic_config__ = {"strict": True, "extra": "forbid"}


@cache
def _case() -> TypeAdapter[Case]:
    # built on first use: pydantic and a schema at import time slow every start of the
    # app, which imports this module (bench/FINDINGS.md)
    from pydantic import TypeAdapter

    return TypeAdapter(Case)


def parse_case(text: str) -> Case:
    """A case from one JSON line; raises :class:`CaseError` if it is not one."""
    from pydantic import ValidationError

    try:
        return _case().validate_json(text)
    except ValidationError as exc:
        raise CaseError(
            f"not a generated case: {exc.errors(include_url=False)[0]['msg']}"
        ) from None


def to_json(case: Case) -> str:
    return _case().dump_json(case).decode()


# ------------------------------------------------------------------------- parent


def child_command(wants: Mapping[str, int], seed: int, demos_dir: Path | None = None) -> list[str]:
    cmd = [sys.executable, "-m", "drillbreak.demo_runner.cases"]
    cmd += [f"{family}={count}" for family, count in wants.items()]
    cmd += ["--seed", str(seed)]
    if demos_dir is not None:
        cmd += ["--demos-dir", str(demos_dir)]
    return cmd


def generate(
    wants: Mapping[str, int],
    seed: int,
    *,
    demos_dir: Path | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    command: Sequence[str] | None = None,
    started: Callable[[int], None] | None = None,
    made: Callable[[Case], None] | None = None,
) -> list[Case]:
    """Run one child for ``wants[family]`` cases of each family (seeds ``seed``,
    ``seed + 1``...; torch is imported once) and return them in that order.  Blocks:
    call it from a worker thread, which the child cannot outlive.  ``started`` gets
    the child's pid (its process group: :func:`~drillbreak.childproc.stop_group`
    stops it) and ``made`` each case as soon as the child wrote it.  ``command``
    replaces the child's command line (tests).  Raises :class:`CaseError`."""
    what = ", ".join(f"{n} {family!r}" for family, n in wants.items())
    options = popen_options()
    options["env"].update(CHILD_ENV)
    cases: list[Case] = []
    # stderr goes to a file: a pipe read only at the end could fill up and stall the child
    with tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(
            list(command or child_command(wants, seed, demos_dir)),
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
            **options,
        )
        if started is not None:
            started(proc.pid)
        expired = threading.Event()

        def expire() -> None:
            expired.set()  # before the stop: the reader below wakes up when the child dies
            stop_group(proc.pid)

        timer = threading.Timer(timeout, expire)
        timer.start()
        try:
            assert proc.stdout is not None
            with proc.stdout:
                for line in proc.stdout:
                    if line.strip():
                        cases.append(parse_case(line))
                        if made is not None:
                            made(cases[-1])
        finally:
            timer.cancel()
            stop_group(proc.pid)  # anything the child left behind
            proc.wait()
        err.seek(0)
        tail = "\n".join(err.read().strip().splitlines()[-5:])
    if proc.returncode:
        why = f"timed out after {timeout:g} s" if expired.is_set() else "failed"
        raise CaseError(f"generating cases ({what}) {why}" + (f": {tail}" if tail else ""))
    got = [c.family for c in cases]
    if got != [family for family, n in wants.items() for _ in range(n)]:
        raise CaseError(f"asked for {what} cases, got {len(cases)}")
    return cases


# -------------------------------------------------------------------------- child


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    import argparse  # the child's command line only: the app imports this module too

    parser = argparse.ArgumentParser(prog="python -m drillbreak.demo_runner.cases")
    parser.add_argument(
        "wants", nargs="+", metavar="FAMILY[=N]", help="fault family and how many cases (1)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--demos-dir", type=Path, default=None, help="folder of faults.py")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    watch_parent()
    args = parse_args(argv)
    os.environ.update(CHILD_ENV)
    folder = str((args.demos_dir or shipped_demos_dir()).resolve())
    if folder not in sys.path:
        sys.path.insert(0, folder)
    faults = importlib.import_module(GENERATORS_MODULE)
    wants = [(family, int(n or 1)) for family, _, n in (w.partition("=") for w in args.wants)]
    unknown = [family for family, _ in wants if family not in faults.GENERATORS]
    if unknown:
        known = ", ".join(faults.GENERATORS)
        print(f"error: unknown fault family {unknown[0]!r}; known: {known}", file=sys.stderr)
        return 2
    out = sys.stdout
    sys.stdout = sys.stderr  # only cases on stdout
    for family, count in wants:
        for i in range(count):
            case = faults.make_case(family, args.seed + i)
            out.write(json.dumps(case, allow_nan=False) + "\n")
            out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
