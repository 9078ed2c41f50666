"""Passwords are hashed at full argon2 cost in the product; the test suite uses a cheap profile."""

import pytest
from argon2 import extract_parameters
from helpers import PASSWORD, login, make_app, register
from sqlalchemy import select

from diary import create_app
from diary.core.extensions import db
from diary.models import User
from diary.services.accounts import HASH_PROFILES


def stored_hash(app, email="pat@example.com"):
    """The password hash stored for ``email``."""
    with app.app_context():
        return db.session.scalar(select(User.password_hash).where(User.email == email))


def test_sign_up_hashes_at_full_cost_outside_the_test_profile(database_path):
    app = make_app(database_path, PASSWORD_HASH_PROFILE="full")
    assert register(app.test_client()).status_code == 303
    parameters = extract_parameters(stored_hash(app))
    assert parameters.type.name == "ID"
    assert parameters.memory_cost >= 65536 and parameters.time_cost >= 3


def test_the_suite_hashes_cheaply_and_both_verify(database_path):
    app = make_app(database_path)
    assert app.config["PASSWORD_HASH_PROFILE"] == "fast"
    client = app.test_client()
    assert register(client).status_code == 303
    assert extract_parameters(stored_hash(app)).memory_cost == HASH_PROFILES["fast"]["memory_cost"]
    full = make_app(database_path, PASSWORD_HASH_PROFILE="full")
    other = full.test_client()
    assert login(other, password=PASSWORD).status_code == 303, "a cheap hash still verifies"


def test_the_cheap_profile_is_refused_outside_tests(tmp_path):
    with pytest.raises(RuntimeError, match="test suite only"):
        create_app(
            {
                "SECRET_KEY": "x",
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.sqlite",
                "PASSWORD_HASH_PROFILE": "fast",
            }
        )
    production = create_app(
        {"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/y.sqlite"}
    )
    assert production.config["PASSWORD_HASH_PROFILE"] == "full"
