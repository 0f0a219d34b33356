"""The benchmark's "now": fixed, so the due distribution never depends on the date.

A module of its own so that the app's child process imports nothing else of the
bench's (bench/common.py loads platform, statistics and subprocess: ~8 ms that the
app itself never spends)."""

from datetime import UTC, datetime

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
