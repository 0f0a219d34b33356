"""drillbreak.childproc: the child's own watch on its parent, where the kernel's
PR_SET_PDEATHSIG is missing (every OS but Linux).

The child here is started without the preexec hook, as it would be elsewhere, so
only :func:`watch_parent` can end it.  Waits are safety nets, not speed limits.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from helpers.procs import fake, gone, read_pids, wait_gone

from drillbreak.childproc import PARENT_PID_ENV, child_env, popen_options

# Starts the watching child in its own session, with our pid in its environment
# (as popen_options does), but without the kernel's help; then waits.
MIDDLE = """
import os, subprocess, sys
env = dict(os.environ, DRILLBREAK_PARENT_PID=str(os.getpid()))
subprocess.Popen([sys.executable, "-c", sys.argv[1], sys.argv[2]], env=env,
                 start_new_session=True)
print("started", flush=True)
sys.stdin.read()
"""

# Watches its parent; starts a grandchild (which does not), writes both pids, waits.
WATCHER = """
import os, subprocess, sys, time
from drillbreak.childproc import watch_parent
watch_parent()
assert "DRILLBREAK_PARENT_PID" not in os.environ
grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
with open(sys.argv[1] + ".tmp", "w") as f:
    f.write(f"{os.getpid()} {grandchild.pid}")
os.replace(sys.argv[1] + ".tmp", sys.argv[1])
time.sleep(600)
"""


def kill_middle_and_wait_for_its_family(middle_script: str, pidfile) -> None:
    """Start ``middle_script`` running WATCHER, SIGKILL the middle process, then wait
    until the watcher and its grandchild are gone (cleaned up here if not)."""
    middle = subprocess.Popen(
        fake(middle_script, textwrap.dedent(WATCHER), str(pidfile)),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    pids: list[int] = []
    try:
        assert middle.stdout.readline() == "started\n"
        pids = read_pids(pidfile)
        assert not any(gone(pid) for pid in pids)
        os.kill(middle.pid, signal.SIGKILL)
        wait_gone(*pids)
    finally:
        for pid in pids:  # only if the test failed
            if not gone(pid):
                os.kill(pid, signal.SIGKILL)
        middle.kill()
        middle.wait()
        middle.stdin.close()
        middle.stdout.close()


def test_a_child_whose_parent_dies_kills_its_group(tmp_path):
    kill_middle_and_wait_for_its_family(MIDDLE, tmp_path / "pids")


def test_options_start_a_session_and_name_the_parent():
    options = popen_options()
    assert options["start_new_session"] is True
    assert options["env"][PARENT_PID_ENV] == str(os.getpid())
    assert child_env()["PYTHONUNBUFFERED"] == "1"
    if sys.platform.startswith("linux"):
        assert callable(options["preexec_fn"])


# As MIDDLE, but through popen_options: the kernel's death signal is armed (Linux).
MIDDLE_WITH_OPTIONS = """
import subprocess, sys
from drillbreak.childproc import popen_options
options = popen_options()
options.pop("stdin")
subprocess.Popen([sys.executable, "-c", sys.argv[1], sys.argv[2]], **options)
print("started", flush=True)
sys.stdin.read()
"""


def test_kill_9_of_the_parent_takes_the_childs_own_children_too(tmp_path):
    """The kernel's death signal reaches the child, which takes its whole group with it:
    a demo's own children do not outlive a SIGKILLed app."""
    kill_middle_and_wait_for_its_family(MIDDLE_WITH_OPTIONS, tmp_path / "pids")
