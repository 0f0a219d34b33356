"""Entry point of a demo child process (the only place that imports torch).

    python -m drillbreak.demo_runner.child NAME [--device auto|cpu|cuda|mps]
        [--seed N] [--scale auto|quick|full] [--threads N] [--memory-gib N]
        [--demos-dir DIR] [--calibration-seconds S]
        [--param NAME=VALUE ...]

Writes one JSON event per line to stdout (see :mod:`drillbreak.demo_runner.events`).
Anything else the demo prints goes to stderr, so stdout stays clean.  Exit status:
0 success, 1 the demo raised (traceback on stderr) or ran out of memory (one error
event, no traceback), 2 bad arguments (unknown demo or parameter, device not available).

Started by the runner, the child dies with the app (:func:`drillbreak.childproc.watch_parent`).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import random
import resource
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn, TextIO

from drillbreak.childproc import watch_parent
from drillbreak.demo_runner.catalog import CatalogError, UnknownDemo, get_demo, module_name
from drillbreak.demo_runner.context import DemoContext, ResultNamesError, stream_writer
from drillbreak.demo_runner.events import ErrorEvent, Meta, Progress
from drillbreak.demo_runner.pace import choose_scale
from drillbreak.demo_runner.params import ParamError, parse_assignment, resolve
from drillbreak.demo_runner.request import (
    CHILD_ENVIRONMENT,
    DEFAULT_MEMORY_GIB,
    DEVICES,
    SCALES,
)


class DeviceUnavailable(RuntimeError):
    """The requested device cannot be used by this torch build / machine."""


# Why ``--device auto`` runs on the CPU even beside a GPU.  The demos train models of at
# most a few hundred thousand weights on batches of at most a few hundred 8x8 digits:
# each step is a handful of tiny kernels, so an accelerator spends the time launching
# them and syncing for every reported loss.  Measured on an H200 (whole demo, full scale,
# CPU on one thread vs CUDA): every demo as fast or faster on the CPU, data-hunger 22.7 s
# vs 48.1 s, batch-size 6.9 s vs 9.8 s, fgsm 7.3 s vs 8.6 s.  ``--device cuda`` still
# uses the GPU.
AUTO_ON_CPU = "on the CPU: these small models run faster there than on {0} (--device {0} uses it)"


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m drillbreak.demo_runner.child")
    parser.add_argument("name", help="demo name, e.g. fgsm")
    parser.add_argument(
        "--device",
        choices=DEVICES,
        default="auto",
        help="auto (default): the CPU, where these small models run fastest",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument(
        "--scale",
        choices=SCALES,
        default="auto",
        help="auto (default): full, or quick when a calibration finds this machine too slow",
    )
    parser.add_argument(
        "--threads", type=int, default=0, help="torch CPU threads (default 0: one, see threads_for)"
    )
    parser.add_argument(
        "--memory-gib",
        type=float,
        default=DEFAULT_MEMORY_GIB,
        help=f"memory the demo may allocate, in GiB (default {DEFAULT_MEMORY_GIB:g}; 0: no limit)",
    )
    parser.add_argument("--demos-dir", type=Path, default=None, help="folder of demo modules")
    parser.add_argument(
        "--calibration-seconds",
        type=float,
        default=None,
        help="with --scale auto: use this calibration time instead of measuring one",
    )
    parser.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a parameter the demo declares (META 'params'), one of its values; repeatable",
    )
    return parser.parse_args(argv)


def pick_device(requested: str, torch: Any) -> tuple[str, str]:
    """The torch device string for ``requested``, and why when ``auto`` passed over an
    accelerator (``""`` otherwise).

    ``auto`` is the CPU (see :data:`AUTO_ON_CPU`); ``cuda`` / ``mps`` are used when
    asked for.  Raises :class:`DeviceUnavailable` if a specific accelerator was asked
    for and is not available.
    """
    cuda_ok = bool(torch.cuda.is_available())
    mps_backend = getattr(torch.backends, "mps", None)
    mps_ok = bool(mps_backend is not None and mps_backend.is_available())
    if requested == "auto":
        passed_over = "cuda" if cuda_ok else "mps" if mps_ok else None
        return "cpu", "" if passed_over is None else AUTO_ON_CPU.format(passed_over)
    if requested == "cuda" and not cuda_ok:
        raise DeviceUnavailable(
            "device 'cuda' was requested but CUDA is not available to torch "
            f"{torch.__version__} on this machine; use --device cpu or auto"
        )
    if requested == "mps" and not mps_ok:
        raise DeviceUnavailable(
            "device 'mps' was requested but Apple MPS is not available on this machine; "
            "use --device cpu or auto"
        )
    return requested, ""


def threads_for(requested: int) -> int:
    """Torch's CPU threads: as requested, else one at every scale.  The demos' models
    are small: on 2 cores (whole process, full scale, median of 3), fgsm took 1.9 s
    on 1 thread and 2.9 s on 2 with the machine nearly idle, and beside two
    CPU-bound processes 8 s on 1 thread against 139 s on 2 spinning threads (24 s
    on 2 with OMP_WAIT_POLICY=PASSIVE)."""
    return requested if requested > 0 else 1


def calibrate(torch: Any) -> float:
    """Seconds this machine takes for a small fixed workload like the demos' (100
    training steps of a 64-128-10 network on the CPU), the faster of two runs;
    about 0.025 s on the reference machine (:data:`pace.REFERENCE_SECONDS`)."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(64, 64, generator=g)
    y = torch.randint(0, 10, (64,), generator=g)
    functional = torch.nn.functional

    def steps(n: int) -> float:
        w1 = (torch.randn(64, 128, generator=g) / 8).requires_grad_()
        w2 = (torch.randn(128, 10, generator=g) / 11).requires_grad_()
        start = time.perf_counter()
        for _ in range(n):
            loss = functional.cross_entropy(torch.relu(x @ w1) @ w2, y)
            g1, g2 = torch.autograd.grad(loss, (w1, w2))
            with torch.no_grad():
                w1 -= 0.1 * g1
                w2 -= 0.1 * g2
        return time.perf_counter() - start

    steps(5)  # first calls set up autograd's machinery
    return min(steps(100), steps(100))


