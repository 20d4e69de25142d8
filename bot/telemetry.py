"""What operators see at `GET /metrics` (Prometheus text format, via prometheus_client).

The instruments are module-level, as prometheus_client intends: each process exports its
own counts, and Prometheus sums the processes. Gauges of the whole deployment (digests
and alerts by state, who leads the scheduler and how late it runs) are set by the process
that holds the scheduler lease; the others report themselves as standing by.
"""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

COMMANDS = Counter(
    "pulsebot_commands_total",
    "/pulse commands answered, by outcome (ok, refused: a sentence, unexpected: a bug)",
    ["outcome"],
)
ACKS = Counter(
    "pulsebot_acks_total", "Requests from Slack answered, by HTTP status class", ["outcome"]
)
_ACKS_BY_CLASS: dict[int, Counter] = {}


def acks(status: int) -> Counter:
    """The ACKS counter of an HTTP status class, looked up once rather than per request."""
    status_class = status // 100
    child = _ACKS_BY_CLASS.get(status_class)
    if child is None:
        child = _ACKS_BY_CLASS[status_class] = ACKS.labels(f"{status_class}xx")
    return child


ACK_SECONDS = Histogram(
    "pulsebot_ack_seconds",
    "Time from a request reaching Pulse Bot to its acknowledgement leaving",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.0, 3.0, 5.0),
)
UPSTREAM = Counter(
    "pulsebot_upstream_calls_total",
    "Requests sent to the services, by service and status (HTTP code, timeout, unreachable)",
    ["service", "status"],
)
LIMITER = Counter(
    "pulsebot_limiter_total",
    "Requests the limiters made wait or refused locally, by service",
    ["service", "outcome"],
)
SLACK_POSTS = Counter(
    "pulsebot_slack_posts_total",
    "Background messages sent to Slack, by method and outcome (ok or Slack's error)",
    ["method", "outcome"],
)
LEADER = Gauge("pulsebot_scheduler_leader", "1 while this process runs the scheduler")
LAG = Gauge(
    "pulsebot_scheduler_lag_seconds", "How late the most overdue digest was at the last sweep"
)
DIGESTS = Gauge("pulsebot_digests", "Digests of every workspace, by state", ["state"])
ALERTS = Gauge("pulsebot_alerts", "Alerts of every workspace, by state", ["state"])


def exposition() -> tuple[bytes, str]:
    """The current metrics and their content type."""
    return generate_latest(), CONTENT_TYPE_LATEST
