"""Argon2id through pwdlib: what is stored, what verifies, what gets re-hashed."""

from __future__ import annotations

from pwdlib.hashers.argon2 import Argon2Hasher

from oolvay.adapters.security.passwords import Argon2PasswordHasher

QUICK = Argon2Hasher(time_cost=1, memory_cost=1024, parallelism=1)


def test_the_production_hash_is_salted_argon2id_and_verifies() -> None:
    hasher = Argon2PasswordHasher()

    stored = hasher.hash("correct horse battery")

    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert stored != hasher.hash("correct horse battery")
    assert hasher.verify("correct horse battery", stored).matches
    assert not hasher.verify("Correct horse battery", stored).matches


def test_a_hash_with_other_parameters_verifies_and_comes_back_rehashed() -> None:
    old = Argon2PasswordHasher(QUICK).hash("correct horse battery")

    check = Argon2PasswordHasher().verify("correct horse battery", old)

    assert check.matches
    assert check.new_hash is not None
    assert check.new_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_no_hash_or_a_foreign_one_is_a_plain_no() -> None:
    hasher = Argon2PasswordHasher(QUICK)

    assert not hasher.verify("anything at all", None).matches
    assert not hasher.verify("anything at all", "$2b$12$notanargon2hash").matches
    assert not hasher.verify("anything at all", "").matches
