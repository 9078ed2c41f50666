"""The kinds of record a patient writes, one definition each, and the one service for all.

Add a kind: its model and migration, a module here defining its ``RecordKind``, and a line in
``KINDS``; the API routes, the form glue, the backup and the OpenAPI document follow from it.
"""

from .entry import ENTRY
from .kind import Field, RecordKind
from .session import SESSION

KINDS = (ENTRY, SESSION)

__all__ = ["ENTRY", "KINDS", "SESSION", "Field", "RecordKind"]
