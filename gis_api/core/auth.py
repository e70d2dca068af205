"""API keys: creation, hashing, verification with a small cache, roles and jurisdiction.

A key is shown once, when it is made; the database keeps its SHA-256 hash (a key is 256 random
bits, so a fast hash is enough: there is nothing to brute-force). Each key has a role and a
jurisdiction, an area-code prefix ("" = everywhere, "510116" = a county, "510116001" = a town).
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from boundaries.codes import significant_prefix
from boundaries.errors import (
    AuthenticationRequired,
    InvalidInput,
    NotFound,
    PermissionDenied,
    ServiceUnavailable,
)
from gis_api.core.outage import database_unreachable
from gis_api.schema.models import ROLES, ApiKey, PageSession

log = logging.getLogger(__name__)

KEY_PREFIX = "gm_"

# What each role may do. "personal" is seeing personal data (leaders' phones, reporters).
PERMISSIONS: dict[str, frozenset[str]] = {
    "lookup": frozenset(ROLES),
    "read": frozenset({"admin", "planner", "dispatcher", "viewer"}),
    "personal": frozenset({"admin", "planner", "dispatcher"}),
    "import": frozenset({"admin", "planner"}),
    "plan": frozenset({"admin", "planner"}),
    "dispatch": frozenset({"admin", "dispatcher"}),
    "patrol": frozenset({"admin", "planner", "dispatcher"}),
    "admin": frozenset({"admin"}),
}

PERMISSION_WORDS = {
    "lookup": "look up points",
    "read": "read layers and maps",
    "personal": "see personal data",
    "import": "import data",
    "plan": "edit and publish grids",
    "dispatch": "handle incidents",
    "patrol": "compute patrol routes",
    "admin": "administer keys",
}


@dataclass(frozen=True)
class Principal:
    """Who is calling: a key's role and jurisdiction."""

    key_id: int
    prefix: str
    role: str
    jurisdiction: str

    def can(self, permission: str) -> bool:
        """Whether this role has ``permission`` (one of ``PERMISSIONS``)."""
        return self.role in PERMISSIONS[permission]

    def require(self, permission: str) -> None:
        """Raise ``PermissionDenied`` saying which roles may, when this one may not."""
        if not self.can(permission):
            allowed = ", ".join(sorted(PERMISSIONS[permission]))
            raise PermissionDenied(
                f"a key with role '{self.role}' may not {PERMISSION_WORDS[permission]}; "
                f"roles that may: {allowed}"
            )

    @property
    def personal(self) -> bool:
        """Whether personal fields (phones, reporters) may be shown to this caller."""
        return self.can("personal")

    def sees(self, code: str | None) -> bool:
        """Whether a feature with this area or grid code is inside the jurisdiction."""
        if not self.jurisdiction:
            return True
        return code is not None and code.startswith(self.jurisdiction)

    def sees_context(self, area_code: str) -> bool:
        """Whether an area may be named as context: inside the jurisdiction, or one of the
        areas that contain it (a town key may see the name of its own county).
        """
        return self.sees(area_code) or self.jurisdiction.startswith(significant_prefix(area_code))

    def check_area(self, code: str) -> None:
        """Raise ``PermissionDenied`` when ``code`` is outside the jurisdiction."""
        if not self.sees(code):
            # the code is not repeated: it may come from a stored object of another area
            raise PermissionDenied(
                f"the area is outside this key's jurisdiction ({self.jurisdiction})"
            )


