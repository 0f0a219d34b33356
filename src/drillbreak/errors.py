"""Errors that reach the user as one clear line (never a traceback)."""

from __future__ import annotations


class UserError(Exception):
    """A problem the user can fix; printed as one line, exit status 1."""

    exit_code = 1
