"""Run a demo in a child process and read its events (the app side; no torch).

Async, for the TUI::

    async for event in DemoRun(DemoRequest("fgsm", device="auto", seed=0)):
        ...

Iterate a :class:`DemoRun` once.  Cancelling the task that iterates it, leaving
``async with DemoRun(request) as run:``, awaiting
``run.cancel()`` or calling ``run.terminate()`` stops the child and everything it
started (see :mod:`drillbreak.childproc`: its own process group, SIGTERM, then
SIGKILL after 0.5 s; it also dies with the app).  One run has one outcome:

- a child that delivered its result succeeded, however it exits afterwards;
- otherwise one that runs past ``timeout`` seconds (if the request has one) is
  stopped and raises :class:`DemoTimeout`, and one that exits non-zero raises
  :class:`DemoFailed` (with its last stderr lines).

The timeout holds whatever the child does: at the deadline the child is stopped and
what it already wrote is still read (a result that made it into the pipe counts), and once
the child has exited its leftover children are stopped and reading ends within
:data:`EOF_GRACE_SECONDS`, even if something still holds the pipe open.  A line
that is not a valid event is reported as a non-fatal :class:`ErrorEvent` and
skipped.

Sync, for the CLI: :func:`iter_demo` is the same reader with a plain iterator,
stepping the async one on a private event loop.

Tests (and anyone else) can run a different child through ``DemoRequest.command``.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import sys
from collections import deque
from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Sequence
from types import TracebackType

from drillbreak.childproc import KILL_GRACE_SECONDS, popen_options, stop_group
from drillbreak.demo_runner.events import (
    ErrorEvent,
    Event,
    EventParseError,
    Result,
    parse_line,
)
from drillbreak.demo_runner.params import show_value
from drillbreak.demo_runner.request import CHILD_ENVIRONMENT, DemoRequest

__all__ = [
    "DemoFailed",
    "DemoRun",
    "DemoTimeout",
    "child_command",
    "iter_demo",
]

STDERR_TAIL_LINES = 20
# How often a reader waiting for a line checks whether the child has exited.
EXIT_CHECK_SECONDS = 0.1
# After the child exits: how long to keep reading what it left in the pipe (its own
# children are stopped at once, so the pipe normally closes within the kill grace).
EOF_GRACE_SECONDS = KILL_GRACE_SECONDS + 1.5
# How long to wait for a stopped child to be reaped, for its exit status.
REAP_SECONDS = 10.0
_LINE_LIMIT = 4 * 1024 * 1024


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


def child_command(request: DemoRequest) -> list[str]:
    """The child's command line: ``request.command``, or the real demo child run
    with this interpreter."""
    if request.command is not None:
        return list(request.command)
    cmd = [
        sys.executable,
        "-m",
        "drillbreak.demo_runner.child",
        request.name,
        "--device",
        request.device,
        "--seed",
        str(request.seed),
        "--scale",
        request.scale,
        "--threads",
        str(request.threads),
        "--memory-gib",
        f"{request.memory_gib:g}",
    ]
    if request.demos_dir is not None:
        cmd += ["--demos-dir", str(request.demos_dir)]
    for name, value in request.params:
        cmd += ["--param", f"{name}={show_value(value)}"]
    return cmd


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


_OVERLONG = ErrorEvent(message="ignored an over-long line from the demo", fatal=False)


class _Outcome:
    """What a run's events and its end add up to: one success, failure or timeout."""

    def __init__(self, request: DemoRequest) -> None:
        self.name = request.name
        self.timeout = request.timeout
        self.error: str | None = None
        self.result = False

    def see(self, event: Event) -> None:
        if isinstance(event, Result):
            self.result = True
        elif isinstance(event, ErrorEvent) and event.fatal:
            self.error = event.message

    def failure(
        self, returncode: int | None, timed_out: bool, tail: Sequence[str]
    ) -> DemoFailed | None:
        """The error to raise, or None for a success."""
        if self.result and self.error is None:
            return None  # the result arrived: a slow or untidy exit does not undo it
        if timed_out:
            return DemoTimeout(
                f"demo {self.name!r} timed out after {self.timeout or 0:g} s and was stopped",
                returncode=returncode,
                stderr_tail=tail,
            )
        if returncode:
            message = self.error or f"demo {self.name!r} exited with code {returncode}"
            return DemoFailed(message, returncode=returncode, stderr_tail=tail)
        return None


