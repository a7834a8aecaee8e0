"""Importing subscribers in bulk (lists moved from elsewhere, demos, benchmarks)."""

from __future__ import annotations

from collections.abc import Iterable

import attrs

from oolvay.application.ports import Clock, EmailAddresses, UnitOfWork
from oolvay.domain.errors import InvalidEmailAddress
from oolvay.domain.users import User, email_key


@attrs.frozen
class InvalidLine:
    line: int
    value: str
    reason: str


@attrs.frozen
class ImportResult:
    imported: int = 0
    already_known: int = 0
    """Addresses that were already users (left as they are) or repeated in the input."""
    invalid: tuple[InvalidLine, ...] = ()


@attrs.frozen
class ImportSubscribers:
    """Validate every address first; import all of them in one transaction, or none.

    With ``skip_invalid`` the valid ones are imported and the invalid ones reported."""

    uow: UnitOfWork
    clock: Clock
    addresses: EmailAddresses

    def __call__(
        self,
        lines: Iterable[tuple[int, str]],
        *,
        verified: bool = True,
        skip_invalid: bool = False,
    ) -> ImportResult:
        now = self.clock.now()
        invalid: list[InvalidLine] = []
        seen: set[str] = set()
        repeated = 0
        new_users: list[User] = []
        for number, raw in lines:
            try:
                email = self.addresses.normalise(raw)
            except InvalidEmailAddress as error:
                invalid.append(InvalidLine(number, raw, error.reason))
                continue
            if email_key(email) in seen:
                repeated += 1
                continue
            seen.add(email_key(email))
            new_users.append(User.register(email=email, now=now, email_verified=verified))
        if invalid and not skip_invalid:
            return ImportResult(invalid=tuple(invalid))
        with self.uow:
            imported = self.uow.users.add_many(new_users)
            self.uow.commit()
        return ImportResult(
            imported=imported,
            already_known=repeated + len(new_users) - imported,
            invalid=tuple(invalid),
        )
