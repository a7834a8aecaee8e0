"""What a process that is about to be killed runs: the real application, built from its
environment alone, sending a post inline or running one batch as the Inngest worker does.

The test process forks these from a server that has imported the application once (see
``killing.py``): a fresh interpreter per trial would cost seconds, a fork milliseconds."""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping

import attrs
from fastapi.testclient import TestClient

from oolvay.adapters.http.app import create_app
from oolvay.adapters.inngest.events import BatchReady
from oolvay.composition_root import build_container
from oolvay.domain.ids import PostId
from oolvay.settings import load_settings
from tests.integration.faults.inngest_player import signed_call
from tests.integration.inngest.support import BATCH_FN, invocation

HOLDER = "doomed"
RUN_ID = "01JFAULTKILLEDRUN"


@attrs.frozen
class Doomed:
    """What the child sends, and where: all of it plain data, pickled to the child."""

    environ: Mapping[str, str]
    """DATABASE_URL, SMTP_URL and the settings of the trial."""
    post_id: uuid.UUID
    log: str
    """The child's stdout and stderr go to this file, for the test to show on failure."""


def send_inline(doomed: Doomed) -> None:
    """The post's whole send in this process, as the inline queue runs it."""
    _log_to(doomed.log)
    app = build_container(load_settings(doomed.environ))
    app.send_post_notifications().run(PostId(doomed.post_id), holder=HOLDER)


def send_first_batch(doomed: Doomed) -> None:
    """Batch 0 of round 0, as Inngest calls the batch worker: a signed request to the
    served route, attempt 0."""
    _log_to(doomed.log)
    app = build_container(load_settings(doomed.environ))
    http = TestClient(create_app(app), raise_server_exceptions=False)
    event = BatchReady.create(post_id=doomed.post_id, round=0, batch=0)
    response = signed_call(http, invocation(event, run_id=RUN_ID), fn_id=BATCH_FN)
    print(response.status_code, response.text, flush=True)


def _log_to(path: str) -> None:
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(descriptor, 1)
    os.dup2(descriptor, 2)
    os.close(descriptor)
