"""Demo data for ``make run``: an editor with a fresh token, and a few subscribers."""

from __future__ import annotations

import attrs

from oolvay.application.editors import CreateEditor, IssuedToken
from oolvay.application.ports import Clock, EmailAddresses, UnitOfWork
from oolvay.application.subscribers import ImportSubscribers

DEMO_EDITOR = "editor@example.com"
DEMO_READERS = ("ada@example.com", "grace@example.com", "linus@example.com")
"""Documentation domains (RFC 2606): addresses that validate and that nobody reads."""
DEMO_TOKEN_NAME = "demo"  # noqa: S105 - a label, not a secret


@attrs.frozen
class SeedDemo:
    """Idempotent: the readers are added once; the editor's earlier demo tokens are revoked
    and a new one issued, so only the token just printed works."""

    uow: UnitOfWork
    clock: Clock
    addresses: EmailAddresses

    def __call__(self) -> IssuedToken:
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
        return issued
