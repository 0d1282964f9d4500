from finance.users.tests.helpers import clock

__all__ = ["clock"]
