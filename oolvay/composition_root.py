"""The composition root: the only module that imports adapters and wires them together.

Entry points (the HTTP app, the command line) call ``bootstrap()`` and take what they need
from the container. Tests build a container per test and override single providers.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from dependency_injector import containers, providers

from oolvay.adapters.email.mailbox import MailboxMailer
from oolvay.adapters.email.mime import Sender
from oolvay.adapters.email.rendering import JinjaNotificationRenderer
from oolvay.adapters.email.smtp import SmtpMailer, SmtpServer
from oolvay.adapters.inline.queue import InlineJobQueue
from oolvay.adapters.inngest.client import build_inngest_client
from oolvay.adapters.inngest.environment import InngestEnvironment, inngest_environment
from oolvay.adapters.inngest.functions import WorkerEnv
from oolvay.adapters.inngest.queue import InngestJobQueue
from oolvay.adapters.inngest.redispatch import FailedDispatchRedispatcher
from oolvay.adapters.inngest.registry import build_functions
from oolvay.adapters.inngest.route import InngestRoute
from oolvay.adapters.inngest.sending import DeadlineEventSender
from oolvay.adapters.observability.logging import configure_logging
from oolvay.adapters.security.secret_key import MIN_SECRET_KEY_LENGTH, load_or_create_secret_key
from oolvay.adapters.security.tokens import HmacUserTokens
from oolvay.adapters.sentry.reporter import SentryErrorReporter, init_sentry
from oolvay.adapters.sqlalchemy.bulk import insert_users
from oolvay.adapters.sqlalchemy.engine import create_database_engine, create_session_factory
from oolvay.adapters.sqlalchemy.retry import TransientErrorRetry
from oolvay.adapters.sqlalchemy.schema import database_problem, upgrade_problem
from oolvay.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from oolvay.adapters.system.clock import SystemClock
from oolvay.application.deliveries import CountAudience, GetDeliveryStatus, ResendFailed
from oolvay.application.editors import (
    AuthenticateEditor,
    CreateEditor,
    IssueApiToken,
    RevokeApiToken,
)
from oolvay.application.jobs import GenerateReport, SendPostNotifications
from oolvay.application.ports import Mailer, NotificationRenderer, UnitOfWork, UnsubscribeTokens
from oolvay.application.posts import CreatePost, DeleteDraft, GetPost, ListPosts, UpdatePost
from oolvay.application.publish_post import PublishPost
from oolvay.application.reports import (
    DownloadReport,
    GenerateReportHandler,
    GetReport,
    RequestReport,
)
from oolvay.application.send_post_notifications import SendPostNotificationsHandler
from oolvay.application.unsubscribe import Unsubscribe
from oolvay.settings import ConfigError, Deployment, Settings, load_settings

DEV_SECRET_KEY_FILE = Path("var/secret_key")
MAKE_A_KEY = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
PLACEHOLDER_DOMAINS = ("example.com", "example.org", "example.net", "localhost", "test", "invalid")


def queue_backend(inngest_enabled: bool) -> str:
    """The one place that turns ``background_jobs.inngest.enabled`` into a queue choice."""
    return "inngest" if inngest_enabled else "inline"


def mail_backend(smtp_url: str | None) -> str:
    """The one place that turns ``SMTP_URL`` into a mailer choice."""
    return "smtp" if smtp_url else "mailbox"


def secret_key(deployment: Deployment, dev_key_file: Path) -> str:
    """``OOLVAY_SECRET_KEY``; outside production, a key made once and kept in a file."""
    if deployment.oolvay_secret_key:
        return deployment.oolvay_secret_key
    if deployment.is_production:
        raise ConfigError("OOLVAY_SECRET_KEY is not set")
    return load_or_create_secret_key(dev_key_file)


def check_email_settings(settings: Settings) -> None:
    """Refuse at start-up what would otherwise fail only at the first email."""
    deployment, email = settings.deployment, settings.site.email
    problems = []
    if deployment.smtp_url:
        try:
            SmtpServer.from_url(deployment.smtp_url)
        except ValueError as error:
            problems.append(f"environment variable SMTP_URL: {error}")
    elif deployment.is_production:
        problems.append(
            "environment variable SMTP_URL: not set; production sends email over SMTP "
            "(the local mailbox is for development), e.g. smtps://user:password@smtp.example.com"
        )
    key = deployment.oolvay_secret_key
    if key is not None and len(key) < MIN_SECRET_KEY_LENGTH:
        problems.append(
            f"environment variable OOLVAY_SECRET_KEY: shorter than {MIN_SECRET_KEY_LENGTH} "
            f"characters; make one with: {MAKE_A_KEY}"
        )
    elif key is None and deployment.is_production:
        problems.append(
            "environment variable OOLVAY_SECRET_KEY: not set; production needs its own key "
            f"(it signs unsubscribe links); make one with: {MAKE_A_KEY}"
        )
    base_url = urlsplit(deployment.oolvay_base_url)
    if base_url.scheme not in ("http", "https") or not base_url.netloc:
        problems.append("environment variable OOLVAY_BASE_URL: not an http:// or https:// address")
    elif not deployment.oolvay_base_url.isascii():
        problems.append(
            "environment variable OOLVAY_BASE_URL: must be ASCII (write an international "
            "domain in its xn-- form), since it goes into email headers"
        )
    elif deployment.is_production and base_url.scheme != "https":
        problems.append(
            "environment variable OOLVAY_BASE_URL: production links must use https:// "
            "(one-click unsubscribe, RFC 8058, requires it)"
        )
    domain = email.from_address.rpartition("@")[2]
    placeholder = any(domain == p or domain.endswith(f".{p}") for p in PLACEHOLDER_DOMAINS)
    if deployment.is_production and placeholder:
        problems.append(
            f"email.from_address: {email.from_address} is a placeholder; set an address of "
            "your own domain in config/site.toml or OOLVAY_EMAIL__FROM_ADDRESS"
        )
    if problems:
        raise ConfigError("invalid settings:\n  " + "\n  ".join(problems))


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
    # Runs a send batch's writes again after a transient database error.
    transaction_retry = providers.Singleton(TransientErrorRetry)

    # --- Email ----------------------------------------------------------------------
    email_sender = providers.Singleton(
        Sender,
        address=config.email.from_address,
        name=config.email.from_name,
        reply_to=config.email.reply_to,
    )
    smtp_server = providers.Singleton(SmtpServer.from_url, deployment.provided.smtp_url)
    smtp_mailer = providers.Singleton(
        SmtpMailer,
        server=smtp_server,
        sender=email_sender,
        clock=clock,
        timeout=config.email.smtp_timeout_seconds,
    )
    mailbox_mailer = providers.Singleton(
        MailboxMailer,
        directory=providers.Callable(Path, config.email.mailbox_dir),
        sender=email_sender,
        clock=clock,
    )
    mail_backend = providers.Callable(mail_backend, deployment.provided.smtp_url)
    mailer: providers.Provider[Mailer] = providers.Selector(
        mail_backend,
        smtp=smtp_mailer,
        mailbox=mailbox_mailer,
    )
    dev_secret_key_file = providers.Object(DEV_SECRET_KEY_FILE)
    secret_key = providers.Singleton(
        secret_key, deployment=deployment, dev_key_file=dev_secret_key_file
    )
    unsubscribe_tokens: providers.Provider[UnsubscribeTokens] = providers.Singleton(
        HmacUserTokens, secret_key, purpose="unsubscribe"
    )
    notification_renderer: providers.Provider[NotificationRenderer] = providers.Singleton(
        JinjaNotificationRenderer,
        base_url=deployment.provided.oolvay_base_url,
        tokens=unsubscribe_tokens,
        site_name=config.email.from_name,
    )

    # --- Use cases and the jobs they run --------------------------------------------
    send_post_notifications = providers.Factory(
        SendPostNotificationsHandler,
        uow=uow,
        mailer=mailer,
        renderer=notification_renderer,
        clock=clock,
        batch_size=config.notifications.batch_size,
        claim_lease=providers.Factory(timedelta, seconds=config.notifications.claim_lease_seconds),
        retry=transaction_retry,
    )
    generate_report = providers.Factory(
        GenerateReportHandler,
        uow=uow,
        mailer=mailer,
        renderer=notification_renderer,
        clock=clock,
    )
    job_handlers = providers.Dict(
        {SendPostNotifications: send_post_notifications, GenerateReport: generate_report}
    )

    # --- Queues: the one choice between them ----------------------------------------
    inline_queue = providers.Factory(InlineJobQueue, handlers=job_handlers, reporter=error_reporter)
    inngest_environment = providers.Dependency(instance_of=InngestEnvironment)
    inngest_client = providers.Singleton(
        build_inngest_client,
        app_id=config.background_jobs.inngest.app_id,
        environment=inngest_environment,
        request_timeout=providers.Factory(
            timedelta, seconds=config.background_jobs.inngest.dispatch_budget_seconds
        ),
    )
    # Sends run here so that the caller can stop waiting at the dispatch budget.
    inngest_send_executor = providers.Singleton(
        ThreadPoolExecutor, max_workers=4, thread_name_prefix="inngest-send"
    )
    inngest_event_sender = providers.Factory(
        DeadlineEventSender,
        send=inngest_client.provided.send_sync,
        budget=config.background_jobs.inngest.dispatch_budget_seconds,
        executor=inngest_send_executor,
    )
    inngest_queue = providers.Factory(
        InngestJobQueue, send=inngest_event_sender, reporter=error_reporter, uow=uow, clock=clock
    )
    failed_dispatches = providers.Factory(
        FailedDispatchRedispatcher, uow=uow, send=inngest_event_sender, clock=clock
    )
    inngest_functions = providers.Callable(
        build_functions,
        providers.Factory(
            WorkerEnv,
            client=inngest_client,
            default_retries=config.background_jobs.inngest.retries,
            handlers=job_handlers.provider,
            reporter=error_reporter,
        ),
    )
    queue_backend = providers.Callable(queue_backend, config.background_jobs.inngest.enabled)
    job_queue = providers.Selector(
        queue_backend,
        inline=inline_queue,
        inngest=inngest_queue,
    )
    # /api/inngest exists only when jobs go through Inngest.
    inngest_route = providers.Selector(
        queue_backend,
        inline=providers.Object(None),
        inngest=providers.Factory(
            InngestRoute,
            client=inngest_client,
            functions=inngest_functions,
            environment=inngest_environment,
        ),
    )

    publish_post = providers.Factory(PublishPost, uow=uow, queue=job_queue, clock=clock)
    create_post = providers.Factory(CreatePost, uow=uow, clock=clock)
    update_post = providers.Factory(UpdatePost, uow=uow)
    get_post = providers.Factory(GetPost, uow=uow)
    list_posts = providers.Factory(ListPosts, uow=uow)
    delete_draft = providers.Factory(DeleteDraft, uow=uow)
    get_delivery_status = providers.Factory(GetDeliveryStatus, uow=uow)
    audience_size = providers.Factory(CountAudience, uow=uow)
    resend_failed = providers.Factory(ResendFailed, uow=uow, queue=job_queue)
    request_report = providers.Factory(RequestReport, uow=uow, queue=job_queue, clock=clock)
    get_report = providers.Factory(GetReport, uow=uow)
    download_report = providers.Factory(DownloadReport, uow=uow)

    # --- Editors ----------------------------------------------------------------------
    create_editor = providers.Factory(CreateEditor, uow=uow, clock=clock)
    authenticate_editor = providers.Factory(AuthenticateEditor, uow=uow)
    issue_api_token = providers.Factory(IssueApiToken, uow=uow, clock=clock)
    revoke_api_token = providers.Factory(RevokeApiToken, uow=uow, clock=clock)

    # --- Subscribers ------------------------------------------------------------------
    unsubscribe = providers.Factory(Unsubscribe, uow=uow, tokens=unsubscribe_tokens)


def build_container(settings: Settings) -> Container:
    """Wire the application; raise ConfigError now for settings that would fail later."""
    check_email_settings(settings)
    environment = inngest_environment(
        settings.deployment, enabled=settings.site.background_jobs.inngest.enabled
    )
    container = Container(deployment=settings.deployment, inngest_environment=environment)
    container.config.from_dict(settings.site.model_dump())
    return container


def bootstrap(
    environ: Mapping[str, str] | None = None, config_path: Path | None = None
) -> Container:
    """Load settings (ConfigError if invalid), set up logging and Sentry, build the container."""
    settings = load_settings(os.environ if environ is None else environ, config_path)
    container = build_container(settings)  # before any set-up: bad settings change nothing
    configure_logging()
    init_sentry(settings.deployment.sentry_dsn, environment=settings.deployment.oolvay_env)
    return container
