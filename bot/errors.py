"""The one error tree of Pulse Bot.

Everything the bot can tell a user about goes through these classes; one handler
(`commands.dispatch`) turns them into sentences via `bot.messages`. Anything that is
*not* a `PulseError` is a bug: the user gets a short apology with a reference ID and
the log gets the traceback.

    PulseError
    ├── UsageError(message, usage)          the command line was wrong
    ├── NotConnected(service)               the workspace has no credential for it
    ├── PermissionDenied(action, owner)     only admins (or the thing's creator) may do this
    ├── CannotPost(channel, why)            the bot cannot post into the channel named
    ├── ConfigError                         start-up configuration is wrong
    ├── StorageError                        the database cannot be read or written
    └── ServiceError(service)               an upstream service said no
        ├── AuthFailed                      401/403: the credential is rejected
        ├── RateLimited(retry_after)        429, or our own limiter refused locally
        │   └── BudgetExhausted(resets_at)  a daily call budget is spent (Raygun 50/day, or its 429)
        ├── QuotaExceeded(detail)           the account's plan quota is used up
        ├── NotFound(what)                  404: no such ID/key/user
        ├── InvalidRequest(field_errors)    400/422: the service rejected our input
        ├── Unavailable(detail, advice)     5xx, connection failure
        │   └── TimedOut(seconds)           no whole answer within the deadline
        └── BadResponse(detail)             the body is not what the docs promise

Service errors never carry secrets: they hold the service key and short, safe details
(status codes, field names, the service's own message), nothing from request headers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime


class PulseError(Exception):
    """Base of every error a user may be told about."""


class UsageError(PulseError):
    """The command was wrong; `usage` is the usage line of the subcommand, if known."""

    def __init__(self, message: str, usage: str | None = None, suggestion: str | None = None):
        super().__init__(message)
        self.message = message
        self.usage = usage
        self.suggestion = suggestion


class NotConnected(PulseError):
    def __init__(self, service: str):
        super().__init__(f"{service} is not connected")
        self.service = service


class PermissionDenied(PulseError):
    """The caller may not `action` (`create Pulsetracker apps`, `run digest #3`). Only
    admins may, and — when `owner` is set — the person who made the thing, described by
    `whose` (`the digest's`)."""

    def __init__(self, action: str, *, owner: str | None = None, whose: str = ""):
        super().__init__(f"not allowed: {action}")
        self.action = action
        self.owner = owner
        self.whose = whose


class CannotPost(PulseError):
    """Pulse Bot cannot post into the channel a digest or alert names, so it is not
    saved. `why` is `private` (it is not in a private channel), `missing` (Slack shows no
    such channel: gone, or private without the bot) or `archived`; `here` when the channel
    is the one the command was typed in."""

    def __init__(self, channel: str, why: str, *, here: bool = False):
        super().__init__(f"cannot post to {channel}: {why}")
        self.channel = channel
        self.why = why
        self.here = here


class ConfigError(PulseError):
    """Start-up configuration is wrong; the message is one sentence for the operator."""


class ServiceError(PulseError):
    """An upstream service call failed. `service` is the service key, e.g. ``"raygun"``."""

    def __init__(self, service: str, detail: str = "", *, status: int | None = None):
        super().__init__(f"{service}: {detail}" if detail else service)
        self.service = service
        self.detail = detail
        self.status = status


class AuthFailed(ServiceError):
    pass


class RateLimited(ServiceError):
    def __init__(
        self,
        service: str,
        retry_after: float,
        detail: str = "",
        *,
        status: int | None = None,
        local: bool = False,
    ):
        super().__init__(
            service, detail or f"rate limited, retry in {retry_after:.0f}s", status=status
        )
        self.retry_after = max(0.0, retry_after)
        self.local = local


class BudgetExhausted(RateLimited):
    """The day's calls are spent: nothing is sent before `resets_at`. `upstream` when the
    service itself said so (a 429, now or earlier), rather than the count of calls sent;
    `local` unless this very call was the one the service refused."""

    def __init__(
        self,
        service: str,
        retry_after: float,
        resets_at: datetime,
        limit: int,
        *,
        upstream: bool = False,
        local: bool = True,
        status: int | None = None,
    ):
        super().__init__(
            service,
            retry_after,
            f"daily budget of {limit} calls spent",
            status=status,
            local=local,
        )
        self.resets_at = resets_at
        self.limit = limit
        self.upstream = upstream


class QuotaExceeded(ServiceError):
    pass


class NotFound(ServiceError):
    pass


class InvalidRequest(ServiceError):
    def __init__(
        self,
        service: str,
        detail: str = "",
        field_errors: Mapping[str, Sequence[str]] | None = None,
        *,
        status: int | None = None,
    ):
        super().__init__(service, detail, status=status)
        self.field_errors: dict[str, list[str]] = {
            k: list(v) for k, v in (field_errors or {}).items()
        }


class Unavailable(ServiceError):
    """No usable answer; `advice` is the service's own word on when to try again."""

    def __init__(
        self,
        service: str,
        detail: str = "",
        *,
        status: int | None = None,
        advice: str | None = None,
    ):
        super().__init__(service, detail, status=status)
        self.advice = advice


class TimedOut(Unavailable):
    """No whole answer within the request's deadline (a silent or trickling service)."""

    def __init__(self, service: str, seconds: float):
        super().__init__(service, f"no answer within {seconds:g} s")
        self.seconds = seconds


class StorageError(PulseError):
    """The database could not be read or written (locked, read-only, full, unreachable)."""


class BadResponse(ServiceError):
    pass