def hash_key(key: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def normalise_jurisdiction(area: str | None) -> str:
    """Turn ``--area`` (a 12-digit code or a prefix of digits) into a code prefix."""
    if area is None or area == "":
        return ""
    area = area.strip()
    if not area.isdigit() or len(area) > 12:
        raise InvalidInput(f"area {area!r} must be digits: a 12-digit area code or a prefix of one")
    if len(area) == 12:
        return significant_prefix(area)
    return area


def create_key(
    session: Session, *, role: str, area: str | None = None, label: str | None = None
) -> tuple[ApiKey, str]:
    """Make a key; returns the stored row and the key itself (shown once, never stored)."""
    if role not in ROLES:
        raise InvalidInput(f"role was {role!r} but is expected to be one of {list(ROLES)}")
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(
        key_hash=hash_key(key),
        prefix=key[: len(KEY_PREFIX) + 8],
        role=role,
        jurisdiction=normalise_jurisdiction(area),
        label=label,
    )
    session.add(row)
    session.flush()
    return row, key


def revoke_key(session: Session, *, key: str) -> int:
    """Revoke a key given in full or by the prefix ``keys list`` shows; returns how many."""
    key = key.strip()
    if len(key) > 16:
        condition = ApiKey.key_hash == hash_key(key)
    else:
        condition = ApiKey.prefix == key
    revoked = session.scalars(
        update(ApiKey)
        .where(condition, ApiKey.revoked_at.is_(None))
        .values(revoked_at=datetime.now(UTC))
        .returning(ApiKey.id)
    ).all()
    count = len(revoked)
    if count == 0:
        raise NotFound(f"no active key matches {key[:16]!r}")
    if count > 1:
        raise InvalidInput(f"{count} keys share the prefix {key!r}; give the whole key")
    # the key's map sessions end with it (a revoked key's session is refused in any case)
    session.execute(delete(PageSession).where(PageSession.key_id.in_(revoked)))
    return count


def list_keys(session: Session) -> list[ApiKey]:
    """All keys, newest first (hashes only, never the keys)."""
    return list(session.scalars(select(ApiKey).order_by(ApiKey.id.desc())))


class KeyVerifier:
    """Checks keys against the database, remembering answers for ``ttl`` seconds.

    The cache keeps request handling off the database on the hot path. ``clear()`` is called
    when the database notifies a change of ``api_keys`` (a revocation), in every worker.

    While the database is unreachable, a key that verified within the last ``stale`` seconds
    is still accepted (so lookups go on answering from memory); any other key gets
    ``ServiceUnavailable``: whether it is valid cannot be known.
    """

    def __init__(
        self, factory: sessionmaker[Session], *, ttl: float = 30.0, stale: float = 3600.0
    ) -> None:
        self._factory = factory
        self._ttl = ttl
        self._stale = stale
        self._checked: dict[str, float] = {}  # digest -> when the database last confirmed it
        self._cache: dict[str, tuple[Principal | None, float]] = {}
        # the same answers keyed by the key itself, for the hot path (no hash per request);
        # only keys that verified are kept, so unknown keys cannot fill it
        self._by_key: dict[str, tuple[Principal, float]] = {}
        self._lock = threading.Lock()

    def clear(self) -> None:
        """Forget every cached answer."""
        with self._lock:
            self._cache.clear()
            self._by_key.clear()
            self._checked.clear()

    def verify(self, key: str | None) -> Principal:
        """The principal for ``key``; ``AuthenticationRequired`` if missing, unknown, revoked."""
        if not key:
            raise AuthenticationRequired(
                "this endpoint needs an API key: send it as 'X-API-Key: <key>' or "
                "'Authorization: Bearer <key>'"
            )
        hit = self._by_key.get(key)
        if hit is not None and hit[1] > time.monotonic():
            principal = hit[0]
        else:
            principal = self.verify_digest(hash_key(key))
            with self._lock:
                if len(self._by_key) > 10_000:
                    self._by_key.clear()
                self._by_key[key] = (principal, time.monotonic() + self._ttl)
        return principal

    def verify_digest(self, digest: str) -> Principal:
        """The principal for a key's hash."""
        now = time.monotonic()
        hit = self._cache.get(digest)
        if hit is not None and hit[1] > now:
            principal = hit[0]
        else:
            principal = self._load_or_stale(digest)
            with self._lock:
                if len(self._cache) > 10_000:
                    self._cache.clear()
                self._cache[digest] = (principal, now + self._ttl)
        if principal is None:
            raise AuthenticationRequired("the API key is not valid or has been revoked")
        return principal

    def _load_or_stale(self, digest: str) -> Principal | None:
        """``_load``; with the database unreachable, the last answer if recent enough."""
        try:
            principal = self._load(digest)
        except Exception as exc:
            if not database_unreachable(exc):
                raise
            hit = self._cache.get(digest)
            checked = self._checked.get(digest)
            if hit is None or hit[0] is None or checked is None:
                raise ServiceUnavailable(
                    "the database is unreachable, so this API key cannot be checked now; "
                    "retry later"
                ) from None
            if time.monotonic() - checked > self._stale:
                raise ServiceUnavailable(
                    "the database has been unreachable for too long to keep trusting this "
                    f"API key (it was last checked over {self._stale:.0f} s ago); retry later"
                ) from None
            log.warning("database unreachable; key %s accepted from its last check", hit[0].prefix)
            return hit[0]
        with self._lock:
            if len(self._checked) > 10_000:
                self._checked.clear()
            if principal is None:
                self._checked.pop(digest, None)
            else:
                self._checked[digest] = time.monotonic()
        return principal

    def _load(self, digest: str) -> Principal | None:
        with self._factory() as session:
            row = session.scalar(
                select(ApiKey).where(ApiKey.key_hash == digest, ApiKey.revoked_at.is_(None))
            )
            if row is None:
                return None
            return Principal(
                key_id=row.id, prefix=row.prefix, role=row.role, jurisdiction=row.jurisdiction
            )
