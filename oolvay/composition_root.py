"""The composition root: the only module that imports adapters and wires them together.

Entry points (the HTTP app, the command line) call ``bootstrap()`` and take what they need
from the container. Tests build a container per test and override single providers.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path

import inngest
from dependency_injector import containers, providers

from oolvay.adapters.inline.queue import InlineJobQueue
from oolvay.adapters.inngest.queue import InngestJobQueue
from oolvay.adapters.observability.logging import configure_logging
from oolvay.adapters.sentry.reporter import SentryErrorReporter, init_sentry
from oolvay.adapters.sqlalchemy.bulk import insert_users
from oolvay.adapters.sqlalchemy.engine import create_database_engine, create_session_factory
from oolvay.adapters.sqlalchemy.schema import database_problem, upgrade_problem
from oolvay.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from oolvay.adapters.system.clock import SystemClock
from oolvay.application.jobs import SendPostNotifications
from oolvay.application.ports import Mailer, NotificationRenderer, UnitOfWork
from oolvay.application.publish_post import PublishPost
from oolvay.application.send_post_notifications import SendPostNotificationsHandler
from oolvay.settings import Deployment, Settings, load_settings


def queue_backend(inngest_enabled: bool) -> str:
    """The one place that turns ``background_jobs.inngest.enabled`` into a queue choice."""
    return "inngest" if inngest_enabled else "inline"


def build_inngest_client(app_id: str, deployment: Deployment) -> inngest.Inngest:
    return inngest.Inngest(
        app_id=app_id,
        is_production=deployment.inngest_dev in (None, "", "0", "false"),
        event_key=deployment.inngest_event_key,
        signing_key=deployment.inngest_signing_key,
    )


class Container(containers.DeclarativeContainer):
    config = providers.Configuration(strict=True)
    deployment = providers.Dependency(instance_of=Deployment)

    clock = providers.Singleton(SystemClock)
    error_reporter = providers.Singleton(SentryErrorReporter)

    # --- Persistence ----------------------------------------------------------------
    db_engine = providers.Singleton(create_database_engine, deployment.provided.database_url)
    db_session_factory = providers.Singleton(create_session_factory, db_engine)
    # A Factory: every use case gets its own unit of work, never one shared by requests.
    uow: providers.Provider[UnitOfWork] = providers.Factory(
        SqlAlchemyUnitOfWork, db_session_factory
    )
    database_problem = providers.Callable(database_problem, engine=db_engine.provider)
    upgrade_database = providers.Callable(upgrade_problem, engine=db_engine.provider)
    bulk_insert_users = providers.Callable(insert_users, engine=db_engine)

    # --- Email ----------------------------------------------------------------------
    mailer: providers.Provider[Mailer] = providers.Dependency()
    notification_renderer: providers.Provider[NotificationRenderer] = providers.Dependency()

    # --- Use cases and the jobs they run --------------------------------------------
    send_post_notifications = providers.Factory(
        SendPostNotificationsHandler,
        uow=uow,
        mailer=mailer,
        renderer=notification_renderer,
        clock=clock,
        batch_size=config.notifications.batch_size,
        claim_lease=providers.Factory(timedelta, seconds=config.notifications.claim_lease_seconds),
    )
    job_handlers = providers.Dict({SendPostNotifications: send_post_notifications})

    # --- Queues: the one choice between them ----------------------------------------
    inline_queue = providers.Factory(InlineJobQueue, handlers=job_handlers, reporter=error_reporter)
    inngest_client = providers.Singleton(
        build_inngest_client, app_id=config.background_jobs.inngest.app_id, deployment=deployment
    )
    inngest_event_sender = providers.Factory(lambda client: client.send_sync, client=inngest_client)
    inngest_queue = providers.Factory(
        InngestJobQueue, send=inngest_event_sender, reporter=error_reporter
    )
    queue_backend = providers.Callable(queue_backend, config.background_jobs.inngest.enabled)
    job_queue = providers.Selector(
        queue_backend,
        inline=inline_queue,
        inngest=inngest_queue,
    )

    publish_post = providers.Factory(PublishPost, uow=uow, queue=job_queue, clock=clock)


def build_container(settings: Settings) -> Container:
    container = Container(deployment=settings.deployment)
    container.config.from_dict(settings.site.model_dump())
    return container


def bootstrap(
    environ: Mapping[str, str] | None = None, config_path: Path | None = None
) -> Container:
    """Load settings (ConfigError if invalid), set up logging and Sentry, build the container."""
    settings = load_settings(os.environ if environ is None else environ, config_path)
    configure_logging()
    init_sentry(settings.deployment.sentry_dsn, environment=settings.deployment.oolvay_env)
    return build_container(settings)
