"""A token bucket per client address, in process: what keeps the public pages (no token) from being hammered.

Each client (by the address the connection comes from; behind a proxy, that is the proxy's,
so put the limit in the proxy too) has a bucket of `capacity` requests that refills at
`per_second`; a request finding it empty is refused with 429 and a `Retry-After`. Buckets
live in this process only (each worker keeps its own), at most `max_clients` of them, the
least recently seen dropped first. The clock is injectable so that tests need no waiting.
"""

from __future__ import annotations

import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

PUBLIC_CAPACITY = 30  # a burst of 30 requests …
PUBLIC_PER_SECOND = 1.0  # … refilled at 1 a second (60 a minute)


class RateLimited(Exception):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"rate limited; retry after {retry_after} s")
        self.retry_after = retry_after


class RateLimiter:
    def __init__(self, capacity: int = PUBLIC_CAPACITY, per_second: float = PUBLIC_PER_SECOND,
                 max_clients: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.capacity, self.per_second, self.max_clients, self.clock = capacity, per_second, max_clients, clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client -> (tokens, at)
        self._lock = threading.Lock()

    def take(self, client: str) -> None:
        """Spends one of the client's tokens; RateLimited (with the seconds until the next) if there is none."""
        with self._lock:
            now = self.clock()
            tokens, at = self._buckets.pop(client, (float(self.capacity), now))
            tokens = min(float(self.capacity), tokens + (now - at) * self.per_second)
            if tokens < 1:
                self._buckets[client] = (tokens, now)
                raise RateLimited(max(1, math.ceil((1 - tokens) / self.per_second)))
            self._buckets[client] = (tokens - 1, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
