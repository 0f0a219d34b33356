"""Entry point of a demo child process (the only place that imports torch).

    python -m drillbreak.demo_runner.child NAME [--device auto|cpu|cuda|mps]
        [--seed N] [--scale quick|full] [--threads N] [--demos-dir DIR]

Writes one JSON event per line to stdout (see :mod:`drillbreak.demo_runner.events`).
Anything else the demo prints goes to stderr, so stdout stays clean.  Exit status:
0 success, 1 the demo raised (traceback on stderr), 2 bad arguments (unknown demo,
device not available).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import random
import sys
import time
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from drillbreak.demo_runner.catalog import CatalogError, UnknownDemo, get_demo, module_name
from drillbreak.demo_runner.context import DemoContext, stream_writer
from drillbreak.demo_runner.events import ErrorEvent, Meta, Progress

DEVICES = ("auto", "cpu", "cuda", "mps")
SCALES = ("quick", "full")


class DeviceUnavailable(RuntimeError):
    """The requested device cannot be used by this torch build / machine."""


# The demos' models are small; a cap keeps a many-core machine free for the app
# and whatever else runs (measured on 2 cores: overfitting 7.6 s -> 5.6 s with 2).
MAX_AUTO_THREADS = 4


def auto_threads() -> int:
    try:
        available = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        available = os.cpu_count() or 1
    return max(1, min(MAX_AUTO_THREADS, available))


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m drillbreak.demo_runner.child")
    parser.add_argument("name", help="demo name, e.g. fgsm")
    parser.add_argument("--device", choices=DEVICES, default="auto")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scale", choices=SCALES, default="full")
    parser.add_argument(
        "--threads",
        type=int,
        default=0,
        help=f"torch CPU threads (default 0: auto, the CPU count up to {MAX_AUTO_THREADS})",
    )
    parser.add_argument("--demos-dir", type=Path, default=None, help="folder of demo modules")
    return parser.parse_args(argv)


def pick_device(requested: str, torch: Any) -> str:
    """The torch device string for ``requested`` (``auto``: cuda, then mps, else cpu).

    Raises :class:`DeviceUnavailable` if a specific accelerator was asked for and
    is not available.
    """
    cuda_ok = bool(torch.cuda.is_available())
    mps_backend = getattr(torch.backends, "mps", None)
    mps_ok = bool(mps_backend is not None and mps_backend.is_available())
    if requested == "auto":
        return "cuda" if cuda_ok else "mps" if mps_ok else "cpu"
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
    return requested


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
    args = parse_args(argv)
    out = _event_stream()
    emit = stream_writer(out)
    try:
        info = get_demo(args.name, args.demos_dir)
    except (UnknownDemo, CatalogError) as exc:
        emit(ErrorEvent(message=str(exc)))
        print(f"error: {exc}", file=sys.stderr)
        return 2
    emit(Progress(step=0, total=1, label="starting: importing torch"))
    started = time.perf_counter()
    import torch

    torch.set_num_threads(args.threads if args.threads > 0 else auto_threads())
    try:
        device = pick_device(args.device, torch)
    except DeviceUnavailable as exc:
        emit(ErrorEvent(message=str(exc)))
        print(f"error: {exc}", file=sys.stderr)
        return 2
    seed_everything(args.seed, torch)
    emit(
        Meta(
            name=info.name,
            title=info.title,
            device=device,
            seed=args.seed,
            torch=torch.__version__,
            scale=args.scale,
            threads=torch.get_num_threads(),
        )
    )
    ctx = DemoContext(emit, device=device, seed=args.seed, scale=args.scale)
    try:
        folder = str(info.path.parent)
        if folder not in sys.path:
            sys.path.insert(0, folder)
        module = importlib.import_module(module_name(info.name))
        module.run(ctx)
    except BrokenPipeError:
        return 1
    except Exception as exc:  # the demo crashed: report and fail
        traceback.print_exc(file=sys.stderr)
        with contextlib.suppress(BrokenPipeError):
            emit(ErrorEvent(message=f"demo {info.name!r} failed: {type(exc).__name__}: {exc}"))
        return 1
    print(f"demo {info.name} finished in {time.perf_counter() - started:.2f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
