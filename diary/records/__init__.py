"""The kinds of record a patient writes, one definition each, and the one service for all.

Add a kind: its model and migration, a module here defining its ``RecordKind``, and a line in
``KINDS``; the API routes, the form glue, the backup and the OpenAPI document follow from it.
"""

from .entry import ENTRY
from .kind import Field, RecordKind
from .response import RESPONSE
from .session import SESSION

KINDS = (ENTRY, SESSION, RESPONSE)

__all__ = ["ENTRY", "KINDS", "RESPONSE", "SESSION", "Field", "RecordKind"]
