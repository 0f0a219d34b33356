"""drillbreak's benchmark suite: ``python -m bench`` (``make bench``).

``python -m bench --quick`` is the small version (1k/10k cards, fewer repeats);
``--only queue,rating`` picks benchmarks; results go to ``BENCHMARKS.md``.
"""
