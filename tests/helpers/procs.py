"""Fake child processes and checks that processes are gone (no psutil: /proc, kill 0).

Waits here are safety nets against hangs, never speed limits: they poll for a
condition and give up only after :data:`SAFETY` seconds.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import textwrap
import time
from collections.abc import Callable, Iterator
from pathlib import Path

SAFETY = 120.0
# A demo timeout for fake children whose first lines must come before it: ample for
# a Python start-up even on a busy machine.
SHORT_TIMEOUT = 5.0

# A demo child that ignores SIGTERM and starts a grandchild that ignores it too and
# keeps the event pipe (its inherited stdout) open.  It writes "CHILD GRANDCHILD"
# (pids) to the file named by its first argument, then reports progress and hangs.
STUBBORN_FAMILY = """
import json, os, signal, subprocess, sys, time
signal.signal(signal.SIGTERM, signal.SIG_IGN)
grandchild = subprocess.Popen([sys.executable, "-c",
    "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"])
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(f"{os.getpid()} {grandchild.pid}")
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
print(json.dumps({"type": "progress", "step": 1, "total": 2, "label": "x"}), flush=True)
time.sleep(600)
"""


def fake(script: str, *args: str) -> tuple[str, ...]:
    """A command running ``script`` (dedented) with this interpreter."""
    return (sys.executable, "-c", textwrap.dedent(script), *args)


def gone(pid: int) -> bool:
    """True once ``pid`` no longer runs (it does not exist, or is a zombie)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def wait_until(condition: Callable[[], bool], what: str, limit: float = SAFETY) -> None:
    """Poll ``condition`` until it holds; fail after ``limit`` seconds."""
    end = time.monotonic() + limit
    while not condition():
        if time.monotonic() > end:
            raise AssertionError(f"still waiting after {limit:g} s for {what}")
        time.sleep(0.05)


def wait_gone(*pids: int) -> None:
    for pid in pids:
        wait_until(lambda pid=pid: gone(pid), f"process {pid} to exit")


def read_pids(path: Path) -> list[int]:
    """The pids a fake child wrote to ``path`` (waits for the file)."""
    wait_until(path.exists, f"{path} to be written")
    return [int(p) for p in path.read_text().split()]


@contextlib.contextmanager
def no_hang(limit: float = SAFETY) -> Iterator[None]:
    """Fail, rather than hang for ever, if the block runs past ``limit`` seconds
    (SIGALRM; tests run in the main thread)."""

    def expire(signum: int, frame: object) -> None:
        raise TimeoutError(f"still running after {limit:g} s (the safety net)")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(int(limit))
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
