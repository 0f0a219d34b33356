"""Child processes that cannot outlive the app (the live demos).

Parent side: start a child with ``**popen_options()`` (``subprocess.Popen`` and
``asyncio.create_subprocess_exec`` both take them) and stop it with
:func:`stop_group`.  The child then

- runs in its own session, so it and everything it starts share one process group,
  which :func:`stop_group` signals as a whole: SIGTERM, then SIGKILL after
  :data:`KILL_GRACE_SECONDS`, sent by a timer thread that the interpreter waits for
  at exit, so the escalation happens even when the caller's event loop stops;
- gets SIGKILL from the kernel when the thread that started it exits (Linux,
  ``PR_SET_PDEATHSIG``), so ``kill -9`` of the app takes the child with it.  Start
  children from a thread that lives as long as they should (the main thread, or
  the event loop's);
- finds in its environment the parent's pid, for :func:`watch_parent`.

Child side: :func:`watch_parent`, called first thing by the child modules, kills
the child's process group once its parent is gone: on Linux it turns the kernel's
death signal into SIGTERM and answers it by killing the whole group (so a demo's own
children go too); elsewhere a thread polling the parent does the same.

No torch, no textual: the app and the CLI import this.
"""

from __future__ import annotations

import functools
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = [
    "KILL_GRACE_SECONDS",
    "PARENT_PID_ENV",
    "child_env",
    "popen_options",
    "signal_group",
    "stop_group",
    "watch_parent",
]

KILL_GRACE_SECONDS = 0.5
PARENT_PID_ENV = "DRILLBREAK_PARENT_PID"
PARENT_POLL_SECONDS = 0.5
_PR_SET_PDEATHSIG = 1
_SRC_DIR = Path(__file__).resolve().parent.parent


def child_env() -> dict[str, str]:
    """Our environment, with this ``drillbreak`` importable and our pid for the child."""
    env = dict(os.environ)
    src = str(_SRC_DIR)
    parts = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    # Only for a source checkout (src/ layout); an installed package is found anyway.
    if _SRC_DIR.name == "src" and (_SRC_DIR / "drillbreak").is_dir() and src not in parts:
        env["PYTHONPATH"] = os.pathsep.join([src, *parts])
    env["PYTHONUNBUFFERED"] = "1"
    env[PARENT_PID_ENV] = str(os.getpid())
    return env


@functools.cache
def _prctl() -> Callable[..., int] | None:
    """libc's ``prctl`` (Linux only), typed so that every argument is passed whole."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes  # ~15 ms: loaded when a child is started, not with the study screen

    try:
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None
    prctl.argtypes = [ctypes.c_int, *[ctypes.c_ulong] * 4]
    prctl.restype = ctypes.c_int
    return prctl


def _die_with_parent(parent: int) -> Callable[[], None] | None:
    """A ``preexec_fn`` asking the kernel for SIGKILL when the parent goes (Linux)."""
    prctl = _prctl()
    if prctl is None:
        return None

    def preexec() -> None:
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the request above
            os._exit(1)

    return preexec


def popen_options() -> dict[str, Any]:
    """Keyword arguments that start a child the app can always stop (see the module)."""
    options: dict[str, Any] = {
        "stdin": subprocess.DEVNULL,
        "env": child_env(),
        "start_new_session": True,
    }
    preexec = _die_with_parent(os.getpid())
    if preexec is not None:
        options["preexec_fn"] = preexec
    return options


def signal_group(pgid: int, sig: int) -> bool:
    """Send ``sig`` to process group ``pgid``; False if the group no longer exists."""
    try:
        os.killpg(pgid, sig)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def stop_group(pgid: int, grace: float = KILL_GRACE_SECONDS) -> None:
    """Stop a child started with :func:`popen_options` and everything it started.

    SIGTERM to its process group now and SIGKILL ``grace`` seconds later; returns at
    once.  The SIGKILL comes from a non-daemon timer thread, so it is sent even if
    the caller's event loop stops or the program is exiting.
    """
    if signal_group(pgid, signal.SIGTERM):
        threading.Timer(grace, signal_group, (pgid, signal.SIGKILL)).start()


def watch_parent() -> None:
    """In a child started with :func:`popen_options`: die once the parent is gone.

    A daemon thread compares the parent pid with the one the parent put in the
    environment; when the parent has gone (the child was re-parented), it kills the
    child's process group, grandchildren included.  Does nothing in a process that
    was not started that way (the variable is absent, or the process does not lead
    its own process group).  The variable is removed, so the child's own children
    do not watch our parent.
    """
    parent = os.environ.pop(PARENT_PID_ENV, "")
    if not parent.isdigit() or os.getpgrp() != os.getpid():
        return
    threading.Thread(target=_watch, args=(int(parent),), name="watch-parent", daemon=True).start()
    prctl = _prctl()
    if prctl is not None:
        # The kernel's SIGKILL (popen_options) would end this process alone and leave
        # its own children running: ask for SIGTERM instead, and answer it by killing
        # the whole group.  A stop from the parent (SIGTERM to the group) ends the same.
        signal.signal(signal.SIGTERM, _kill_own_group)
        prctl(_PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0)
        if os.getppid() != int(parent):  # the parent went before the request above
            _kill_own_group()


def _kill_own_group(*_: object) -> None:
    os.killpg(os.getpid(), signal.SIGKILL)


def _watch(parent: int) -> None:
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    _kill_own_group()
