"""The full JSON backup of a patient's diary, and restoring one (PRODUCT.md sections 6 and 8).

A restore checks the whole document before it writes anything: a broken, foreign or conflicting
file changes nothing. It is idempotent on ids, and keeps each record's times, local date and
version, so restoring into a new account gives back identical API objects.

Checking reads in transactions of their own (``read_alone``) and the rows are written in
batches of ``WRITE_BATCH``, each its own short transaction: on SQLite, whose write lock covers
the whole database, other patients' writes wait at most one batch, never for the check. Should
another request store one of the same ids meanwhile, the batches already written are taken out
again, so a restore still writes all or nothing (and restoring again is safe).
"""

import re
from dataclasses import dataclass, field
from datetime import timedelta
from functools import partial

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError

from ..core.database import read_alone
from ..core.extensions import db
from ..core.logs import log_event, log_success
from ..core.timeutil import iso_instant, local_date, local_today, parse_date, parse_instant, utcnow
from ..models import CustomTerm, counted, retag
from ..records import KINDS
from ..records import service as records
from ..validation import ValidationError, term_label, text_value
from ..vocabulary import BUILT_IN, CUSTOMISABLE
from . import terms

FORMAT = "pain-diary-backup"
VERSION = 1
KEY_PATTERN = re.compile(r"[a-z0-9_]{1,64}")
# Ids are looked up with one IN query per this many (well under SQLite's and PostgreSQL's
# parameter limits), so a five-year backup needs a single query.
ID_LOOKUP_CHUNK = 10_000
# Rows written per transaction: a few milliseconds of SQLite's write lock each.
WRITE_BATCH = 200
MAX_REPORTED_PROBLEMS = 50
# A restored version leaves room for a billion edits before the version column (a 32-bit
# integer on PostgreSQL) would overflow; a million edits of one entry is no diary.
MAX_VERSION = 1_000_000
REFUSED = _l("This backup cannot be restored; nothing was changed.")
TOO_MANY = _l("This backup holds more than one account can; nothing was changed.")
NOT_A_BACKUP = _l("This is not a pain diary backup; nothing was changed.")


class BackupConflict(Exception):
    """A record id in the backup is taken by other content, or by another patient."""

    def __init__(self, fields):
        super().__init__("conflict")
        self.fields = fields
        self.message = _l(
            "Some records in this backup clash with different records already stored under the "
            "same id; nothing was changed."
        )


@dataclass
class _Plan:
    """What a checked document will write."""

    key_maps: dict = field(default_factory=lambda: {name: {} for name in CUSTOMISABLE})
    new_terms: list = field(default_factory=list)
    rows: dict = field(default_factory=lambda: {kind: [] for kind in KINDS})


class _Problems:
    """The problems found in a document, one message per field path, up to a limit."""

    def __init__(self):
        self.fields = {}

    def add(self, path, message):
        """Note a problem at ``path`` (the first message per path wins)."""
        if len(self.fields) < MAX_REPORTED_PROBLEMS:
            self.fields.setdefault(path, message)

    def raise_if_any(self, message=REFUSED):
        """Raise ValidationError when anything was found."""
        if self.fields:
            raise ValidationError(self.fields, message)


def filename(user, now=None):
    """The backup's download name, dated in the patient's time zone."""
    return f"pain-diary-backup-{local_today(user.timezone, now).isoformat()}.json"


def export_backup(user, now=None):
    """The whole diary: profile, the patient's own words, entries, sessions and questionnaire
    responses in API shapes."""
    vocabulary = {category: [] for category in CUSTOMISABLE}
    for term in terms.custom_terms(user.id):
        vocabulary[term.category].append({"key": term.key, "label": term.label})
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": iso_instant(now or utcnow()),
        "profile": {
            "email": user.email,
            "display_name": user.display_name,
            "timezone": user.timezone,
        },
        "vocabulary": vocabulary,
        **{kind.plural: records.all_as_dicts(kind, user.id) for kind in KINDS},
    }


