"""Run a demo in a child process and read its events (the app side; no torch).

Async, for the TUI::

    async for event in run_demo("fgsm", device="auto", seed=0):
        ...

``run_demo`` returns a :class:`DemoRun`; iterate it once.  Cancelling the task
that iterates it, leaving ``async with run_demo(...) as run:``, or awaiting
``run.cancel()`` kills the child (SIGTERM, then SIGKILL after 0.5 s).  A child that
exits non-zero raises :class:`DemoFailed` (with its last stderr lines); one that
runs past ``timeout`` seconds is killed and raises :class:`DemoTimeout`.  A line
that is not a valid event is reported as a non-fatal :class:`ErrorEvent` and
skipped.

Sync, for the CLI: :func:`iter_demo` has the same behaviour with a plain iterator.

Tests (and anyone else) can run a different child by passing ``command=[...]``.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import subprocess
import sys
import threading
from collections import deque
from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from types import TracebackType

from drillbreak.demo_runner.events import ErrorEvent, Event, EventParseError, parse_line

__all__ = [
    "DEFAULT_TIMEOUT",
    "DemoFailed",
    "DemoRun",
    "DemoTimeout",
    "child_command",
    "child_env",
    "iter_demo",
    "run_demo",
]

DEFAULT_TIMEOUT = 120.0
STDERR_TAIL_LINES = 20
KILL_GRACE_SECONDS = 0.5
_LINE_LIMIT = 4 * 1024 * 1024
_SRC_DIR = Path(__file__).resolve().parent.parent.parent


class DemoFailed(RuntimeError):
    """The demo child failed; ``stderr_tail`` holds its last stderr lines."""

    def __init__(
        self,
        message: str,
        *,
        returncode: int | None = None,
        stderr_tail: Sequence[str] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.returncode = returncode
        self.stderr_tail = list(stderr_tail)

    def details(self) -> str:
        """The message followed by the stderr tail, for display."""
        if not self.stderr_tail:
            return self.message
        return self.message + "\n" + "\n".join(self.stderr_tail)


class DemoTimeout(DemoFailed):
    """The demo child ran past its time limit and was killed."""


def child_command(
    name: str,
    *,
    device: str = "auto",
    seed: int = 0,
    scale: str = "full",
    threads: int = 0,
    demos_dir: Path | None = None,
) -> list[str]:
    """The command line of the real demo child, run with this interpreter."""
    cmd = [
        sys.executable,
        "-m",
        "drillbreak.demo_runner.child",
        name,
        "--device",
        device,
        "--seed",
        str(seed),
        "--scale",
        scale,
        "--threads",
        str(threads),
    ]
    if demos_dir is not None:
        cmd += ["--demos-dir", str(demos_dir)]
    return cmd


def child_env() -> dict[str, str]:
    """The environment of the child: ours, with this ``drillbreak`` importable."""
    env = dict(os.environ)
    src = str(_SRC_DIR)
    parts = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    # Only for a source checkout (src/ layout); an installed package is found anyway.
    if _SRC_DIR.name == "src" and (_SRC_DIR / "drillbreak").is_dir() and src not in parts:
        env["PYTHONPATH"] = os.pathsep.join([src, *parts])
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _parse(raw: str) -> Event | None:
    """An event, a non-fatal error event for a bad line, or ``None`` for a blank one."""
    if not raw.strip():
        return None
    try:
        return parse_line(raw)
    except EventParseError as exc:
        snippet = raw.strip()
        if len(snippet) > 80:
            snippet = snippet[:77] + "..."
        return ErrorEvent(
            message=f"ignored a malformed line from the demo ({exc}): {snippet!r}", fatal=False
        )


def _failure(name: str, returncode: int, error: str | None, tail: Sequence[str]) -> DemoFailed:
    message = error or f"demo {name!r} exited with code {returncode}"
    return DemoFailed(message, returncode=returncode, stderr_tail=tail)


class DemoRun:
    """One run of a demo child; async-iterable (once) and an async context manager."""

    def __init__(
        self,
        name: str,
        *,
        device: str = "auto",
        seed: int = 0,
        scale: str = "full",
        timeout: float = DEFAULT_TIMEOUT,
        threads: int = 0,
        demos_dir: Path | None = None,
        command: Sequence[str] | None = None,
    ) -> None:
        self.name = name
        self.timeout = timeout
        self.command = (
            list(command)
            if command is not None
            else child_command(
                name, device=device, seed=seed, scale=scale, threads=threads, demos_dir=demos_dir
            )
        )
        self.returncode: int | None = None
        self.cancelled = False
        self._stderr: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
        self._proc: asyncio.subprocess.Process | None = None
        self._started = False

    @property
    def stderr_tail(self) -> list[str]:
        """The child's last stderr lines so far."""
        return list(self._stderr)

    @property
    def pid(self) -> int | None:
        """The child's process id once started."""
        return None if self._proc is None else self._proc.pid

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.returncode is None

    def __aiter__(self) -> AsyncIterator[Event]:
        if self._started:
            raise RuntimeError("a DemoRun can be iterated only once")
        self._started = True
        return self._events()

    async def __aenter__(self) -> DemoRun:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.cancel()

    def terminate(self) -> None:
        """Send the child SIGTERM now, without waiting; the iteration then ends quietly
        and its cleanup escalates to SIGKILL if the child does not exit in 0.5 s."""
        self.cancelled = True
        proc = self._proc
        if proc is not None and proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()

    async def cancel(self) -> None:
        """Kill the child if it still runs; the iteration then ends quietly."""
        self.cancelled = True
        await self._kill()

    async def _kill(self) -> None:
        proc = self._proc
        if proc is None or proc.returncode is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            proc.terminate()
        try:
            await asyncio.wait_for(proc.wait(), KILL_GRACE_SECONDS)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()

    async def _drain_stderr(self, stream: asyncio.StreamReader) -> None:
        while True:
            try:
                line = await stream.readline()
            except ValueError:  # an over-long line: skip it
                continue
            if not line:
                return
            self._stderr.append(line.decode("utf-8", "replace").rstrip())

    async def _events(self) -> AsyncIterator[Event]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        proc = await asyncio.create_subprocess_exec(
            *self.command,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=child_env(),
            limit=_LINE_LIMIT,
        )
        self._proc = proc
        assert proc.stdout is not None and proc.stderr is not None
        stderr_task = asyncio.ensure_future(self._drain_stderr(proc.stderr))
        error: str | None = None
        try:
            if self.cancelled:  # stopped while the process was starting
                return
            while True:
                remaining = deadline - loop.time()
                try:
                    if remaining <= 0:
                        raise TimeoutError
                    raw = await asyncio.wait_for(proc.stdout.readline(), remaining)
                except TimeoutError:
                    await self._kill()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(asyncio.shield(stderr_task), 1.0)
                    raise DemoTimeout(
                        f"demo {self.name!r} timed out after {self.timeout:g} s and was stopped",
                        returncode=proc.returncode,
                        stderr_tail=self.stderr_tail,
                    ) from None
                except ValueError:
                    yield ErrorEvent(message="ignored an over-long line from the demo", fatal=False)
                    continue
                if not raw:
                    break
                event = _parse(raw.decode("utf-8", "replace"))
                if event is None:
                    continue
                if isinstance(event, ErrorEvent) and event.fatal:
                    error = event.message
                yield event
            try:
                rc = await asyncio.wait_for(proc.wait(), max(0.1, deadline - loop.time()))
            except TimeoutError:
                await self._kill()
                rc = proc.returncode if proc.returncode is not None else -9
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(stderr_task), 1.0)
            self.returncode = rc
            if rc != 0 and not self.cancelled:
                raise _failure(self.name, rc, error, self.stderr_tail)
        finally:
            await self._kill()
            if not stderr_task.done():
                stderr_task.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await stderr_task
            self.returncode = proc.returncode