class DemoRun:
    """One run of a demo child; async-iterable (once) and an async context manager."""

    def __init__(self, request: DemoRequest) -> None:
        self.request = request
        self.returncode: int | None = None
        self.cancelled = False
        self._stderr: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
        self._proc: asyncio.subprocess.Process | None = None
        self._started = False
        self._stopped = False

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

    def __aiter__(self) -> AsyncGenerator[Event, None]:
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
        """Stop the child and its children now, without waiting (SIGTERM, SIGKILL after
        0.5 s even if the event loop stops); the iteration then ends quietly."""
        self.cancelled = True
        self._stop()

    async def cancel(self) -> None:
        """Stop the child and its children and wait for the child to exit; the
        iteration then ends quietly."""
        self.terminate()
        await self._exited(REAP_SECONDS)

    def _stop(self) -> None:
        if self._proc is not None and not self._stopped:
            self._stopped = True
            stop_group(self._proc.pid)

    async def _exited(self, limit: float) -> bool:
        """Wait up to ``limit`` seconds for the child to exit; True once it has.

        Not ``Process.wait()``: that also waits for the pipes to close, which a
        grandchild holding them can put off for ever.
        """
        proc = self._proc
        if proc is None:
            return True
        loop = asyncio.get_running_loop()
        end = loop.time() + limit
        while proc.returncode is None and loop.time() < end:
            await asyncio.sleep(min(EXIT_CHECK_SECONDS, max(0.0, end - loop.time())))
        return proc.returncode is not None

    async def _drain_stderr(self, stream: asyncio.StreamReader) -> None:
        while True:
            try:
                line = await stream.readline()
            except ValueError:  # an over-long line: skip it
                continue
            if not line:
                return
            self._stderr.append(line.decode("utf-8", "replace").rstrip())

    async def _events(self) -> AsyncGenerator[Event, None]:
        loop = asyncio.get_running_loop()
        limit = self.request.timeout
        deadline = math.inf if limit is None else loop.time() + limit
        options = popen_options()
        options["env"] = {**CHILD_ENVIRONMENT, **options["env"]}  # what the user set wins
        proc = await asyncio.create_subprocess_exec(
            *child_command(self.request),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            limit=_LINE_LIMIT,
            **options,
        )
        self._proc = proc
        assert proc.stdout is not None and proc.stderr is not None
        stderr_task = asyncio.ensure_future(self._drain_stderr(proc.stderr))
        outcome = _Outcome(self.request)
        read: asyncio.Future[bytes] | None = None
        stop_reading = deadline
        # Set once the child has exited or its time is up: read what is left, then stop.
        draining = timed_out = False
        try:
            while not self.cancelled:
                wait = min(stop_reading - loop.time(), EXIT_CHECK_SECONDS)
                if wait <= 0:
                    if draining:
                        break
                    timed_out = draining = True  # stop it; its last lines may hold the result
                    self._stop()
                    stop_reading = loop.time() + EOF_GRACE_SECONDS
                    continue
                if read is None:
                    read = asyncio.ensure_future(proc.stdout.readline())
                done, _ = await asyncio.wait({read}, timeout=wait)
                if not done:
                    if not draining and proc.returncode is not None:
                        self._stop()  # the child has gone: so must its children
                        draining = True
                        stop_reading = min(deadline, loop.time() + EOF_GRACE_SECONDS)
                    continue
                finished, read = read, None
                try:
                    raw = finished.result()
                except ValueError:
                    yield _OVERLONG
                    continue
                if not raw:
                    break
                event = _parse(raw.decode("utf-8", "replace"))
                if event is not None:
                    outcome.see(event)
                    yield event
            if self.cancelled:
                return
            timed_out = timed_out or not await self._exited(deadline - loop.time())
            self._stop()
            await self._exited(REAP_SECONDS)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(stderr_task), 1.0)
            self.returncode = proc.returncode
            failure = outcome.failure(proc.returncode, timed_out, self.stderr_tail)
            if failure is not None:
                raise failure
        finally:
            if read is not None:
                read.cancel()
                await asyncio.wait({read})
            self._stop()
            await self._exited(REAP_SECONDS)
            self.returncode = proc.returncode
            await self._pipes_closed(proc.stdout, stderr_task)

    @staticmethod
    async def _pipes_closed(
        stdout: asyncio.StreamReader, stderr_task: asyncio.Future[None]
    ) -> None:
        """Read both pipes to their end (the stopped family's last words are dropped),
        for at most :data:`EOF_GRACE_SECONDS`: once they close, asyncio closes the
        child's transport, before the event loop may end (:func:`iter_demo` ends its
        own loop at once)."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(
                asyncio.gather(stdout.read(), asyncio.shield(stderr_task)), EOF_GRACE_SECONDS
            )
        stderr_task.cancel()


def iter_demo(request: DemoRequest) -> Iterator[Event]:
    """Synchronous version of :class:`DemoRun` (for the CLI; not inside an event loop).

    Yields events as they arrive; raises :class:`DemoFailed` / :class:`DemoTimeout`
    like the async version.  Closing the iterator (or Ctrl-C) stops the child.  Each
    step runs the async reader on a private event loop in the calling thread, which
    starts the child, so the child dies with that thread (see :mod:`drillbreak.childproc`).
    """
    events = aiter(DemoRun(request))
    with asyncio.Runner() as runner:
        try:
            while True:
                try:
                    event = runner.run(_next(events))
                except StopAsyncIteration:
                    return
                yield event
        finally:
            runner.run(events.aclose())


async def _next(events: AsyncIterator[Event]) -> Event:
    return await anext(events)
