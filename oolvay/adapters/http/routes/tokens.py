"""Editors' API: personal tokens."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from oolvay.adapters.http.deps import Editor, IssueTokenDep, RevokeTokenDep
from oolvay.adapters.http.schemas import TokenCreate, TokenCreated, TokenOut

router = APIRouter(prefix="/api/tokens", tags=["tokens"])


@router.post("", status_code=201)
def create_token(body: TokenCreate, editor: Editor, issue: IssueTokenDep) -> TokenCreated:
    """A new token for the caller. Its secret is in this response and nowhere else."""
    issued = issue(editor, name=body.name)
    return TokenCreated(**TokenOut.of(issued.token).model_dump(), secret=issued.secret)


@router.delete("/{token_id}")
def revoke_token(token_id: uuid.UUID, editor: Editor, revoke: RevokeTokenDep) -> TokenOut:
    """Revoke one of the caller's tokens; it stops working at once."""
    return TokenOut.of(revoke(editor, token_id))
