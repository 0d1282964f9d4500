"""The identity tests' mail, commit and clock fixtures (a real SMTP server, committed requests, a frozen clock)."""

from finance.users.tests.helpers import clock, committed, mailbox

__all__ = ["clock", "committed", "mailbox"]
