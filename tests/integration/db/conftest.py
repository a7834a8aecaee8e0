"""The database fixtures live in tests/integration/conftest.py, shared by every adapter."""

from tests.integration.conftest import (
    MakeDatabase,
    an_author,
    counting_statements,
    given,
)

__all__ = ["MakeDatabase", "an_author", "counting_statements", "given"]
