"""FastAPI dependencies: use cases from the container, and the authenticated editor."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, TypeVar

from dependency_injector import providers
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from oolvay.adapters.security.report_links import HmacReportLinks
from oolvay.application.editors import (
    AuthenticateEditor,
    IssueApiToken,
    ListApiTokens,
    RevokeApiToken,
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
from oolvay.application.reports import DownloadReport, GetReport, RequestReport
from oolvay.application.sending.resend import CancelSend, ResendNotSent
from oolvay.application.sending.status import GetSendStatus, ListFailed
from oolvay.application.sign_in import SignIn, SignOut
from oolvay.application.subscriber_admin import AddSubscriber, RemoveSubscriber
from oolvay.application.subscribers import ImportSubscribers
from oolvay.application.subscriptions import ConfirmSubscription, Subscribe
from oolvay.application.suppressions import ListSuppressed, Unsuppress
from oolvay.application.unsubscribe import Unsubscribe
from oolvay.composition_root import Container
from oolvay.domain.users import User

T = TypeVar("T")


def container_of(request: Request) -> Container:
    container: Container = request.app.state.container
    return container


def provided(select: Callable[[Container], providers.Provider[T]]) -> Any:
    """``Depends`` on a provider of the app's container, resolved per request."""

    def dependency(request: Request) -> T:
        return select(container_of(request))()

    return Depends(dependency)


bearer = HTTPBearer(auto_error=False, description="A personal API token (`oolvay editors create`).")


def current_editor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> User:
    authenticate: AuthenticateEditor = container_of(request).authenticate_editor()
    return authenticate(credentials.credentials if credentials else None)


Editor = Annotated[User, Depends(current_editor)]
CreatePostDep = Annotated[CreatePost, provided(lambda c: c.create_post)]
UpdatePostDep = Annotated[UpdatePost, provided(lambda c: c.update_post)]
GetPostDep = Annotated[GetPost, provided(lambda c: c.get_post)]
GetPublishedPostDep = Annotated[GetPublishedPost, provided(lambda c: c.get_published_post)]
ListPostsDep = Annotated[ListPosts, provided(lambda c: c.list_posts)]
DeleteDraftDep = Annotated[DeleteDraft, provided(lambda c: c.delete_draft)]
PublishPostDep = Annotated[PublishPost, provided(lambda c: c.publish_post)]
SendStatusDep = Annotated[GetSendStatus, provided(lambda c: c.send_status)]
ListFailedDep = Annotated[ListFailed, provided(lambda c: c.list_failed)]
ResendDep = Annotated[ResendNotSent, provided(lambda c: c.resend)]
CancelSendDep = Annotated[CancelSend, provided(lambda c: c.cancel_send)]
IssueTokenDep = Annotated[IssueApiToken, provided(lambda c: c.issue_api_token)]
RevokeTokenDep = Annotated[RevokeApiToken, provided(lambda c: c.revoke_api_token)]
ListTokensDep = Annotated[ListApiTokens, provided(lambda c: c.list_api_tokens)]
RequestReportDep = Annotated[RequestReport, provided(lambda c: c.request_report)]
GetReportDep = Annotated[GetReport, provided(lambda c: c.get_report)]
DownloadReportDep = Annotated[DownloadReport, provided(lambda c: c.download_report)]
ReportLinksDep = Annotated[HmacReportLinks, provided(lambda c: c.report_links)]
SubscribeDep = Annotated[Subscribe, provided(lambda c: c.subscribe)]
ConfirmDep = Annotated[ConfirmSubscription, provided(lambda c: c.confirm_subscription)]
UnsubscribeDep = Annotated[Unsubscribe, provided(lambda c: c.unsubscribe)]
ListSuppressedDep = Annotated[ListSuppressed, provided(lambda c: c.list_suppressed)]
UnsuppressDep = Annotated[Unsuppress, provided(lambda c: c.unsuppress)]
SignInDep = Annotated[SignIn, provided(lambda c: c.sign_in)]
SignOutDep = Annotated[SignOut, provided(lambda c: c.sign_out)]
AddSubscriberDep = Annotated[AddSubscriber, provided(lambda c: c.add_subscriber)]
RemoveSubscriberDep = Annotated[RemoveSubscriber, provided(lambda c: c.remove_subscriber)]
ImportSubscribersDep = Annotated[ImportSubscribers, provided(lambda c: c.import_subscribers)]
