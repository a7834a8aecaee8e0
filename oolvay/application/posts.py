"""Editors' post use cases: create, edit, read, list, delete drafts."""

from __future__ import annotations

import attrs

from oolvay.application.ports import Clock, UnitOfWork
from oolvay.domain.errors import OnlyDraftsCanBeDeleted, PostNotFound
from oolvay.domain.ids import PostId, UserId
from oolvay.domain.posts import NotificationType, Post, PostStatus


@attrs.frozen
class PostPage:
    posts: list[Post]
    total: int
    limit: int
    offset: int


@attrs.frozen
class CreatePost:
    uow: UnitOfWork
    clock: Clock

    def __call__(
        self,
        *,
        author_id: UserId,
        title: str,
        body: str,
        notification_type: NotificationType = NotificationType.EMAIL,
    ) -> Post:
        post = Post.draft(
            title=title,
            body=body,
            author_id=author_id,
            now=self.clock.now(),
            notification_type=notification_type,
        )
        with self.uow:
            self.uow.posts.add(post)
            self.uow.commit()
        return post


@attrs.frozen
class UpdatePost:
    uow: UnitOfWork

    def __call__(
        self,
        post_id: PostId,
        *,
        title: str | None = None,
        body: str | None = None,
        notification_type: NotificationType | None = None,
    ) -> Post:
        with self.uow:
            post = _existing(self.uow, post_id)
            post.edit(title=title, body=body, notification_type=notification_type)
            self.uow.posts.update(post)
            self.uow.commit()
        return post


@attrs.frozen
class GetPost:
    uow: UnitOfWork

    def __call__(self, post_id: PostId) -> Post:
        with self.uow:
            return _existing(self.uow, post_id)


@attrs.frozen
class GetPublishedPost:
    """What readers may see: a published post; drafts do not exist for them."""

    uow: UnitOfWork

    def __call__(self, post_id: PostId) -> Post:
        with self.uow:
            post = _existing(self.uow, post_id)
        if not post.is_published:
            raise PostNotFound(post_id)
        return post


@attrs.frozen
class ListPosts:
    uow: UnitOfWork

    def __call__(self, *, status: PostStatus | None, limit: int, offset: int) -> PostPage:
        with self.uow:
            posts = list(self.uow.posts.list(status=status, limit=limit, offset=offset))
            total = self.uow.posts.count(status=status)
        return PostPage(posts=posts, total=total, limit=limit, offset=offset)


@attrs.frozen
class DeleteDraft:
    uow: UnitOfWork

    def __call__(self, post_id: PostId) -> None:
        with self.uow:
            post = _existing(self.uow, post_id)
            if post.is_published:
                raise OnlyDraftsCanBeDeleted(post_id)
            self.uow.posts.delete(post_id)
            self.uow.commit()


def _existing(uow: UnitOfWork, post_id: PostId) -> Post:
    post = uow.posts.get(post_id)
    if post is None:
        raise PostNotFound(post_id)
    return post
