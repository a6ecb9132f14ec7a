"""How many bytes of request bodies the webhook holds in memory at once, over all requests.

A request takes its share (its ``Content-Length``, or the partner's limit when it
streams without one) before a byte of its body is read; a request that does not fit
is answered ``503`` at once and its body is never read. Without this, 300 slow 1 MB
uploads held 300 MB until they finished.

When the last body in flight is gone the process hands freed heap pages back to the
OS (glibc ``malloc_trim``): CPython frees the bodies, but glibc keeps the pages of a
fragmented heap, which left the RSS at 348 MB after such a burst had ended.
"""

from __future__ import annotations

import ctypes
import ctypes.util
from collections.abc import Callable

#: Trim after at least this many body bytes went through: the call walks the heap, so
#: a stream of small messages, each the only one in flight, must not trim every time.
TRIM_AFTER_BYTES = 4 * 1024 * 1024


def _malloc_trim() -> Callable[[], None]:
    """``malloc_trim(0)`` of glibc, or nothing where the C library has none (musl, macOS)."""
    name = ctypes.util.find_library("c")
    try:
        trim = ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        trim = None
    if trim is None:
        return lambda: None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int

    def call() -> None:
        trim(0)

    return call


class BodyBudget:
    """``limit`` bytes shared by the bodies in flight; ``take`` before reading one."""

    def __init__(self, limit: int, *, trim: Callable[[], None] | None = None) -> None:
        if limit <= 0:
            raise ValueError("the body budget must be positive")
        self.limit = limit
        self.held = 0
        self._trim = trim or _malloc_trim()
        self._taken_since_trim = 0

    def take(self, size: int) -> bool:
        """Reserve ``size`` bytes; False (nothing reserved) when they do not fit now."""
        if self.held + size > self.limit:
            return False
        self.held += size
        self._taken_since_trim += size
        return True

    def give(self, size: int) -> None:
        """Return what :meth:`take` reserved; trims the heap when nothing is held."""
        self.held -= size
        if self.held == 0 and self._taken_since_trim >= TRIM_AFTER_BYTES:
            self._taken_since_trim = 0
            self._trim()
