"""Encryption of stored secrets: round trip, key rotation, tampering."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from finance.core import crypto


def test_round_trip_with_the_key_derived_from_the_secret_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    ciphertext = crypto.encrypt("JBSWY3DPEHPK3PXP")
    assert "JBSWY3DPEHPK3PXP" not in ciphertext
    assert crypto.encrypt("JBSWY3DPEHPK3PXP") != ciphertext  # random IV each time
    assert crypto.decrypt(ciphertext) == "JBSWY3DPEHPK3PXP"


def test_rotation_decrypts_with_old_keys_and_encrypts_with_the_first(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    before = crypto.encrypt("seed")
    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    assert crypto.decrypt(before) == "seed"
    after = crypto.encrypt("seed")
    assert Fernet(new.encode()).decrypt(after.encode()) == b"seed"
    settings.FIELD_ENCRYPTION_KEYS = [new]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(before)


def test_tampered_ciphertext_is_refused(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    ciphertext = crypto.encrypt("seed")
    tampered = ciphertext[:-5] + ("A" if ciphertext[-5] != "A" else "B") + ciphertext[-4:]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(tampered)


def test_a_different_secret_key_cannot_read_derived_key_ciphertext(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    ciphertext = crypto.encrypt("seed")
    settings.SECRET_KEY = "another-secret-key-" + "x" * 40
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(ciphertext)
