"""What every public request reads and almost nothing writes, kept in each process.

A `ProcessCache` keeps the values a process built (an organisation by its slug, its webhook
subscriptions, a jurisdiction's calendar) until its generation changes. The generation
lives in Django's shared cache: a save or delete bumps it once committed, and the process
that made the change forgets at once. Every other process looks at the generation at
most once a second, so a change reaches every web and worker process within a second,
while an intake pays for no read at all. If the cache cannot be read, nothing is kept:
each use builds afresh rather than count on a stale copy.
"""

import logging
import threading
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import transaction

logger = logging.getLogger(__name__)


class ProcessCache:
    def __init__(self, name: str, recheck_seconds: float = 1.0):
        self.key = f"orgs:generation:{name}"
        self.recheck_seconds = recheck_seconds
        self._values: dict[Any, Any] = {}
        self._generation: str | None = None
        self._checked_at = float("-inf")
        self._lock = threading.Lock()

    def get(self, name, build: Callable[[], Any]):
        """The value kept under `name`, built by `build()` if this generation has none."""
        generation = self._current_generation()
        if generation is None:  # the cache unreadable: never keep, never trust a kept value
            return build()
        with self._lock:
            if name in self._values:
                return self._values[name]
        value = build()
        with self._lock:
            if self._generation == generation:
                self._values[name] = value
        return value

    def _current_generation(self) -> str | None:
        now = time.monotonic()
        with self._lock:
            if now - self._checked_at < self.recheck_seconds and self._generation is not None:
                return self._generation
        try:
            generation = cache.get(self.key) or "initial"
        except Exception:  # noqa: BLE001 - the cache down: build every time
            logger.warning("generation %s unreadable; building afresh", self.key, exc_info=True)
            self.forget()
            return None
        with self._lock:
            if generation != self._generation:
                self._values.clear()
                self._generation = generation
            self._checked_at = now
        return generation

    def discard(self, name) -> None:
        with self._lock:
            self._values.pop(name, None)

    def forget(self) -> None:
        """Drop this process's values (rebuilt on next use; the generation is read again)."""
        with self._lock:
            self._values.clear()
            self._generation = None
            self._checked_at = float("-inf")

    def invalidate(self) -> None:
        """Forget here at once, and (through the cache) in every process once committed."""
        self.forget()
        transaction.on_commit(self._bump)

    def _bump(self) -> None:
        self.forget()
        try:
            cache.set(self.key, uuid.uuid4().hex, timeout=None)
        except Exception:  # noqa: BLE001
            logger.warning("generation %s not bumped; other processes keep their copies", self.key,
                           exc_info=True)
