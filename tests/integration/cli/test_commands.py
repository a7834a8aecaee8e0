"""The command line, end to end on a real database."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from oolvay.adapters.cli.serve import demo_instructions
from oolvay.adapters.sqlalchemy.statements import audience
from oolvay.adapters.sqlalchemy.tables import users
from oolvay.domain.errors import NotAuthenticated
from oolvay.domain.ids import PostId
from oolvay.domain.users import POST_EMAIL_AUDIENCE
from tests.integration.cli.conftest import Cli


def write(tmp_path: Path, text: str, name: str = "people.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def readers(cli: Cli) -> list[str]:
    """The addresses in the audience a send planned now would have."""
    query = sa.select(users.c.email).where(*audience(POST_EMAIL_AUDIENCE))
    with cli.container.db_engine().connect() as connection:
        return sorted(connection.scalars(query))


def an_editor(cli: Cli) -> str:
    result = cli.invoke("editors", "create", "ed@example.com")
    assert result.exit_code == 0, result.output
    return result.stdout.strip().splitlines()[-1]


def a_draft(cli: Cli, author: str = "ed@example.com") -> uuid.UUID:
    uow = cli.container.uow()
    with uow:
        editor = uow.users.get_by_email(author)
    assert editor is not None
    return cli.container.create_post()(author_id=editor.id, title="Hello", body="Body").id


def test_editors_create_prints_a_working_token(cli: Cli) -> None:
    token = an_editor(cli)

    user = cli.container.authenticate_editor()(token)

    assert user.email == "ed@example.com"
    assert token.startswith("oolvay_")


def test_editors_create_refuses_a_bad_address(cli: Cli) -> None:
    result = cli.invoke("editors", "create", "not-an-address")

    assert result.exit_code == 2
    assert "not a valid email address" in result.output
    assert "Traceback" not in result.output


def test_users_import_reads_a_csv_with_a_header(cli: Cli, tmp_path: Path) -> None:
    file = write(tmp_path, "name,email\nAda,ada@example.com\nGrace,grace@example.com\n")

    result = cli.invoke("users", "import", str(file))

    assert result.exit_code == 0, result.output
    assert "imported 2, already known 0, invalid 0" in result.output
    assert readers(cli) == ["ada@example.com", "grace@example.com"]


def test_users_import_is_all_or_nothing(cli: Cli, tmp_path: Path) -> None:
    file = write(tmp_path, "ada@example.com\nbroken-address\n")

    refused = cli.invoke("users", "import", str(file))
    uow = cli.container.uow()
    with uow:
        nobody = uow.users.get_by_email("ada@example.com")
    skipped = cli.invoke("users", "import", "--skip-invalid", str(file))

    assert refused.exit_code == 2
    assert f"{file}:2: 'broken-address'" in refused.output
    assert nobody is None
    assert skipped.exit_code == 0
    assert "imported 1, already known 0, invalid 1" in skipped.output


def test_users_import_refuses_a_file_that_is_not_utf8(cli: Cli, tmp_path: Path) -> None:
    file = tmp_path / "latin1.csv"
    file.write_bytes("caf\xe9@example.com\n".encode("latin-1"))

    result = cli.invoke("users", "import", str(file))

    assert result.exit_code == 2
    assert "not a readable UTF-8 CSV" in result.output


def test_posts_publish_runs_the_send_inline_and_reports_it(cli: Cli, tmp_path: Path) -> None:
    an_editor(cli)
    cli.invoke("users", "import", str(write(tmp_path, "ada@example.com\ngrace@example.com\n")))
    post_id = a_draft(cli)

    first = cli.invoke("posts", "publish", str(post_id))
    again = cli.invoke("posts", "publish", str(post_id))
    unknown = cli.invoke("posts", "publish", str(uuid.uuid4()))

    assert first.exit_code == 0, first.output
    assert "notifications: inline ran" in first.output
    assert "send: sent" in first.output
    assert sorted(cli.mailer.recipients) == ["ada@example.com", "grace@example.com"]
    assert (again.exit_code, unknown.exit_code) == (1, 3)
    assert "already published" in again.output


def test_notifications_send_reaches_nobody_twice_and_nobody_who_came_later(
    cli: Cli, tmp_path: Path
) -> None:
    an_editor(cli)
    cli.invoke("users", "import", str(write(tmp_path, "ada@example.com\n")))
    post_id = a_draft(cli)
    cli.invoke("posts", "publish", str(post_id))
    cli.invoke("users", "import", str(write(tmp_path, "late@example.com\n", "late.csv")))

    result = cli.invoke("notifications", "send", str(post_id))
    status = cli.invoke("notifications", "status", str(post_id))

    assert result.exit_code == 0, result.output
    assert "sent: audience 1; sent 1, failed 0" in result.output
    assert cli.mailer.recipients == ["ada@example.com"]
    assert status.exit_code == 0
    assert status.stdout.startswith("sent: audience 1; sent 1")


def test_notifications_status_tells_what_came_back(cli: Cli, tmp_path: Path) -> None:
    an_editor(cli)
    cli.invoke("users", "import", str(write(tmp_path, "ada@example.com\ngone@example.com\n")))
    cli.mailer.reject["gone@example.com"] = "550 5.1.1 no such user"
    post_id = a_draft(cli)
    cli.invoke("posts", "publish", str(post_id))

    status = cli.invoke("notifications", "status", str(post_id))

    assert status.exit_code == 0, status.output
    assert "returned: 1 bounced for good, 0 delayed, 0 complaints (0.000% of those sent" in (
        status.stdout
    )


def test_notifications_resend_and_cancel(cli: Cli, tmp_path: Path) -> None:
    an_editor(cli)
    cli.invoke("users", "import", str(write(tmp_path, "ada@example.com\n")))
    post_id = a_draft(cli)
    cli.invoke("posts", "publish", str(post_id))

    nothing = cli.invoke("notifications", "resend", str(post_id))
    cancelled = cli.invoke("notifications", "cancel", str(post_id))
    unknown = cli.invoke("notifications", "status", str(uuid.uuid4()))

    assert nothing.exit_code == 1
    assert "nothing to resend" in nothing.output
    assert (cancelled.exit_code, unknown.exit_code) == (0, 3)
    assert "cancelled: 0 queued recipients" in cancelled.output


def test_reports_request_and_download(cli: Cli, tmp_path: Path) -> None:
    an_editor(cli)
    cli.invoke("users", "import", str(write(tmp_path, "ada@example.com\n")))
    post_id = a_draft(cli)
    cli.invoke("posts", "publish", str(post_id))

    requested = cli.invoke("reports", "request", str(post_id), "--editor", "ed@example.com")
    report_id = requested.stdout.split()[1].rstrip(":")
    downloaded = cli.invoke("reports", "download", report_id)

    assert requested.exit_code == 0, requested.output
    assert "ready (inline ran)" in requested.output
    assert downloaded.stdout.splitlines()[0] == "recipient,state,time,error"
    assert downloaded.stdout.splitlines()[1].startswith("ada@example.com,sent,")


def test_reports_request_needs_an_editor(cli: Cli) -> None:
    an_editor(cli)
    post_id = a_draft(cli)

    result = cli.invoke("reports", "request", str(post_id), "--editor", "nobody@example.com")

    assert result.exit_code == 3


def test_the_demo_prints_a_token_that_works_and_revokes_the_last_one(cli: Cli) -> None:
    first = demo_instructions(cli.container, "http://127.0.0.1:8000")
    second = demo_instructions(cli.container, "http://127.0.0.1:8000")

    def token(text: str) -> str:
        return text.split("export TOKEN=")[1].split()[0]

    assert cli.container.authenticate_editor()(token(second)).is_editor
    with pytest.raises(NotAuthenticated):
        cli.container.authenticate_editor()(token(first))
    assert "curl -s -X POST http://127.0.0.1:8000/api/posts" in second
    assert len(readers(cli)) == 3


def test_posts_create_prints_the_id_of_a_draft_by_that_editor(cli: Cli, tmp_path: Path) -> None:
    an_editor(cli)
    body = write(tmp_path, "Line one.\n\nLine two.\n", "post.txt")

    inline = cli.invoke("posts", "create", "--editor", "ed@EXAMPLE.com", "--title", "Hi")
    from_file = cli.invoke(
        "posts", "create", "--editor", "ed@example.com", "--title", "File",
        "--body-file", str(body), "--notify", "none",
    )  # fmt: skip

    assert inline.exit_code == 0, inline.output
    post = cli.container.get_post()(PostId(uuid.UUID(inline.stdout.strip())))
    assert (post.title, post.status, post.body) == ("Hi", "draft", "")
    loaded = cli.container.get_post()(PostId(uuid.UUID(from_file.stdout.strip())))
    assert (loaded.body, loaded.notification_type) == ("Line one.\n\nLine two.\n", "none")


def test_posts_create_refuses_a_stranger_and_bad_input(cli: Cli) -> None:
    an_editor(cli)

    stranger = cli.invoke("posts", "create", "--editor", "nobody@example.com", "--title", "x")
    both = cli.invoke(
        "posts", "create", "--editor", "ed@example.com", "--title", "x",
        "--body", "a", "--body-file", __file__,
    )  # fmt: skip
    nul = cli.invoke("posts", "create", "--editor", "ed@example.com", "--title", "a\x00b")

    assert (stranger.exit_code, both.exit_code, nul.exit_code) == (3, 2, 2)
    assert "no editor with email nobody@example.com" in stranger.output
    assert "title: must not contain NUL" in nul.output
    assert cli.container.list_posts()(status=None, limit=10, offset=0).total == 0


def test_posts_list_shows_newest_first_and_filters(cli: Cli) -> None:
    an_editor(cli)
    first = a_draft(cli)
    second = a_draft(cli)
    cli.invoke("posts", "publish", str(first))

    every = cli.invoke("posts", "list")
    drafts = cli.invoke("posts", "list", "--status", "draft")

    assert every.exit_code == 0, every.output
    assert {line.split()[0] for line in every.stdout.splitlines()} == {str(first), str(second)}
    assert [line.split()[:2] for line in drafts.stdout.splitlines()] == [[str(second), "draft"]]
    assert "1-2 of 2 posts" in every.stderr


def test_editors_list_shows_every_editor_and_their_working_tokens(cli: Cli) -> None:
    an_editor(cli)
    cli.invoke("editors", "create", "ann@example.com")

    result = cli.invoke("editors", "list")

    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["ann@example.com", "ed@example.com"]
    assert "tokens: 1 active, 1 in all" in lines[0]


def test_tokens_are_listed_by_id_and_revoked_by_id(cli: Cli) -> None:
    secret = an_editor(cli)
    listed = cli.invoke("tokens", "list", "--editor", "ed@example.com")
    [token_id] = [line.split()[0] for line in listed.stdout.splitlines()]

    revoked = cli.invoke("tokens", "revoke", token_id)
    after = cli.invoke("tokens", "list")
    unknown = cli.invoke("tokens", "revoke", str(uuid.uuid4()))

    assert listed.exit_code == 0, listed.output
    assert "'cli'" in listed.stdout
    assert "active" in listed.stdout
    assert secret not in listed.output
    assert revoked.exit_code == 0, revoked.output
    assert "revoked" in after.stdout.splitlines()[0]
    assert unknown.exit_code == 3
    with pytest.raises(NotAuthenticated):
        cli.container.authenticate_editor()(secret)


def test_editors_create_says_which_token_it_made(cli: Cli) -> None:
    result = cli.invoke("editors", "create", "ed@example.com")
    listed = cli.invoke("tokens", "list")

    assert listed.stdout.split()[0] in result.stderr
