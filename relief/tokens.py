"""API tokens that expire and can be revoked.

A token is DRF's ``authtoken.Token`` (one per user, with its ``created`` time). It is accepted
for ``API_TOKEN_TTL_HOURS`` after it was issued, never longer: unlike a browser session it is
not refreshed by use, so a leaked token stops working by itself. The user revokes their own
token (``DELETE /api/token/``); an administrator revokes anyone's on the user page.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from drf_spectacular.authentication import SessionScheme
from rest_framework.authentication import (
    SessionAuthentication,
    TokenAuthentication,
    get_authorization_header,
)
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from relief.models import User


def token_ttl() -> datetime.timedelta:
    return datetime.timedelta(hours=settings.API_TOKEN_TTL_HOURS)


def token_expires_at(token: Token) -> datetime.datetime:
    return token.created + token_ttl()


def token_is_expired(token: Token, *, now: datetime.datetime | None = None) -> bool:
    return (now or timezone.now()) >= token_expires_at(token)


class ExpiringTokenAuthentication(TokenAuthentication):
    """``Authorization: Token <key>``, refused once the token is older than the TTL."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_is_expired(token):
            token.delete()
            raise AuthenticationFailed("接口令牌已过期，请重新获取")
        return user, token


class TokenAwareSessionAuthentication(SessionAuthentication):
    """The browser session, listed first. DRF takes the ``WWW-Authenticate`` header (and so
    401 rather than 403) from the first authentication class only; a session has none, so a
    request that presented a token which turned out expired, revoked or unknown would answer
    403. When the request carries ``Authorization: Token …`` the challenge is the token's, so
    the client learns to fetch a new token (401 + ``WWW-Authenticate: Token``); a request with
    no credentials keeps its 403."""

    def authenticate_header(self, request):
        auth = get_authorization_header(request).split()
        if auth and auth[0].lower() == ExpiringTokenAuthentication.keyword.lower().encode():
            return ExpiringTokenAuthentication().authenticate_header(request)
        return None


class TokenAwareSessionScheme(SessionScheme):
    """The schema's cookie scheme for the session class above (drf-spectacular matches its
    session extension on the exact class only)."""

    target_class = "relief.tokens.TokenAwareSessionAuthentication"


@transaction.atomic
def token_issue(*, user: User) -> Token:
    """A fresh token for ``user``; any earlier token stops working."""
    Token.objects.filter(user=user).delete()
    return Token.objects.create(user=user)


@transaction.atomic
def token_get_or_issue(*, user: User) -> Token:
    """The user's token while it is valid, else a new one (what ``POST /api/token/`` returns)."""
    token = Token.objects.select_for_update().filter(user=user).first()
    if token is not None and not token_is_expired(token):
        return token
    return token_issue(user=user)


@transaction.atomic
def token_revoke(*, user: User) -> bool:
    """Delete the user's token; returns whether there was one."""
    deleted, _ = Token.objects.filter(user=user).delete()
    return bool(deleted)


def token_for(user: User) -> Token | None:
    return Token.objects.filter(user=user).first()
