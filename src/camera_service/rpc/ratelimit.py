"""A token bucket: pure arithmetic on timestamps the caller passes in."""

from __future__ import annotations


class TokenBucket:
    """``rate`` tokens per second refill a bucket of at most ``burst`` tokens.

    ``take(now)`` spends one token and returns 0.0, or spends nothing and returns the seconds
    until a token will be there. A ``rate`` of 0 or less disables limiting.
    """

    __slots__ = ("_last", "_tokens", "burst", "rate")

    def __init__(self, rate: float, burst: int, now: float) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self._tokens = float(self.burst)
        self._last = now

    def take(self, now: float) -> float:
        if self.rate <= 0:
            return 0.0
        elapsed = max(0.0, now - self._last)
        self._last = max(self._last, now)
        self._tokens = min(float(self.burst), self._tokens + elapsed * self.rate)
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return 0.0
        return (1.0 - self._tokens) / self.rate

    @property
    def tokens(self) -> float:
        return self._tokens
