"""The composition root: the only module that imports adapters and wires them together.

Entry points (the HTTP app, the command line) call ``bootstrap()`` and take what they need
from the container. Tests build a container per test and override single providers.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from dependency_injector import containers, providers

from oolvay.adapters.email.addresses import EmailValidatorAddresses
from oolvay.adapters.email.dkim import dkim_setup, dkim_signer
from oolvay.adapters.email.inbound import ReturnedMailHandler
from oolvay.adapters.email.mailbox import MailboxMailer
from oolvay.adapters.email.mime import Sender
from oolvay.adapters.email.smtp import SmtpMailer, SmtpServer
from oolvay.adapters.inline.queue import InlineJobQueue
from oolvay.adapters.inngest.environment import InngestEnvironment, inngest_environment
from oolvay.adapters.observability.logging import configure_logging
from oolvay.adapters.ratelimit.limiter import PyrateRateLimiter
from oolvay.adapters.ratelimit.storage import DatabaseRateLimitStorage, RedisRateLimitStorage
from oolvay.adapters.security.passwords import Argon2PasswordHasher
from oolvay.adapters.security.report_links import HmacReportLinks
from oolvay.adapters.security.return_paths import HmacReturnPaths
from oolvay.adapters.security.secret_key import MIN_SECRET_KEY_LENGTH, load_or_create_secret_key
from oolvay.adapters.security.tokens import HmacUserTokens
from oolvay.adapters.sentry.reporter import SentryErrorReporter, init_sentry, sentry_problems
from oolvay.adapters.sqlalchemy.bulk import insert_users
from oolvay.adapters.sqlalchemy.engine import create_database_engine, create_session_factory
from oolvay.adapters.sqlalchemy.retry import TransientErrorRetry
from oolvay.adapters.sqlalchemy.unit_of_work import SqlAlchemyUnitOfWork
from oolvay.adapters.system.clock import SystemClock
from oolvay.application.bounces import GetPostFeedback, ProcessReturnedMail
from oolvay.application.demo import SeedDemo
from oolvay.application.editors import (
    AuthenticateEditor,
    CreateEditor,
    IssueApiToken,
    ListApiTokens,
    ListEditors,
    RevokeApiToken,
)
from oolvay.application.jobs import GenerateReport, SendPostNotifications
from oolvay.application.ports import (
    EmailAddresses,
    Mailer,
    NotificationRenderer,
    PasswordHasher,
    RateLimiter,
    ReturnPaths,
    UnitOfWork,
    UserTokens,
)
from oolvay.application.posts import (
    CreatePost,
    DeleteDraft,
    GetPost,
    GetPublishedPost,
    ListPosts,
    UpdatePost,
)
from oolvay.application.publish_post import PublishPost
from oolvay.application.reports import (
    DownloadReport,
    GenerateReportHandler,
    GetReport,
    RequestReport,
)
from oolvay.application.sending.batch import SendBatch
from oolvay.application.sending.circuit import MailCircuit
from oolvay.application.sending.governor import MailGovernor, MailRates
from oolvay.application.sending.heartbeat import Heartbeats
from oolvay.application.sending.plan import PlanSend
from oolvay.application.sending.policy import SendingPolicy, wait_on_event
from oolvay.application.sending.resend import CancelSend, ResendNotSent
from oolvay.application.sending.run import SendPostNotificationsHandler
from oolvay.application.sending.status import CountAudience, GetSendStatus, ListFailed
from oolvay.application.sign_in import AuthenticateSession, SetEditorPassword, SignIn, SignOut
from oolvay.application.subscriber_admin import AddSubscriber, ListSubscribers, RemoveSubscriber
from oolvay.application.subscribers import ImportSubscribers
from oolvay.application.subscriptions import ConfirmSubscription, Subscribe
from oolvay.application.suppressions import ListSuppressed, ShowSubscriber, Unsuppress
from oolvay.application.unsubscribe import Unsubscribe
from oolvay.domain.bounces import BounceThresholds
from oolvay.domain.credentials import SessionPolicy
from oolvay.settings import (
    ConfigError,
    Deployment,
    Problem,
    Settings,
    load_settings,
    raise_for_errors,
)


def _deferred(module: str, name: str) -> Callable[..., Any]:
    """``module.name``, imported when first called.

    The Inngest SDK, Alembic and Jinja cost a command half a second to import; most
    commands, and every process with Inngest disabled, never call what needs them."""

    def call(*args: Any, **kwargs: Any) -> Any:
        return getattr(importlib.import_module(module), name)(*args, **kwargs)

    call.__name__ = call.__qualname__ = name
    return call


_INNGEST = "oolvay.adapters.inngest"
build_inngest_client = _deferred(f"{_INNGEST}.client", "build_inngest_client")
WorkerEnv = _deferred(f"{_INNGEST}.functions", "WorkerEnv")
batch_throttle = _deferred(f"{_INNGEST}.notification_workers", "batch_throttle")
InngestJobQueue = _deferred(f"{_INNGEST}.queue", "InngestJobQueue")
FailedDispatchRedispatcher = _deferred(f"{_INNGEST}.redispatch", "FailedDispatchRedispatcher")
build_functions = _deferred(f"{_INNGEST}.registry", "build_functions")
job_routes = _deferred(f"{_INNGEST}.registry", "job_routes")
InngestRoute = _deferred(f"{_INNGEST}.route", "InngestRoute")
DeadlineEventSender = _deferred(f"{_INNGEST}.sending", "DeadlineEventSender")
JinjaNotificationRenderer = _deferred(
    "oolvay.adapters.email.rendering", "JinjaNotificationRenderer"
)
database_problem = _deferred("oolvay.adapters.sqlalchemy.schema", "database_problem")
upgrade_problem = _deferred("oolvay.adapters.sqlalchemy.schema", "upgrade_problem")

DEV_SECRET_KEY_FILE = Path("var/secret_key")
MAKE_A_KEY = "python -c 'import secrets; print(secrets.token_urlsafe(48))'"
URL_UNSAFE = frozenset(' <>"`\\{}|^')
"""Characters a URL never holds unescaped (RFC 3986) and that break a link or a header."""
PLACEHOLDER_DOMAINS = ("example.com", "example.org", "example.net", "localhost", "test", "invalid")


def database_failure(error: BaseException) -> str | None:
    """What a database error says, for a person (no SQL, no parameters); None for others."""
    from oolvay.adapters.sqlalchemy.engine import describe_database_error

    return describe_database_error(error)


def queue_backend(inngest_enabled: bool) -> str:
    """The one place that turns ``background_jobs.inngest.enabled`` into a queue choice."""
    return "inngest" if inngest_enabled else "inline"


def mail_backend(smtp_url: str | None) -> str:
    """The one place that turns ``SMTP_URL`` into a mailer choice."""
    return "smtp" if smtp_url else "mailbox"


def verp_backend(verp: bool) -> str:
    """The one place that turns ``email.verp`` into a return path choice."""
    return "on" if verp else "off"


def rate_limit_backend(redis_url: str | None) -> str:
    """The one place that turns ``REDIS_URL`` into where rate limits are counted."""
    return "redis" if redis_url else "database"


def rate_limit_problems(deployment: Deployment) -> list[Problem]:
    if deployment.redis_url is None:
        return []
    scheme = urlsplit(deployment.redis_url).scheme
    if scheme in ("redis", "rediss", "unix"):
        return []
    return [
        Problem(
            "environment variable REDIS_URL",
            "not a redis://, rediss:// or unix:// address",
            "rate limits (sign-in throttling) are counted there",
            "fix the URL, e.g. redis://127.0.0.1:6379/0, or unset it to count in the database",
        )
    ]


def secret_key(deployment: Deployment, dev_key_file: Path) -> str:
    """``OOLVAY_SECRET_KEY``; outside production, a key made once and kept in a file."""
    if deployment.oolvay_secret_key:
        return deployment.oolvay_secret_key
    if deployment.is_production:
        raise ConfigError("OOLVAY_SECRET_KEY is not set")
    return load_or_create_secret_key(dev_key_file)


def email_problems(settings: Settings) -> list[Problem]:
    """What would otherwise fail only at the first email, or send mail that cannot work."""
    deployment, email = settings.deployment, settings.site.email
    problems = []
    if deployment.smtp_url:
        try:
            SmtpServer.from_url(deployment.smtp_url)
        except ValueError as error:
            problems.append(
                Problem(
                    "environment variable SMTP_URL",
                    str(error),
                    "no email could be sent",
                    "see the SMTP_URL forms in the README",
                )
            )
    elif deployment.is_production:
        problems.append(
            Problem(
                "environment variable SMTP_URL",
                "not set in production",
                "the local mailbox is for development: subscribers would get nothing",
                "set it, e.g. smtps://user:password@smtp.example.com",
            )
        )
    key = deployment.oolvay_secret_key
    if key is not None and len(key) < MIN_SECRET_KEY_LENGTH:
        problems.append(
            Problem(
                "environment variable OOLVAY_SECRET_KEY",
                f"shorter than {MIN_SECRET_KEY_LENGTH} characters",
                "a short key makes unsubscribe and confirmation links guessable",
                f"make one with: {MAKE_A_KEY}",
            )
        )
    elif key is None and deployment.is_production:
        problems.append(
            Problem(
                "environment variable OOLVAY_SECRET_KEY",
                "not set in production",
                "it signs unsubscribe and confirmation links; production needs its own",
                f"make one with: {MAKE_A_KEY}",
            )
        )
    problems.extend(_base_url_problems(deployment))
    problems.extend(dkim_setup(deployment, email.from_address).problems)
    domain = email.from_address.rpartition("@")[2]
    placeholder = any(domain == p or domain.endswith(f".{p}") for p in PLACEHOLDER_DOMAINS)
    if deployment.is_production and placeholder:
        problems.append(
            Problem(
                "email.from_address",
                f"{email.from_address} is a placeholder",
                "mail from a domain you do not own is rejected or lands in spam",
                "set an address of your own domain in config/site.toml "
                "or OOLVAY_EMAIL__FROM_ADDRESS",
            )
        )
    return problems


def _base_url_problems(deployment: Deployment) -> list[Problem]:
    setting = "environment variable OOLVAY_BASE_URL"
    why = "every link in every email starts with it"
    raw = deployment.oolvay_base_url
    # Checked before parsing: urlsplit silently drops line breaks and tabs.
    if any(character in URL_UNSAFE or not character.isprintable() for character in raw):
        return [
            Problem(
                setting,
                "contains a space, a line break, a control character, a quote or <>",
                why + " (and List-Unsubscribe puts it in a header between <>)",
                "write the bare URL, e.g. https://blog.example.com",
            )
        ]
    base_url = urlsplit(raw)
    if base_url.scheme not in ("http", "https") or not base_url.netloc:
        return [Problem(setting, "not an http:// or https:// address", why, "fix the URL")]
    if "?" in raw or "#" in raw:
        return [
            Problem(
                setting,
                "has a query (?) or a fragment (#)",
                "paths are appended to it, so every link would be broken",
                "keep only the scheme, host, port and path, e.g. https://blog.example.com/news",
            )
        ]
    if not deployment.oolvay_base_url.isascii():
        return [
            Problem(
                setting,
                "must be ASCII, since it goes into email headers",
                why,
                "write an international domain in its xn-- form",
            )
        ]
    if deployment.is_production and base_url.scheme != "https":
        return [
            Problem(
                setting,
                "production links must use https://",
                "one-click unsubscribe (RFC 8058) requires it",
                "use the https:// address of the site",
            )
        ]
    return []


class Container(containers.DeclarativeContainer):
    config = providers.Configuration(strict=True)
    deployment = providers.Dependency(instance_of=Deployment)

    clock = providers.Singleton(SystemClock)
    error_reporter = providers.Singleton(SentryErrorReporter)

    # --- Persistence ----------------------------------------------------------------
    db_engine = providers.Singleton(
        create_database_engine,
        deployment.provided.database_url,
        pool_size=providers.Callable(lambda n: max(5, n + 4), config.notifications.concurrency),
    )
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
    email_addresses: providers.Provider[EmailAddresses] = providers.Singleton(
        EmailValidatorAddresses
    )
    email_sender = providers.Singleton(
        Sender,
        address=config.email.from_address,
        name=config.email.from_name,
        reply_to=config.email.reply_to,
    )
    dkim_signer = providers.Singleton(dkim_signer, deployment, config.email.from_address)
    smtp_server = providers.Singleton(SmtpServer.from_url, deployment.provided.smtp_url)
    # A Singleton: its connection pool is shared by every batch of the process.
    smtp_mailer = providers.Singleton(
        SmtpMailer,
        server=smtp_server,
        sender=email_sender,
        clock=clock,
        timeout=config.email.smtp_timeout_seconds,
        signer=dkim_signer,
        max_connections=config.email.smtp_max_connections,
        idle_seconds=config.email.smtp_idle_seconds,
    )
    mailbox_mailer = providers.Singleton(
        MailboxMailer,
        directory=providers.Callable(Path, config.email.mailbox_dir),
        sender=email_sender,
        clock=clock,
        signer=dkim_signer,
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
    unsubscribe_tokens: providers.Provider[UserTokens] = providers.Singleton(
        HmacUserTokens, secret_key, purpose="unsubscribe"
    )
    confirm_tokens: providers.Provider[UserTokens] = providers.Singleton(
        HmacUserTokens, secret_key, purpose="confirm-subscription"
    )
    return_paths: providers.Provider[ReturnPaths] = providers.Singleton(
        HmacReturnPaths, secret_key, bounce_address=config.email.bounce_address_or_default
    )
    verp_return_paths = providers.Selector(
        providers.Callable(verp_backend, config.email.verp),
        on=return_paths,
        off=providers.Object(None),
    )
    report_links = providers.Singleton(
        HmacReportLinks,
        secret_key,
        base_url=deployment.provided.oolvay_base_url,
        lifetime=providers.Factory(timedelta, days=config.reports.download_link_days),
        clock=clock,
    )
    notification_renderer: providers.Provider[NotificationRenderer] = providers.Singleton(
        JinjaNotificationRenderer,
        base_url=deployment.provided.oolvay_base_url,
        tokens=unsubscribe_tokens,
        confirm_tokens=confirm_tokens,
        site_name=config.email.from_name,
        list_domain=email_sender.provided.domain,
        return_paths=verp_return_paths,
        report_links=report_links,
    )

    # --- Rate limits, shared by every process (the database, or Redis) -------------
    rate_limit_backend = providers.Callable(rate_limit_backend, deployment.provided.redis_url)
    rate_limit_storage = providers.Selector(
        rate_limit_backend,
        redis=providers.Singleton(RedisRateLimitStorage.from_url, deployment.provided.redis_url),
        database=providers.Singleton(DatabaseRateLimitStorage, db_engine, clock),
    )
    rate_limiter: providers.Provider[RateLimiter] = providers.Singleton(
        PyrateRateLimiter, storage=rate_limit_storage, clock=clock, reporter=error_reporter
    )

    # --- Sending: plan, batches, status, resend -------------------------------------
    sending_policy = providers.Singleton(
        SendingPolicy,
        batch_size=config.notifications.batch_size,
        concurrency=config.notifications.concurrency,
        heartbeat=providers.Factory(timedelta, seconds=config.notifications.heartbeat_seconds),
        claim_lease=providers.Factory(timedelta, seconds=config.notifications.claim_lease_seconds),
        inline_wait=providers.Factory(timedelta, seconds=config.notifications.inline_wait_seconds),
    )
    # One per process: a thread renewing every lease its batches hold; and what every batch
    # knows of the mail server being unavailable.
    heartbeats = providers.Singleton(
        Heartbeats,
        new_uow=uow.provider,
        clock=clock,
        interval=config.notifications.heartbeat_seconds,
        retry=transaction_retry,
    )
    mail_circuit = providers.Singleton(MailCircuit, clock)
    mail_governor = providers.Singleton(
        MailGovernor,
        limiter=rate_limiter,
        rates=providers.Factory(
            MailRates,
            per_second=config.email.max_messages_per_second,
            per_minute=config.email.max_messages_per_minute,
            per_hour=config.email.max_messages_per_hour,
            per_day=config.email.max_messages_per_day,
        ),
        clock=clock,
        sleep=providers.Object(wait_on_event),
    )
    bounce_thresholds = providers.Singleton(
        BounceThresholds,
        unknown_user=config.email.bounce_threshold_unknown_user,
        other=config.email.bounce_threshold,
    )
    plan_send = providers.Factory(
        PlanSend, new_uow=uow.provider, clock=clock, policy=sending_policy, retry=transaction_retry
    )
    send_batch = providers.Factory(
        SendBatch,
        new_uow=uow.provider,
        mailer=mailer,
        renderer=notification_renderer,
        clock=clock,
        policy=sending_policy,
        heartbeats=heartbeats,
        circuit=mail_circuit,
        governor=mail_governor,
        thresholds=bounce_thresholds,
        retry=transaction_retry,
    )
    send_status = providers.Factory(
        GetSendStatus, new_uow=uow.provider, clock=clock, policy=sending_policy
    )
    send_post_notifications = providers.Factory(
        SendPostNotificationsHandler,
        plan=plan_send,
        batch=send_batch,
        status=send_status,
        policy=sending_policy,
        clock=clock,
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
        InngestJobQueue,
        send=inngest_event_sender,
        reporter=error_reporter,
        uow=uow,
        clock=clock,
        routes=providers.Callable(job_routes),
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
            plan_send=plan_send.provider,
            send_batch=send_batch.provider,
            concurrency=config.notifications.concurrency,
            throttle=providers.Callable(
                batch_throttle,
                config.email.max_messages_per_second,
                config.notifications.batch_size,
            ),
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
            worker_threads=providers.Callable(lambda n: n + 4, config.notifications.concurrency),
        ),
    )

    publish_post = providers.Factory(PublishPost, uow=uow, queue=job_queue, clock=clock)
    create_post = providers.Factory(CreatePost, uow=uow, clock=clock)
    update_post = providers.Factory(UpdatePost, uow=uow)
    get_post = providers.Factory(GetPost, uow=uow)
    get_published_post = providers.Factory(GetPublishedPost, uow=uow)
    list_posts = providers.Factory(ListPosts, uow=uow)
    delete_draft = providers.Factory(DeleteDraft, uow=uow)
    audience_size = providers.Factory(CountAudience, uow=uow)
    list_failed = providers.Factory(ListFailed, new_uow=uow.provider)
    resend = providers.Factory(
        ResendNotSent,
        new_uow=uow.provider,
        queue=job_queue,
        clock=clock,
        policy=sending_policy,
        retry=transaction_retry,
    )
    cancel_send = providers.Factory(
        CancelSend, new_uow=uow.provider, clock=clock, retry=transaction_retry
    )
    request_report = providers.Factory(RequestReport, uow=uow, queue=job_queue, clock=clock)
    get_report = providers.Factory(GetReport, uow=uow)
    download_report = providers.Factory(DownloadReport, uow=uow)

    # --- Editors ----------------------------------------------------------------------
    create_editor = providers.Factory(CreateEditor, uow=uow, clock=clock, addresses=email_addresses)
    authenticate_editor = providers.Factory(AuthenticateEditor, uow=uow)
    issue_api_token = providers.Factory(IssueApiToken, uow=uow, clock=clock)
    revoke_api_token = providers.Factory(RevokeApiToken, uow=uow, clock=clock)
    list_api_tokens = providers.Factory(ListApiTokens, uow=uow)
    list_editors = providers.Factory(ListEditors, uow=uow)

    password_hasher: providers.Provider[PasswordHasher] = providers.Singleton(Argon2PasswordHasher)
    session_policy = providers.Factory(
        SessionPolicy,
        idle=providers.Factory(timedelta, hours=config.editors.session_idle_hours),
        max_age=providers.Factory(timedelta, days=config.editors.session_max_age_days),
    )
    set_editor_password = providers.Factory(
        SetEditorPassword, uow=uow, hasher=password_hasher, clock=clock
    )
    sign_in = providers.Factory(
        SignIn,
        uow=uow,
        hasher=password_hasher,
        limiter=rate_limiter,
        clock=clock,
        policy=session_policy,
    )
    authenticate_session = providers.Factory(
        AuthenticateSession, uow=uow, clock=clock, policy=session_policy
    )
    sign_out = providers.Factory(SignOut, uow=uow)

    # --- Subscribers ------------------------------------------------------------------
    unsubscribe = providers.Factory(Unsubscribe, uow=uow, tokens=unsubscribe_tokens)
    subscribe = providers.Factory(
        Subscribe,
        uow=uow,
        mailer=mailer,
        renderer=notification_renderer,
        clock=clock,
        addresses=email_addresses,
    )
    confirm_subscription = providers.Factory(ConfirmSubscription, uow=uow, tokens=confirm_tokens)
    import_subscribers = providers.Factory(
        ImportSubscribers, uow=uow, clock=clock, addresses=email_addresses
    )
    list_subscribers = providers.Factory(ListSubscribers, uow=uow)
    add_subscriber = providers.Factory(
        AddSubscriber, uow=uow, clock=clock, addresses=email_addresses
    )
    remove_subscriber = providers.Factory(RemoveSubscriber, uow=uow)
    seed_demo = providers.Factory(
        SeedDemo, uow=uow, clock=clock, addresses=email_addresses, hasher=password_hasher
    )

    # --- Bounces, complaints and suppressions ---------------------------------------
    process_returned_mail = providers.Factory(
        ProcessReturnedMail, uow=uow, return_paths=return_paths, clock=clock
    )
    returned_mail_handler = providers.Factory(
        ReturnedMailHandler, new_process=process_returned_mail.provider
    )
    post_feedback = providers.Factory(GetPostFeedback, uow=uow)
    show_subscriber = providers.Factory(ShowSubscriber, uow=uow, addresses=email_addresses)
    list_suppressed = providers.Factory(ListSuppressed, uow=uow)
    unsuppress = providers.Factory(Unsuppress, uow=uow, addresses=email_addresses)


def build_container(settings: Settings) -> Container:
    """Wire the application; raise ConfigError now for settings that would fail later."""
    raise_for_errors(email_problems(settings), "invalid email settings")
    raise_for_errors(sentry_problems(settings.deployment.sentry_dsn), "invalid Sentry settings")
    raise_for_errors(rate_limit_problems(settings.deployment), "invalid rate limit settings")
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
