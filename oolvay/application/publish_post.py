"""PublishPost: publish a draft, then ask the queue to notify its subscribers."""

from __future__ import annotations

import attrs

from oolvay.application.jobs import SendPostNotifications
from oolvay.application.ports import Clock, Dispatch, JobQueue, UnitOfWork
from oolvay.domain.errors import PostNotFound
from oolvay.domain.ids import PostId
from oolvay.domain.posts import Post


@attrs.frozen
class PublishResult:
    post: Post
    dispatch: Dispatch | None
    """What the queue did with the notification job; None when the post sends nothing."""


@attrs.frozen
class PublishPost:
    uow: UnitOfWork
    queue: JobQueue
    clock: Clock

    def __call__(self, post_id: PostId) -> PublishResult:
        with self.uow:
            post = self.uow.posts.get(post_id)
            if post is None:
                raise PostNotFound(post_id)
            post.publish(self.clock.now())
            self.uow.posts.update(post)
            self.uow.commit()
        # Only after the commit: a worker must never see a job for an unpublished post.
        dispatch = None
        if post.notifies_by_email:
            job = SendPostNotifications(post_id=post.id, notification_type=post.notification_type)
            dispatch = self.queue.enqueue(job)
        return PublishResult(post=post, dispatch=dispatch)
