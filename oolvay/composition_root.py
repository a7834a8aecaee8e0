"""The composition root: the only module that imports adapters and wires them together.

Entry points (the HTTP app, the command line) call ``bootstrap()`` and take what they need
from the container. Tests build a container per test and override single providers.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import inngest
from dependency_injector import containers, providers

from oolvay.adapters.email.mailbox import MailboxMailer
from oolvay.adapters.email.mime import Sender
from oolvay.adapters.email.rendering import JinjaNotificationRenderer
from oolvay.adapters.email.smtp import SmtpMailer, SmtpServer
from oolvay.adapters.inline.queue import InlineJobQueue
from oolvay.adapters.inngest.queue import InngestJobQueue
from oolvay.adapters.observability.logging import configure_logging
from oolvay.adapters.security.secret_key import MIN_SECRET_KEY_LENGTH, load_or_create_secret_key
from oolvay.adapters.security.tokens import HmacUserTokens
from oolvay.adapters.sentry.reporter import SentryErrorReporter, init_sentry
from oolvay.adapters.system.clock import SystemClock
from oolvay.application.jobs import SendPostNotifications
from oolvay.application.ports import Mailer, NotificationRenderer, UnitOfWork, UnsubscribeTokens
from oolvay.application.publish_post import PublishPost
from oolvay.application.send_post_notifications import SendPostNotificationsHandler
from oolvay.application.unsubscribe import Unsubscribe
from oolvay.settings import ConfigError, Deployment, Settings, load_settings

DEV_SECRET_KEY_FILE = Path("var/secret_key")
MAKE_A_KEY = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
PLACEHOLDER_DOMAINS = ("example.com", "example.org", "example.net", "localhost", "test", "invalid")


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
    uow: providers.Provider[UnitOfWork] = providers.Dependency()

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
    unsubscribe = providers.Factory(Unsubscribe, uow=uow, tokens=unsubscribe_tokens)


def build_container(settings: Settings) -> Container:
    check_email_settings(settings)
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
