"""Sealed secrets open only with the matching private key."""

import pytest
from nacl.exceptions import CryptoError

from plenary_shared.sealing import generate_seal_keys, seal, unseal


def test_a_sealed_secret_opens_with_its_private_key_only():
    private, public = generate_seal_keys()
    other_private, _ = generate_seal_keys()
    sealed = seal(public, "https://portal/accept#token=abc")
    assert "abc" not in sealed
    assert unseal(private, sealed) == "https://portal/accept#token=abc"
    with pytest.raises(CryptoError):
        unseal(other_private, sealed)


def test_sealing_twice_gives_different_ciphertexts():
    _, public = generate_seal_keys()
    assert seal(public, "same") != seal(public, "same")
