"""The rate limiter's ``memory://`` storage, without a thread per few requests.

The ``limits`` library's memory storage frees expired counts in a timer thread that ends 10 ms
after it starts, and starts a new one on the next count after that: under steady load a thread
start (and a wait for it to run) every few requests: 6 % of an entry POST's CPU time and about
8 % of its wall time, in-process. Here the same sweep runs in the request that counts, at most
once a second.

Nothing about the limits changes: every read of a count already drops it once expired (that is
the library's own ``get``); the sweep only frees the memory of keys nobody asks for again.
Defining the class registers it for ``memory://`` (the library keeps one class per scheme, and
the last one defined wins), so ``RATELIMIT_STORAGE_URI=memory://`` gets it.
"""

import time

from limits.storage import MemoryStorage

SWEEP_EVERY_S = 1.0


class SweptMemoryStorage(MemoryStorage):
    """``limits``' memory storage; expired keys are swept by a request, not by a thread."""

    STORAGE_SCHEME = ["memory"]

    def __init__(self, uri=None, wrap_exceptions=False, **options):
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.timer.cancel()  # the one the library starts at once
        self._next_sweep = time.monotonic() + SWEEP_EVERY_S

    def _MemoryStorage__schedule_expiry(self):  # noqa: N802 - the library's private hook
        """Called before each count: sweep when the last sweep is a second old."""
        now = time.monotonic()
        if now >= self._next_sweep:
            self._next_sweep = now + SWEEP_EVERY_S
            self._MemoryStorage__expire_events()

    def __setstate__(self, state):
        super().__setstate__(state)
        self.timer.cancel()