def restore_backup(user, document, now=None):
    """Restore a backup into ``user``'s diary; returns how many items were newly created.

    Raises ValidationError (nothing written) when any part of the document is wrong, and
    BackupConflict (nothing written) when an id is taken by other content.
    """
    now = now or utcnow()
    try:
        new_rows, plan = read_alone(lambda: _checked_rows(user, document, now))
    except (ValidationError, BackupConflict) as refused:
        log_event("restore_refused", user.id, reason=type(refused).__name__)
        raise
    _write(user, plan.new_terms, new_rows, now)
    counts = {
        **{kind.plural: len(rows) for kind, rows in new_rows.items()},
        "vocabulary": len(plan.new_terms),
    }
    log_success("restore", user.id, **counts)
    return counts


def _checked_rows(user, document, now):
    """The checked plan and the rows it adds, within the quotas (reads only)."""
    plan = check_document(user, document, now)
    new_rows = {kind: _new_rows(kind, user, plan.rows[kind]) for kind in KINDS}
    over, most = {}, records.MAX_PER_ACCOUNT
    for kind, rows in new_rows.items():
        total = records.count(kind, user.id) + len(rows) if rows else 0
        if total > most:
            over[kind.plural] = _(
                "would hold %(total)d; an account holds at most %(most)d", total=total, most=most
            )
    if over:
        raise ValidationError(over, TOO_MANY)
    return new_rows, plan


def _write(user, new_terms, new_rows, now):
    """Insert the new words and rows in short transactions; all or nothing (module docstring)."""
    written = {kind: [] for kind in KINDS}
    terms_written = False
    try:
        if new_terms:
            db.session.add_all(
                CustomTerm(
                    user_id=user.id, category=category, key=key, label=label, created_at=now
                )
                for category, key, label in new_terms
            )
            db.session.commit()
            terms_written = True
        for kind, rows in new_rows.items():
            for start in range(0, len(rows), WRITE_BATCH):
                batch = rows[start : start + WRITE_BATCH]
                db.session.execute(insert(kind.model), batch)
                # The bulk insert bypasses the flush that retags and counts.
                retag(db.session, user.id)
                counted(db.session, user.id, kind.model, len(batch))
                db.session.commit()
                written[kind].extend(row["id"] for row in batch)
    except IntegrityError:
        # Someone stored one of these ids (or words) in the meantime: take back what this
        # restore wrote, as for any conflict.
        db.session.rollback()
        _take_back(user, new_terms if terms_written else [], written)
        clash = {"id": _("was stored by another request just now; try again")}
        raise BackupConflict(clash) from None


def _take_back(user, new_terms, written):
    """Delete the rows and words a failed restore had already written."""
    for kind, ids in written.items():
        for start in range(0, len(ids), ID_LOOKUP_CHUNK):
            chunk = ids[start : start + ID_LOOKUP_CHUNK]
            model = kind.model
            gone = db.session.execute(
                delete(model).where(model.user_id == user.id, model.id.in_(chunk))
            ).rowcount
            counted(db.session, user.id, model, -gone)
            db.session.commit()
    for category, key, _label in new_terms:
        own_word = (CustomTerm.category == category) & (CustomTerm.key == key)
        db.session.execute(delete(CustomTerm).where(CustomTerm.user_id == user.id, own_word))
    if any(written.values()):
        retag(db.session, user.id)
    db.session.commit()


def check_document(user, document, now):
    """Check a whole backup against ``user``'s vocabulary; returns the plan or raises."""
    problems = _Problems()
    if not isinstance(document, dict):
        raise ValidationError(
            {"body": _("must be a JSON object")},
            NOT_A_BACKUP,
        )
    if document.get("format") != FORMAT:
        raise ValidationError(
            {"format": _("must be %(format)s", format=f'"{FORMAT}"')},
            NOT_A_BACKUP,
        )
    version = document.get("version")
    if isinstance(version, bool) or version != VERSION:
        raise ValidationError(
            {
                "version": _(
                    "must be %(version)d; this app cannot read backups of version %(found)s",
                    version=VERSION,
                    found=repr(version),
                )
            },
            _("This backup's version is not supported; nothing was changed."),
        )
    if "profile" in document and not isinstance(document["profile"], dict):
        problems.add("profile", _("must be an object"))
    plan = _Plan()
    vocabulary = terms.vocabulary_for(user.id)
    _check_vocabulary(document.get("vocabulary"), vocabulary, plan, problems)
    allowed = terms.allowed_keys(vocabulary)
    for category, key_map in plan.key_maps.items():
        allowed[category] |= set(key_map.values())
    for kind in KINDS:
        items = document.get(kind.plural)
        plan.rows[kind] = _check_records(
            kind, kind.plural, items, plan.key_maps, allowed, user, now, problems
        )
    problems.raise_if_any()
    return plan


