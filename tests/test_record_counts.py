"""Each patient's entry and session counts stay equal to their rows through every kind of write
(the per-account quota reads them instead of counting rows on every write)."""

from helpers import backup_document, entry_body, new_id, session_body
from sqlalchemy import func, select

from diary.core.extensions import db
from diary.models import AcupunctureSession, Entry, User


def counts(app, email="pat@example.com"):
    """(kept entry_count, real entries, kept session_count, real sessions) of the patient."""
    with app.app_context():
        user = db.session.scalar(select(User).where(User.email == email))

        def real(model):
            query = select(func.count()).select_from(model).where(model.user_id == user.id)
            return db.session.scalar(query)

        return user.entry_count, real(Entry), user.session_count, real(AcupunctureSession)


def test_counts_follow_creates_replays_and_deletes(app, api, other_api):
    first = entry_body()
    assert api.post("/entries", first).status_code == 201
    assert api.post("/entries", first).status_code == 200  # a replay adds nothing
    assert api.post("/entries", entry_body()).status_code == 201
    assert api.post("/sessions", session_body()).status_code == 201
    assert other_api.post("/entries", first).status_code == 409  # another's id: nothing
    assert counts(app) == (2, 2, 1, 1)
    assert api.delete(f"/entries/{first['id']}").status_code == 204
    assert counts(app) == (1, 1, 1, 1)
    assert counts(app, "other@example.com") == (0, 0, 0, 0)


def test_counts_follow_a_restore_and_a_taken_back_restore(app, api, monkeypatch):
    from diary.services import backup

    entries = [entry_body(id=new_id()) for _ in range(5)]
    assert api.post("/import/backup", backup_document(entries[:3])).status_code == 200
    assert counts(app) == (3, 3, 0, 0)
    monkeypatch.setattr(backup, "WRITE_BATCH", 1)
    write = backup._write

    def racing_write(user, new_terms, new_rows, now):
        assert api.post("/entries", entries[-1]).status_code == 201  # stored meanwhile
        return write(user, new_terms, new_rows, now)

    monkeypatch.setattr(backup, "_write", racing_write)
    assert api.post("/import/backup", backup_document(entries)).status_code == 409
    assert counts(app) == (4, 4, 0, 0)


def test_a_plain_insert_keeps_the_loaded_patient_current(app, api):
    """``records.create`` writes with plain statements: the patient loaded in the session sees
    the new data tag and count at once (a second write in one session counts from them)."""
    from diary.records import KINDS
    from diary.records import service as records

    kinds = {kind.name: kind for kind in KINDS}
    with app.test_request_context(method="POST"):
        user = db.session.scalar(select(User).where(User.email == "pat@example.com"))
        tags = {user.data_tag}
        for body in (entry_body(), entry_body(id=new_id())):
            cleaned = kinds["entry"].clean(body, tz_name=user.timezone, vocabulary=_anything())
            assert records.create(kinds["entry"], user, cleaned)[1] is True
            tags.add(user.data_tag)
        assert user.entry_count == 2 and len(tags) == 3
        stored = db.session.execute(select(User.data_tag, User.entry_count)).one()
        assert tuple(stored) == (user.data_tag, 2)


def _anything():
    """A vocabulary that allows every key the test bodies use."""
    from diary.services import terms

    return terms.allowed_keys_for(0, {})
