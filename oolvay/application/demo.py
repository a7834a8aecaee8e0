"""Demo data for ``make run``: an editor with a fresh token and password, and a few
subscribers."""

from __future__ import annotations

import secrets

import attrs

from oolvay.application.editors import CreateEditor, IssuedToken
from oolvay.application.ports import Clock, EmailAddresses, PasswordHasher, UnitOfWork
from oolvay.application.sign_in import SetEditorPassword
from oolvay.application.subscribers import ImportSubscribers

DEMO_EDITOR = "editor@example.com"
DEMO_READERS = ("ada@example.com", "grace@example.com", "linus@example.com")
"""Documentation domains (RFC 2606): addresses that validate and that nobody reads."""
DEMO_TOKEN_NAME = "demo"  # noqa: S105 - a label, not a secret
_LETTERS = "abcdefghjkmnpqrstuvwxyz23456789"
"""No 0/o, 1/l/i: the password is read off a terminal and typed."""


@attrs.frozen
class DemoCredentials:
    email: str
    token: IssuedToken
    password: str


def demo_password() -> str:
    """Like ``kq7m-3xvd-p2ha-9ntc``: 80 random bits, easy to type."""
    letters = "".join(secrets.choice(_LETTERS) for _ in range(16))
    return "-".join(letters[i : i + 4] for i in range(0, 16, 4))


@attrs.frozen
class SeedDemo:
    """Idempotent: the readers are added once; the editor's earlier demo tokens are revoked
    and a new one issued, so only the token just printed works. The editor gets a new
    password each time; sessions already signed in stay signed in."""

    uow: UnitOfWork
    clock: Clock
    addresses: EmailAddresses
    hasher: PasswordHasher

    def __call__(self) -> DemoCredentials:
        ImportSubscribers(self.uow, self.clock, self.addresses)(enumerate(DEMO_READERS, start=1))
        with self.uow:
            editor = self.uow.users.get_by_email(DEMO_EDITOR)
            if editor is not None:
                for token in self.uow.api_tokens.list_for_user(editor.id):
                    if token.name == DEMO_TOKEN_NAME and token.is_active:
                        token.revoke(self.clock.now())
                        self.uow.api_tokens.update(token)
                self.uow.commit()
        _, issued = CreateEditor(self.uow, self.clock, self.addresses)(
            DEMO_EDITOR, token_name=DEMO_TOKEN_NAME
        )
        password = demo_password()
        SetEditorPassword(self.uow, self.hasher, self.clock)(
            DEMO_EDITOR, password, end_sessions=False
        )
        return DemoCredentials(email=DEMO_EDITOR, token=issued, password=password)