def _check_vocabulary(backup_vocabulary, vocabulary, plan, problems):
    """Map each of the backup's own words onto this patient's (by label), planning new ones."""
    if backup_vocabulary is None:
        return
    if not isinstance(backup_vocabulary, dict):
        problems.add("vocabulary", _("must be an object with a list of {key, label} per category"))
        return
    # A custom key is unique per patient: a new one avoids every built-in key and every key the
    # patient has, or this backup adds, in any category.
    taken = terms.taken_keys(vocabulary)
    for category, items in backup_vocabulary.items():
        path = f"vocabulary.{category}"
        if category not in CUSTOMISABLE:
            message = _(
                "is not a list that takes own words: %(lists)s", lists=", ".join(CUSTOMISABLE)
            )
            problems.add(path, message)
            continue
        if not isinstance(items, list):
            problems.add(path, _("must be a list of {key, label}"))
            continue
        current = vocabulary[category]
        key_by_label = {item["label"].casefold(): item["key"] for item in current}
        own_words = sum(item["custom"] for item in current)
        for index, item in enumerate(items):
            item_path = f"{path}.{index}"
            if not isinstance(item, dict):
                problems.add(item_path, _("must be an object {key, label}"))
                continue
            key = item.get("key")
            if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
                message = _("must be 1-64 lower-case letters, digits or _")
                problems.add(f"{item_path}.key", message)
                continue
            if key in BUILT_IN[category]:
                # Mapping it would rewrite the entries' built-in key too: refuse, never guess.
                problems.add(f"{item_path}.key", _("is a built-in key"))
                continue
            if key in plan.key_maps[category]:
                problems.add(f"{item_path}.key", _("appears twice in this list"))
                continue
            try:
                label = term_label(item.get("label"))
            except ValueError as error:
                problems.add(f"{item_path}.label", str(error))
                continue
            known_key = key_by_label.get(label.casefold())
            if known_key is None:
                # Keep the backup's key when it is free, so a new account gets the same keys.
                known_key = key if key not in taken else terms.free_key(label, taken)
                taken.add(known_key)
                key_by_label[label.casefold()] = known_key
                plan.new_terms.append((category, known_key, label))
                own_words += 1
            plan.key_maps[category][key] = known_key
        if own_words > terms.MAX_CUSTOM_PER_CATEGORY:
            message = _(
                "would give more than %(most)d own words", most=terms.MAX_CUSTOM_PER_CATEGORY
            )
            problems.add(path, message)


def _check_records(kind, name, items, key_maps, allowed, user, now, problems):
    """Check every entry or session; returns ``(path, cleaned fields, row to store)`` each."""
    if items is None:
        return []
    if not isinstance(items, list):
        problems.add(name, _("must be a list"))
        return []
    most = records.MAX_PER_ACCOUNT  # of each kind, in one backup as in one account
    if len(items) > most:
        # Refused before checking a single item: the check is what costs.
        problem = _(
            "holds %(count)d; a backup holds at most %(most)d", count=len(items), most=most
        )
        raise ValidationError({name: problem}, TOO_MANY)
    keyed = [item for item in kind.fields if item.category]  # fields of vocabulary keys
    rows, seen = [], {}
    for index, item in enumerate(items):
        path = f"{name}.{index}"
        if not isinstance(item, dict):
            problems.add(path, _("must be an object"))
            continue
        # The backup's own keys may have become other keys in this patient's vocabulary.
        mapped = dict(item)
        for keys in keyed:
            if isinstance(item.get(keys.name), list):
                key_map = key_maps[keys.category]
                mapped[keys.name] = [
                    key_map.get(key, key) if isinstance(key, str) else key
                    for key in item[keys.name]
                ]
        try:
            cleaned = kind.clean(mapped, tz_name=user.timezone, vocabulary=allowed, now=now)
        except ValidationError as error:
            for field_name, message in error.fields.items():
                problems.add(f"{path}.{field_name}", message)
            continue
        row = _stored_fields(kind, item, cleaned, user, now, path, problems)
        if row is None:
            continue
        if row["id"] in seen:
            also = f"{name}.{seen[row['id']]}"
            problems.add(f"{path}.id", _("appears twice in this backup (also %(path)s)", path=also))
            continue
        seen[row["id"]] = index
        rows.append((path, cleaned, row))
    return rows