def limit_memory(gib: float) -> None:
    """Cap what this process may allocate at ``gib`` GiB (0: no cap).

    The cap is ``RLIMIT_DATA`` (the heap and private writable mappings), not
    ``RLIMIT_AS``: the address space also counts the mapped torch and CUDA libraries
    (several GiB in a CUDA build of torch) and address ranges CUDA reserves without
    using them.  Past the cap, allocations fail: ``MemoryError``, or torch's
    ``RuntimeError`` "can't allocate memory".
    """
    if gib <= 0:
        return
    _, hard = resource.getrlimit(resource.RLIMIT_DATA)
    limit = int(gib * 2**30)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_DATA, (limit, hard))


def out_of_memory(exc: BaseException) -> bool:
    """True for a failed allocation (Python's, numpy's or torch's)."""
    if isinstance(exc, MemoryError):
        return True
    return isinstance(exc, RuntimeError) and "can't allocate memory" in str(exc)


def seed_everything(seed: int, torch: Any) -> None:
    """Fixed seeds for python, numpy and torch; deterministic kernels where possible."""
    random.seed(seed)
    try:
        import numpy as np

        np.random.seed(seed % 2**32)
    except ImportError:  # pragma: no cover - numpy is a dependency
        pass
    torch.manual_seed(seed)
    # torch.use_deterministic_algorithms() also imports torch._inductor.config to set
    # its flag for torch.compile, which the demos never use: measured 1.0 s, as long
    # as `import torch` itself.  The kernel switch underneath is all they need.
    set_kernels = getattr(torch._C, "_set_deterministic_algorithms", None)
    if set_kernels is not None:
        set_kernels(True, warn_only=True)
    else:  # pragma: no cover - a torch without the private switch
        torch.use_deterministic_algorithms(True, warn_only=True)


