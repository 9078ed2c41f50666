"""Share links for practitioners: capability URLs whose tokens are never stored.

A token is 256 random bits (``secrets``); only its SHA-256 hex digest is kept, so a copy of the
database cannot open any report. Unknown, expired and revoked tokens are answered alike.
"""

import hashlib
import secrets
import uuid
from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update

from ..core.extensions import db
from ..core.logs import log_success
from ..core.timeutil import iso_instant, utcnow
from ..models import ShareLink
from ..validation import LIMITS, FieldErrors, not_an_object, text_value

TOKEN_BYTES = 32  # 256 bits
DEFAULT_DAYS, MAX_DAYS = 30, 365
_MISSING_DIGEST = "0" * 64


def token_digest(token):
    """The SHA-256 hex digest of a token string (what the database keeps)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def new_token():
    """A fresh URL-safe token of 256 random bits."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def _expiry_days(value):
    if value is None:
        return DEFAULT_DAYS
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_DAYS:
        raise ValueError(_("must be a whole number of days from 1 to %(most)d", most=MAX_DAYS))
    return value


def _flag(value):
    if value is None:
        return False
    if not isinstance(value, bool):
        raise ValueError(_("must be true or false"))
    return value


def clean_share(data):
    """Check a new link's ``label``, ``expires_in_days`` (1-365, 30) and ``include_notes``."""
    if not isinstance(data, dict):
        raise not_an_object()
    errors = FieldErrors()
    cleaned = {
        "label": errors.run("label", text_value, data.get("label"), LIMITS["label"]),
        "expires_in_days": errors.run("expires_in_days", _expiry_days, data.get("expires_in_days")),
        "include_notes": errors.run("include_notes", _flag, data.get("include_notes")),
    }
    errors.raise_if_any()
    return cleaned


def create_share(user_id, label, expires_in_days, include_notes, now=None):
    """Store a new link; returns ``(link, token)``: the token exists only in this answer."""
    now = now or utcnow()
    token = new_token()
    link = ShareLink(
        id=str(uuid.uuid4()),
        user_id=user_id,
        token_hash=token_digest(token),
        label=label,
        include_notes=include_notes,
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days),
        view_count=0,
    )
    db.session.add(link)
    db.session.commit()
    log_success("share_created", user_id, days=expires_in_days, include_notes=include_notes)
    return link, token


def shares_of(user_id):
    """The patient's links, newest first."""
    return db.session.scalars(
        select(ShareLink)
        .where(ShareLink.user_id == user_id)
        .order_by(ShareLink.created_at.desc(), ShareLink.id)
    ).all()


def get_share(user_id, share_id):
    """One of the patient's links, or None (another patient's link is None too)."""
    try:
        share_id = str(uuid.UUID(share_id))
    except (ValueError, TypeError, AttributeError):
        return None
    link = db.session.get(ShareLink, share_id)
    return link if link is not None and link.user_id == user_id else None


def revoke(link, now=None):
    """Cut a link off at once (revoking twice keeps the first time)."""
    if link.revoked_at is None:
        link.revoked_at = now or utcnow()
        db.session.commit()
        log_success("share_revoked", link.user_id)


def is_active(link, now=None):
    """Whether a link still opens its report."""
    now = now or utcnow()
    return link.revoked_at is None and link.expires_at > now


def status(link, now=None):
    """``active``, ``expired`` or ``revoked``, for the patient's list."""
    if link.revoked_at is not None:
        return "revoked"
    return "active" if is_active(link, now) else "expired"


def find_active(token, now=None):
    """The live link for ``token``, or None; one lookup by digest whatever the answer (a token
    never meets the database, and finding the row is finding the match)."""
    digest = token_digest(token) if isinstance(token, str) and len(token) <= 128 else None
    link = db.session.scalar(
        select(ShareLink).where(ShareLink.token_hash == (digest or _MISSING_DIGEST))
    )
    if link is None or not is_active(link, now):
        return None
    return link


def record_view(link, now=None):
    """Count one opening of the report, atomically (no lost counts between workers)."""
    now = now or utcnow()
    # End the read transaction first: on SQLite a read that turns into a write cannot wait for
    # another writer (it fails at once with "database is locked"); a fresh write does wait.
    db.session.commit()
    db.session.execute(
        update(ShareLink)
        .where(ShareLink.id == link.id)
        .values(view_count=ShareLink.view_count + 1, last_viewed_at=now)
    )
    db.session.commit()


def share_to_dict(link):
    """A link in the shape of GET /api/v1/shares."""
    return {
        "id": link.id,
        "label": link.label,
        "created_at": iso_instant(link.created_at),
        "expires_at": iso_instant(link.expires_at),
        "revoked_at": iso_instant(link.revoked_at),
        "include_notes": link.include_notes,
        "view_count": link.view_count,
        "last_viewed_at": iso_instant(link.last_viewed_at),
    }


def created_to_dict(link, token, url):
    """A new link in the shape of POST /api/v1/shares (the only answer with the token)."""
    return {
        "id": link.id,
        "label": link.label,
        "url": url,
        "token": token,
        "expires_at": iso_instant(link.expires_at),
        "include_notes": link.include_notes,
        "created_at": iso_instant(link.created_at),
    }
