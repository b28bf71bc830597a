"""The request log (GET /_emulator/requests) and the load statistics
(GET /_emulator/stats): what the emulator was asked, and how hard it worked
to answer, so that a benchmark can tell whether the emulator was its
bottleneck.  Nothing here takes a lock: the caller holds the emulator's lock
(server.State.lock).
"""

import time


def new_stats():
    """Load statistics from zero."""
    return {"api_requests": 0, "api_connections": 0, "in_flight": 0, "max_in_flight": 0,
            "service_s_total": 0.0, "service_s_max": 0.0}


def stats_json(stats, latency_ms):
    """The answer of GET /_emulator/stats."""
    n = stats["api_requests"]
    return {"api_requests": n, "api_connections": stats["api_connections"],
            "max_in_flight": stats["max_in_flight"], "latency_ms": latency_ms,
            "service_ms_total": round(stats["service_s_total"] * 1000, 3),
            "service_ms_mean": round(stats["service_s_total"] * 1000 / n, 3) if n else 0.0,
            "service_ms_max": round(stats["service_s_max"] * 1000, 3)}


class RequestLog:
    """Every API request since the last clear, in arrival order, and the
    load statistics over them."""

    def __init__(self):
        self.clear()

    def clear(self):
        """Empty the log and the statistics; seq starts again at 1."""
        self.requests = []
        self.seq = 0
        self.epoch = time.monotonic()
        self.stats = new_stats()

    def ms(self):
        """Milliseconds since the request log was last cleared (monotonic)."""
        return round((time.monotonic() - self.epoch) * 1000.0, 3)

    def record(self, entry):
        """Append entry, numbered and stamped with its arrival time."""
        self.seq += 1
        entry["seq"] = self.seq
        entry["arrived_ms"] = self.ms()
        self.requests.append(entry)
