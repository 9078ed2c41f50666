"""Trends served from a per-worker cache that a change to the patient's diary makes unreachable."""

import threading
from collections import OrderedDict

import orjson
from flask import current_app

from .query import load_trends


class TrendsCache:
    """This process's most recently used trends documents, keyed by patient, data tag and range.

    A patient's data tag changes with every change to their entries or sessions
    (``models.retag``), so a stale document is never found again: it just ages out.
    """

    def __init__(self, size):
        self.size = size
        self._items = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        """The cached item, or None."""
        with self._lock:
            item = self._items.get(key)
            if item is not None:
                self._items.move_to_end(key)
            return item

    def put(self, key, item):
        """Keep ``item``, dropping the least recently used beyond ``size``."""
        with self._lock:
            self._items[key] = item
            self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)


def trends_json(user, date_from, date_to):
    """The trends document as JSON bytes, computed once per state of the patient's diary.

    The cache keeps bytes, not the document: they take a tenth of the memory, and the garbage
    collector never has to walk them (a few dozen cached five-year documents as dicts would
    make every collection slower).
    """
    cache = current_app.extensions.get("diary.trends_cache")
    key = (user.id, user.data_tag, user.timezone, date_from, date_to)
    body = cache.get(key) if cache is not None else None
    if body is None:
        body = current_app.json.dumps(load_trends(user, date_from, date_to)).encode()
        if cache is not None:
            cache.put(key, body)
    return body


def trends_for(user, date_from, date_to):
    """The trends document (a fresh copy), computed once per state of the patient's diary."""
    if "diary.trends_cache" not in current_app.extensions:
        return load_trends(user, date_from, date_to)
    return orjson.loads(trends_json(user, date_from, date_to))
