"""Argon2id with parameters measured on the reference machine.

ARCHITECTURE.md asks for one hash to cost 50-250 ms on a 2-core machine; the
benchmark suite measures it (``bench``) and the figures are in docs/security.md.
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class FinanceArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id, 64 MiB, 3 passes, 2 lanes (≈ 125 ms here)."""

    algorithm = "argon2"
    time_cost = 3
    memory_cost = 65536
    parallelism = 2


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """The same algorithm at the lowest cost, for the test suite only."""

    algorithm = "argon2"
    time_cost = 1
    memory_cost = 64
    parallelism = 1