def _stored_fields(kind, item, cleaned, user, now, path, problems):
    """The row to insert: the cleaned fields plus the kept id, times, local date and version."""
    found = len(problems.fields)
    instant = cleaned[kind.time_field]
    if cleaned["id"] is None:
        problems.add(f"{path}.id", _("is required in a backup"))
    if instant is None:
        problems.add(f"{path}.{kind.time_field}", _("is required in a backup"))
    row_date = _optional(path, "local_date", item, _date_near(instant), problems)
    version = _optional(path, "version", item, _version, problems)
    created_at = _optional(path, "created_at", item, _instant, problems)
    updated_at = _optional(path, "updated_at", item, _instant, problems)
    try:
        derived = kind.derived(cleaned, item)
    except ValidationError as error:
        for name, message in error.fields.items():
            problems.add(f"{path}.{name}", message)
    kept = {
        name: _optional(path, name, item, partial(_text, limit=limit), problems)
        for name, (limit, _) in kind.readonly.items()
    }
    if len(problems.fields) > found:
        return None
    return {
        "id": cleaned["id"],
        "user_id": user.id,
        kind.time_field: instant,
        "local_date": row_date or local_date(instant, user.timezone),
        "version": version or 1,
        "created_at": created_at or now,
        "updated_at": updated_at or created_at or now,
        **{name: cleaned[name] for name in kind.field_names},
        **derived,
        **{name: value or "" for name, value in kept.items()},
    }


def _optional(path, name, item, check, problems):
    if item.get(name) is None:
        return None
    try:
        return check(item[name])
    except ValueError as error:
        problems.add(f"{path}.{name}", str(error))
        return None


def _date_near(instant):
    def check(value):
        day = parse_date(value)
        # Every time zone is within a day of UTC, so a local date further off is corrupt.
        if instant is not None and abs(day - instant.date()) > timedelta(days=1):
            raise ValueError(_("must be the date of the record's time in some time zone"))
        return day

    return check


def _text(value, limit):
    return text_value(value, limit)


def _version(value):
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_VERSION:
        raise ValueError(_("must be a whole number from 1 to %(most)d", most=MAX_VERSION))
    return value


def _instant(value):
    return parse_instant(value, "UTC")


def _new_rows(kind, user, planned):
    """The planned rows whose ids are not stored yet; raises BackupConflict for a clash."""
    stored = _stored_by_id(kind.model, [row["id"] for _, _, row in planned])
    clashes, new_rows = {}, []
    for path, cleaned, row in planned:
        existing = stored.get(row["id"])
        if existing is None:
            new_rows.append(row)
        elif existing.user_id != user.id:
            clashes[f"{path}.id"] = _("is taken")  # whose, this patient need not know
        elif not kind.same_content(existing, cleaned):
            clashes[f"{path}.id"] = _(
                "is used by a different record in your diary (edited since?)"
            )
    if clashes:
        raise BackupConflict(dict(list(clashes.items())[:MAX_REPORTED_PROBLEMS]))
    return new_rows


def _stored_by_id(model, ids):
    stored = {}
    for start in range(0, len(ids), ID_LOOKUP_CHUNK):
        chunk = ids[start : start + ID_LOOKUP_CHUNK]
        stored.update(
            (record.id, record)
            for record in db.session.scalars(select(model).where(model.id.in_(chunk)))
        )
    return stored
