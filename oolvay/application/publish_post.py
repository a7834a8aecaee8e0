"""PublishPost: publish a draft, then ask the queue to notify its subscribers."""

from __future__ import annotations

import attrs

from oolvay.application.dispatch import Dispatch
from oolvay.application.jobs import SendPostNotifications
from oolvay.application.ports import Clock, JobQueue, UnitOfWork
from oolvay.domain.errors import PostNotFound
from oolvay.domain.ids import PostId
from oolvay.domain.posts import Post
from oolvay.domain.sends import Send


@attrs.frozen
class PublishResult:
    post: Post
    send: Send | None
    """The post's email send, as created by the publish; None when it sends no email."""
    dispatch: Dispatch | None
    """What the queue did with the notification job; None when the post sends no email."""


@attrs.frozen
class PublishPost:
    """The publish and its send record commit together (one row, whatever the audience):
    a send that never gets planned stays visible as such, and a resend plans it."""

    uow: UnitOfWork
    queue: JobQueue
    clock: Clock

    def __call__(self, post_id: PostId) -> PublishResult:
        with self.uow:
            post = self.uow.posts.get(post_id)
            if post is None:
                raise PostNotFound(post_id)
            now = self.clock.now()
            post.publish(now)
            self.uow.posts.update(post)
            send = Send.new(post.id, now=now) if post.notifies_by_email else None
            if send is not None:
                self.uow.sends.add(send)
            self.uow.commit()
        if send is None:
            return PublishResult(post=post, send=None, dispatch=None)
        # Only after the commit: a worker must never see a job for an unpublished post.
        job = SendPostNotifications(post_id=post.id, notification_type=post.notification_type)
        return PublishResult(post=post, send=send, dispatch=self.queue.enqueue(job))
