"""Fixtures of the identity tests (defined in helpers.py, where the tests also find the helpers)."""

from finance.users.tests.helpers import clock, committed, mailbox

__all__ = ["clock", "committed", "mailbox"]
