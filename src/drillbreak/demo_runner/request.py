"""What to run: one record of the options a demo run takes, passed from the CLI or
the app down to the runner (and, as its command line, to the child).

No torch and nothing heavy: the CLI's parser reads the choices and defaults here.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal, get_args

__all__ = [
    "CHILD_ENVIRONMENT",
    "DEFAULT_MEMORY_GIB",
    "DEVICES",
    "SCALES",
    "DemoRequest",
    "Device",
    "Scale",
]

Device = Literal["auto", "cpu", "cuda", "mps"]
# auto: full, or quick when a calibration says this machine is too slow for full.
Scale = Literal["auto", "quick", "full"]
DEVICES: tuple[str, ...] = get_args(Device)
SCALES: tuple[str, ...] = get_args(Scale)
# Set in the child's environment before torch is imported: OpenMP threads that
# spin-wait for a core make torch many times slower on a busy machine.
CHILD_ENVIRONMENT = {"OMP_WAIT_POLICY": "PASSIVE"}
# Memory a demo may allocate; the demos need well under 1 GiB.
DEFAULT_MEMORY_GIB = 4.0


@dataclass(frozen=True, slots=True)
class DemoRequest:
    """A run of demo ``name``.

    ``timeout`` ``None``: no time limit (the learner stops a demo with Escape or
    Ctrl-C); ``threads`` 0 lets the child choose; ``memory_gib`` 0 means no cap;
    ``demos_dir`` replaces the shipped demos folder; ``command`` replaces the
    child's whole command line (for tests: a fake child); ``params`` are
    (name, value) pairs of the demo's declared parameters (``--param``).
    """

    name: str
    device: Device = "auto"
    seed: int = 0
    scale: Scale = "auto"
    timeout: float | None = None
    threads: int = 0
    memory_gib: float = DEFAULT_MEMORY_GIB
    demos_dir: Path | None = None
    command: tuple[str, ...] | None = None
    params: tuple[tuple[str, int | float | str], ...] = ()
