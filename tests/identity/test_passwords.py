"""Argon2id parameters: the production cost everywhere but the test environment."""

from __future__ import annotations

from argon2 import Type, extract_parameters

from shared.identity import passwords
from shared.settings import get_settings
from tests.conftest import Configure


def test_production_uses_the_owasp_argon2id_parameters(configure: Configure) -> None:
    configure(ENVIRONMENT="dev")
    hashed = passwords.hash_password("SecurePass123!")
    verified = passwords.verify_password(hashed, "SecurePass123!")
    stored = extract_parameters(hashed)
    assert (stored.type, stored.memory_cost, stored.time_cost, stored.parallelism) == (
        Type.ID,
        19456,
        2,
        1,
    )
    assert verified


def test_tests_use_a_cheaper_hash_only_in_the_test_environment() -> None:
    assert get_settings().environment == "test"
    assert extract_parameters(passwords.hash_password("x")).memory_cost < 19456


def test_verification_rejects_wrong_and_garbage_hashes() -> None:
    hashed = passwords.hash_password("SecurePass123!")
    assert not passwords.verify_password(hashed, "WrongPass123!")
    assert not passwords.verify_password("not-a-hash", "SecurePass123!")


def test_the_unknown_user_dummy_hashes_cost_what_real_ones_do() -> None:
    reference = extract_parameters(passwords._DUMMY_HASHES[False])
    assert (reference.memory_cost, reference.time_cost, reference.parallelism) == (19456, 2, 1)
    fast = extract_parameters(passwords._DUMMY_HASHES[True])
    assert fast == extract_parameters(passwords.hash_password("x"))
