"""One mailbox, one subscriber through the command line: imports and editors."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from oolvay.adapters.sqlalchemy.tables import users
from tests.integration.cli.conftest import Cli


def stored_emails(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return sorted(connection.execute(sa.select(users.c.email)).scalars())


def test_a_csv_import_counts_other_spellings_as_known(cli: Cli, tmp_path: Path) -> None:
    file = tmp_path / "list.csv"
    file.write_text("Ann@Example.org\nann@example.org\nuser@xn--bcher-kva.de\n", encoding="utf-8")
    cli.invoke("users", "import", str(file))
    again = tmp_path / "again.csv"
    again.write_text("ANN@EXAMPLE.ORG\nUser@Bücher.de\n", encoding="utf-8")

    result = cli.invoke("users", "import", str(again))

    assert result.exit_code == 0, result.output
    assert "imported 0, already known 2, invalid 0" in result.output
    assert stored_emails(cli.container.db_engine()) == ["Ann@example.org", "user@bücher.de"]


def test_a_csv_import_names_each_refused_line_with_the_reason(cli: Cli, tmp_path: Path) -> None:
    file = tmp_path / "list.csv"
    file.write_text("ok@example.org\na@-b.com\n", encoding="utf-8")

    result = cli.invoke("users", "import", str(file))

    assert result.exit_code == 2
    assert "list.csv:2: 'a@-b.com': An email address cannot have a hyphen" in result.output


def test_an_editor_made_under_another_spelling_is_the_same_user(cli: Cli, tmp_path: Path) -> None:
    file = tmp_path / "one.csv"
    file.write_text("Ed@Example.org\n", encoding="utf-8")
    cli.invoke("users", "import", str(file))

    result = cli.invoke("editors", "create", "ED@EXAMPLE.ORG")

    assert result.exit_code == 0, result.output
    assert stored_emails(cli.container.db_engine()) == ["Ed@example.org"]
