"""Map page sessions: a random id in the cookie, its keyed hash in the ``sessions`` table.

A login opens a session bound to the key it was made with; the cookie carries only the random
id (``secrets.token_urlsafe``), the table only its HMAC-SHA256 under ``GRIDMAP_SECRET_KEY``, so
neither a reader of the database nor a holder of a key's hash can make a cookie. Logging out
deletes the row; revoking the key deletes its rows, and a revoked key's session is refused in
any case. Answers are cached like keys (``KeyVerifier``); a deletion notifies every worker.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from boundaries.errors import AuthenticationRequired
from gis_api.core.auth import Principal
from gis_api.schema.models import ApiKey, PageSession

SESSION_MAX_AGE = 12 * 3600
"""Seconds a session lasts after its login or its last renewal."""
SESSION_RENEW_AFTER = 3600
"""Seconds after which a session in use is extended (so a wall screen stays logged in)."""


class SessionStore:
    """Opens, checks, renews and ends page sessions, caching answers for ``ttl`` seconds."""

    def __init__(self, factory: sessionmaker[Session], *, secret: str, ttl: float = 30.0) -> None:
        self._factory = factory
        self._secret = secret.encode("utf-8")
        self._ttl = ttl
        # token -> (principal, session expiry as a wall-clock timestamp, cache expiry)
        self._cache: dict[str, tuple[Principal, float, float]] = {}
        self._lock = threading.Lock()

    def digest(self, token: str) -> str:
        """The stored form of a session id."""
        return hmac.new(self._secret, token.encode("utf-8"), hashlib.sha256).hexdigest()

    def clear(self) -> None:
        """Forget every cached answer (a session ended or a key changed somewhere)."""
        with self._lock:
            self._cache.clear()

    def open(self, principal: Principal) -> str:
        """Start a session for a verified key; returns the id for the cookie (never stored)."""
        token = secrets.token_urlsafe(32)
        with self._factory() as session, session.begin():
            session.execute(delete(PageSession).where(PageSession.expires_at < func.now()))
            session.add(
                PageSession(
                    token_hash=self.digest(token),
                    key_id=principal.key_id,
                    expires_at=func.now() + timedelta(seconds=SESSION_MAX_AGE),
                )
            )
        return token

    def verify(self, token: str) -> Principal:
        """The principal of a live session; ``AuthenticationRequired`` otherwise."""
        now = time.time()
        hit = self._cache.get(token)
        if hit is not None and hit[2] > time.monotonic() and hit[1] > now:
            return hit[0]
        found = self._load(token)
        if found is None:
            raise AuthenticationRequired("the session has ended or is not valid; log in again")
        principal, expires = found
        with self._lock:
            if len(self._cache) > 10_000:
                self._cache.clear()
            self._cache[token] = (principal, expires, time.monotonic() + self._ttl)
        return principal

    def renew(self, token: str) -> bool:
        """Extend a session in use once it is ``SESSION_RENEW_AFTER`` old; whether it was."""
        hit = self._cache.get(token)
        if hit is not None and hit[1] - time.time() > SESSION_MAX_AGE - SESSION_RENEW_AFTER:
            return False
        with self._factory() as session, session.begin():
            expires = session.scalar(
                update(PageSession)
                .where(
                    PageSession.token_hash == self.digest(token),
                    PageSession.expires_at > func.now(),
                    PageSession.expires_at
                    < func.now() + timedelta(seconds=SESSION_MAX_AGE - SESSION_RENEW_AFTER),
                )
                .values(expires_at=func.now() + timedelta(seconds=SESSION_MAX_AGE))
                .returning(PageSession.expires_at)
            )
        with self._lock:
            self._cache.pop(token, None)
        return expires is not None

    def end(self, token: str) -> None:
        """Log out: the session's row is deleted (and every worker forgets it)."""
        with self._factory() as session, session.begin():
            session.execute(delete(PageSession).where(PageSession.token_hash == self.digest(token)))
        with self._lock:
            self._cache.pop(token, None)

    def _load(self, token: str) -> tuple[Principal, float] | None:
        with self._factory() as session:
            row = session.execute(
                select(ApiKey, PageSession.expires_at)
                .join(PageSession, PageSession.key_id == ApiKey.id)
                .where(
                    PageSession.token_hash == self.digest(token),
                    PageSession.expires_at > func.now(),
                    ApiKey.revoked_at.is_(None),
                )
            ).first()
            if row is None:
                return None
            key, expires = row
            principal = Principal(
                key_id=key.id, prefix=key.prefix, role=key.role, jurisdiction=key.jurisdiction
            )
            return principal, expires.timestamp()
