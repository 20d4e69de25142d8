"""Every user-facing sentence for errors, as small functions.

`sentence(error)` is the single translation from the error tree to words; a meta-test
checks that every class in `bot.errors` has a sentence here. No sentence ever includes
a credential: errors only carry the service key and safe details.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot import errors as e
from bot.clients import pulsetracker, registry
from bot.render.blocks import slack_date


def service_name(key: str) -> str:
    """The name people know a service by (`Raygun Pulse`), from its spec."""
    return registry.name(key)


def wait_phrase(seconds: float) -> str:
    s = max(1, round(seconds))
    if s < 90:
        return f"{s} seconds"
    if s < 5400:
        return f"{round(s / 60)} minutes"
    return f"{round(s / 3600)} hours"


def usage(err: e.UsageError) -> str:
    text = err.message
    if err.suggestion:
        text += f" Did you mean `/pulse {err.suggestion}`?"
    if err.usage:
        text += f"\nUsage: `{err.usage}`"
    return text


def not_connected(err: e.NotConnected) -> str:
    name = service_name(err.service)
    return (
        f"{name} is not connected in this workspace. An admin can connect it with "
        f"`/pulse connect {err.service}`."
    )


ADMINS_ARE = (
    "workspace admins and owners, people in PULSEBOT_ADMINS (set by the operator) and "
    "people added with `/pulse admins add @someone`; `/pulse admins` lists them"
)


def permission_denied(err: e.PermissionDenied) -> str:
    if err.owner:
        return (
            f"Only {err.whose} creator (<@{err.owner}>) or a Pulse Bot admin can "
            f"{err.action}. Pulse Bot admins are {ADMINS_ARE}."
        )
    return f"Only Pulse Bot admins can {err.action}: {ADMINS_ARE}."


INVITE = "invite me with `/invite @Pulse Bot`"


def allowance_howto() -> str:
    """How an admin sets Pulsetracker's monthly allowance, which its API never reports."""
    label = pulsetracker.ALLOWANCE_FIELD.label
    return (
        "Pulsetracker's API does not report the plan's monthly message allowance; an admin "
        f"can enter it in the “{label}” field of `/pulse connect pulsetracker`"
    )


def cannot_post(err: e.CannotPost) -> str:
    if err.here and err.why in {"private", "missing"}:
        if err.channel.startswith("D"):
            return (
                "I can't post into this conversation: apps can't join direct messages "
                "between people. Name a channel instead, e.g. `#team`."
            )
        return f"I'm not in this channel, so I can't post here: {INVITE} and try again."
    where = err.channel if err.channel.startswith("#") else f"<#{err.channel}>"
    if err.why == "archived":
        return f"{where} is archived, so nothing can be posted there; pick another channel."
    if err.why == "private":
        return f"I'm not in {where}, a private channel: {INVITE} there and try again."
    if err.channel.startswith("#"):
        return (
            f"I can't find {where}. Pick the channel from the list as you type `#`; "
            f"if it is private, {INVITE} there first."
        )
    return (
        f"I can't see {where}: it no longer exists, or it is private and I'm not in it. "
        f"If it is private, {INVITE} there and try again."
    )


def config_error(err: e.ConfigError) -> str:
    # The details name settings only the operator can change: they are logged, not said.
    return (
        "Pulse Bot is not set up right, so it cannot do that now; its operator can see why "
        "in the log."
    )


def auth_failed(err: e.AuthFailed) -> str:
    name = service_name(err.service)
    return (
        f"{name} rejected the saved credential. An admin can reconnect it with "
        f"`/pulse connect {err.service}`."
    )


def budget_exhausted(err: e.BudgetExhausted) -> str:
    """The day's calls are used up and when they come back, in the reader's own zone."""
    name = service_name(err.service)
    when = f"{slack_date(err.resets_at)} (in {wait_phrase(err.retry_after)})"
    if err.upstream:
        return (
            f"{name} says its daily API quota is used up ({err.limit} calls a day); "
            f"Pulse Bot makes no more calls to it until {when}."
        )
    return (
        f"{name} allows {err.limit} API calls a day and today's are used up; "
        f"Pulse Bot makes no more until they reset {when}."
    )


def rate_limited(err: e.RateLimited) -> str:
    name = service_name(err.service)
    return f"{name} is rate limiting us; try again in {wait_phrase(err.retry_after)}."


def quota_exceeded(err: e.QuotaExceeded) -> str:
    name = service_name(err.service)
    detail = f" It says: “{err.detail}”" if err.detail else ""
    return f"{name} refused: the account's plan quota is used up.{detail}"


def not_found(err: e.NotFound) -> str:
    name = service_name(err.service)
    what = f" ({err.detail})" if err.detail else ""
    return f"{name} has nothing by that ID{what}; check the ID and try again."


def invalid_request(err: e.InvalidRequest) -> str:
    name = service_name(err.service)
    problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in err.field_errors.items())
    detail = (problems or err.detail or "the request was not accepted").rstrip(".")
    return f"{name} did not accept the request: {detail}."


def unavailable(err: e.Unavailable) -> str:
    name = service_name(err.service)
    advice = err.advice or "try again in a few minutes"
    return f"{name} is not answering right now ({err.detail}); {advice}."


def timed_out(err: e.TimedOut) -> str:
    name = service_name(err.service)
    return f"{name} did not answer within {err.seconds:g} s; try again in a few minutes."


def storage_error(err: e.StorageError) -> str:
    return (
        "Pulse Bot cannot reach its database right now, so nothing was read or changed; "
        "try again in a minute."
    )


def bad_response(err: e.BadResponse) -> str:
    name = service_name(err.service)
    return (
        f"{name} sent an answer Pulse Bot could not read ({err.detail}); "
        "this is usually temporary — try again shortly."
    )


def service_error(err: e.ServiceError) -> str:
    name = service_name(err.service)
    return f"{name} could not answer ({err.detail or 'unknown error'})."


def unexpected(reference: str) -> str:
    return (
        f"Sorry, something went wrong on our side. If it keeps happening, give the "
        f"Pulse Bot operator this reference: `{reference}`."
    )


_TABLE: tuple[tuple[type[e.PulseError], Callable[[Any], str]], ...] = (
    (e.UsageError, usage),
    (e.NotConnected, not_connected),
    (e.PermissionDenied, permission_denied),
    (e.CannotPost, cannot_post),
    (e.ConfigError, config_error),
    (e.StorageError, storage_error),
    (e.AuthFailed, auth_failed),
    (e.BudgetExhausted, budget_exhausted),
    (e.RateLimited, rate_limited),
    (e.QuotaExceeded, quota_exceeded),
    (e.NotFound, not_found),
    (e.InvalidRequest, invalid_request),
    (e.TimedOut, timed_out),
    (e.Unavailable, unavailable),
    (e.BadResponse, bad_response),
    (e.ServiceError, service_error),
)

HANDLED = frozenset(cls for cls, _ in _TABLE)


def sentence(err: e.PulseError) -> str:
    """The one sentence a user sees for `err` (most specific class wins)."""
    for cls, render in _TABLE:
        if isinstance(err, cls):
            return render(err)
    return str(err)
