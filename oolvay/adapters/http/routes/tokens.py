"""Editors' API: personal tokens."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from oolvay.adapters.http.deps import Editor, IssueTokenDep, ListTokensDep, RevokeTokenDep
from oolvay.adapters.http.errors import responses
from oolvay.adapters.http.schemas import TokenCreate, TokenCreated, TokenOut

router = APIRouter(prefix="/api/tokens", tags=["tokens"], responses=responses(401, 403))


@router.get("")
def list_tokens(editor: Editor, list_tokens: ListTokensDep) -> list[TokenOut]:
    """The caller's tokens, oldest first, revoked ones included; never their secrets."""
    return [TokenOut.of(token) for token in list_tokens(editor.id)]


@router.post("", status_code=201, responses=responses(422))
def create_token(body: TokenCreate, editor: Editor, issue: IssueTokenDep) -> TokenCreated:
    """A new token for the caller, named by `{"name": ...}`. Its secret is in this response
    and nowhere else."""
    issued = issue(editor, name=body.name)
    return TokenCreated(**TokenOut.of(issued.token).model_dump(), secret=issued.secret)


@router.delete("/{token_id}", responses=responses(404, 422))
def revoke_token(token_id: uuid.UUID, editor: Editor, revoke: RevokeTokenDep) -> TokenOut:
    """Revoke one of the caller's tokens by its id; it stops working at once. Another
    editor's token is 404, as an unknown one."""
    return TokenOut.of(revoke(token_id, owner=editor.id))