def run_demo(
    name: str,
    *,
    device: str = "auto",
    seed: int = 0,
    scale: str = "full",
    timeout: float = DEFAULT_TIMEOUT,
    threads: int = 0,
    demos_dir: Path | None = None,
    command: Sequence[str] | None = None,
) -> DemoRun:
    """Start describing a run of demo ``name``; the child starts when iterated.

    ``command`` replaces the child's command line (for tests: a fake child).
    """
    return DemoRun(
        name,
        device=device,
        seed=seed,
        scale=scale,
        timeout=timeout,
        threads=threads,
        demos_dir=demos_dir,
        command=command,
    )


def iter_demo(
    name: str,
    *,
    device: str = "auto",
    seed: int = 0,
    scale: str = "full",
    timeout: float = DEFAULT_TIMEOUT,
    threads: int = 0,
    demos_dir: Path | None = None,
    command: Sequence[str] | None = None,
) -> Iterator[Event]:
    """Synchronous version of :func:`run_demo` (for the CLI).

    Yields events as they arrive; raises :class:`DemoFailed` / :class:`DemoTimeout`
    like the async version.  Closing the iterator (or Ctrl-C) kills the child.
    """
    cmd = (
        list(command)
        if command is not None
        else child_command(
            name, device=device, seed=seed, scale=scale, threads=threads, demos_dir=demos_dir
        )
    )
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=child_env(),
        text=True,
        encoding="utf-8",
        errors="replace",
        bufsize=1,
    )
    assert proc.stdout is not None and proc.stderr is not None
    tail: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
    stderr = proc.stderr

    def drain() -> None:
        for line in iter(stderr.readline, ""):
            tail.append(line.rstrip())

    timed_out = threading.Event()

    def expire() -> None:
        timed_out.set()
        _kill_sync(proc)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    timer = threading.Timer(timeout, expire)
    timer.daemon = True
    timer.start()
    error: str | None = None
    try:
        for raw in iter(proc.stdout.readline, ""):
            event = _parse(raw)
            if event is None:
                continue
            if isinstance(event, ErrorEvent) and event.fatal:
                error = event.message
            yield event
        rc = proc.wait()
        reader.join(1.0)
        if timed_out.is_set():
            raise DemoTimeout(
                f"demo {name!r} timed out after {timeout:g} s and was stopped",
                returncode=rc,
                stderr_tail=list(tail),
            )
        if rc != 0:
            raise _failure(name, rc, error, list(tail))
    finally:
        timer.cancel()
        _kill_sync(proc)
        reader.join(1.0)
        proc.stdout.close()
        proc.stderr.close()


def _kill_sync(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        proc.terminate()
    try:
        proc.wait(KILL_GRACE_SECONDS)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        proc.wait()