def _event_stream() -> TextIO:
    """Keep the real stdout for events; point fd 1 and ``sys.stdout`` at stderr."""
    sys.stdout.flush()
    fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return os.fdopen(fd, "w", encoding="utf-8", buffering=1)


def main(argv: Sequence[str] | None = None) -> int:
    watch_parent()
    args = parse_args(argv)
    out = _event_stream()
    emit = stream_writer(out)
    try:
        info = get_demo(args.name, args.demos_dir)
    except (UnknownDemo, CatalogError) as exc:
        emit(ErrorEvent(message=str(exc)))
        print(f"error: {exc}", file=sys.stderr)
        return 2
    try:
        params = resolve((parse_assignment(a, info.params) for a in args.param), info.params)
    except ParamError as exc:
        emit(ErrorEvent(message=f"demo {info.name!r}: {exc}"))
        print(f"error: {exc}", file=sys.stderr)
        return 2
    emit(Progress(step=0, total=1, label="starting: importing torch"))
    for key, value in CHILD_ENVIRONMENT.items():  # the runner sets them; so does a manual run
        os.environ.setdefault(key, value)
    import torch

    torch.set_num_threads(threads_for(args.threads))
    try:
        device, device_reason = pick_device(args.device, torch)
    except DeviceUnavailable as exc:
        emit(ErrorEvent(message=str(exc)))
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if device != "cuda":  # CUDA's own allocations are not for this cap (untested there)
        limit_memory(args.memory_gib)
    measured = args.calibration_seconds
    if args.scale == "auto" and device == "cpu" and measured is None:
        emit(Progress(step=0, total=1, label="starting: checking this machine's speed"))
        measured = calibrate(torch)
    choice = choose_scale(args.scale, measured if device == "cpu" else None, info.expected_seconds)
    seed_everything(args.seed, torch)
    emit(
        Meta(
            name=info.name,
            title=info.title,
            device=device,
            device_reason=device_reason,
            seed=args.seed,
            torch=torch.__version__,
            scale=choice.scale,
            scale_reason=choice.reason,
            threads=torch.get_num_threads(),
        )
    )
    ctx = DemoContext(
        emit,
        device=device,
        seed=args.seed,
        scale=choice.scale,
        results=info.results,
        params=params,
    )
    try:
        folder = str(info.path.parent)
        if folder not in sys.path:
            sys.path.insert(0, folder)
        module = importlib.import_module(module_name(info.name))
        module.run(ctx)
    except BrokenPipeError:
        return 1
    except ResultNamesError as exc:
        with contextlib.suppress(BrokenPipeError):
            emit(
                ErrorEvent(
                    message=f"demo {info.name!r} reported results that do not match the names "
                    f"it declares in META['results']: {exc}"
                )
            )
        return 1
    except Exception as exc:  # the demo crashed: report and fail
        if out_of_memory(exc):
            message = f"the demo ran out of memory (limit {args.memory_gib:g} GiB)"
            with contextlib.suppress(BrokenPipeError):
                emit(ErrorEvent(message=message))
            return 1
        traceback.print_exc(file=sys.stderr)
        with contextlib.suppress(BrokenPipeError):
            emit(ErrorEvent(message=f"demo {info.name!r} failed: {type(exc).__name__}: {exc}"))
        return 1
    return 0


def exit_at_once(code: int) -> NoReturn:
    """End the process with ``code`` without the interpreter's teardown.

    Tearing down the modules of a process that imported torch took 0.4-0.8 s after a
    demo's result on the 2-core machine (0.01-0.05 s this way), time the CLI and
    ``make bench`` wait for.  Nothing is lost: every event is flushed as it is
    written, and the standard streams are flushed here.
    """
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    exit_at_once(main())
