"""Live PyTorch demos, run in a child process.

The app side (``catalog``, ``events``, ``runner``, ``cli``, ``context``) never
imports torch; only ``child`` (run as ``python -m drillbreak.demo_runner.child``)
does.  Import the submodules directly; this package imports nothing eagerly.
"""
