"""What to run: one record of the options a demo run takes, passed from the CLI or
the app down to the runner (and, as its command line, to the child).

No torch and nothing heavy: the CLI's parser reads the choices and defaults here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

__all__ = [
    "DEFAULT_MEMORY_GIB",
    "DEFAULT_TIMEOUT",
    "DEVICES",
    "SCALES",
    "DemoRequest",
    "Device",
    "Scale",
]

Device = Literal["auto", "cpu", "cuda", "mps"]
Scale = Literal["quick", "full"]
DEVICES: tuple[str, ...] = get_args(Device)
SCALES: tuple[str, ...] = get_args(Scale)
# Seconds before a demo is stopped.
DEFAULT_TIMEOUT = 120.0
# Memory a demo may allocate; the demos need well under 1 GiB.
DEFAULT_MEMORY_GIB = 4.0


@dataclass(frozen=True, slots=True)
class DemoRequest:
    """A run of demo ``name``.

    ``threads`` 0 lets the child choose; ``memory_gib`` 0 means no cap;
    ``demos_dir`` replaces the shipped demos folder; ``command`` replaces the
    child's whole command line (for tests: a fake child); ``params`` are
    (name, value) pairs of the demo's declared parameters (``--param``).
    """

    name: str
    device: Device = "auto"
    seed: int = 0
    scale: Scale = "full"
    timeout: float = DEFAULT_TIMEOUT
    threads: int = 0
    memory_gib: float = DEFAULT_MEMORY_GIB
    demos_dir: Path | None = None
    command: tuple[str, ...] | None = None
    params: tuple[tuple[str, int | float | str], ...] = ()
