"""Headline numbers per service for a period, against the previous one: `/pulse stats`
uses them now and the scheduled digests reuse them.

Each builder is `async def <service>_headline(directory, period, previous) -> Headline`;
it raises the client's `ServiceError`s unchanged. `collect` runs builders in parallel and
turns a failed service into its error (and only a `ServiceError`: anything else is a bug
and propagates), so one service being down never hides the others.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from bot.clients import pulsepro, pulsetracker, raygun, weldpulse, whatpulse
from bot.clients.pool import Directory
from bot.clients.pulsepro import Inspection, InspectionList
from bot.clients.pulsetracker import quota_fraction
from bot.domain.formatting import change, data_size, duration, human, percent, plural, points
from bot.domain.periods import Period, covering_dates, local_midnight
from bot.domain.series import (
    UNIT,
    Trend,
    ask_for,
    bucket,
    default_interval,
    local_buckets,
)
from bot.errors import ServiceError

QUOTA_WARNING = 0.8  # share of the monthly messages that makes an app notable
SHOWN_OVERDUE = 3  # overdue actions named one by one
SHOWN_ITEMS = 5  # apps near their quota named one by one
_TICK = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Headline:
    """One service's headline for a period.

    `figures` are (label, value, change against the previous period) with the texts
    ready to show (the change may be empty); `trend` is a series over the period, bucket
    by bucket; `notable` are short sentences worth a reader's attention.
    """

    service: str
    title: str
    figures: tuple[tuple[str, str, str], ...]
    trend: Trend | None = None
    notable: tuple[str, ...] = ()


HeadlineBuilder = Callable[[Directory, Period, Period], Awaitable[Headline]]


# ---- the builders ------------------------------------------------------------------------


async def weldpulse_headline(directory: Directory, period: Period, previous: Period) -> Headline:
    client = directory.get(weldpulse.SPEC)
    interval = default_interval(period)
    now, before, found = await asyncio.gather(
        client.stats(period.start, period.end),
        client.stats(previous.start, previous.end),
        client.timeseries(period.start, period.end, interval=ask_for(interval, period)),
    )
    visitors = tuple(
        bucket(b.t, float(b.visitors), interval, period)
        for b in local_buckets(found, interval, period)
    )
    return Headline(
        service=weldpulse.SPEC.key,
        title=weldpulse.SPEC.name,
        figures=(
            ("Visitors", human(now.visitors), change(now.visitors, before.visitors)),
            ("Pageviews", human(now.pageviews), change(now.pageviews, before.pageviews)),
            ("Sessions", human(now.sessions), change(now.sessions, before.sessions)),
            (
                "Avg duration",
                duration(now.avg_duration),
                change(now.avg_duration, before.avg_duration),
            ),
            (
                "Bounce rate",
                percent(now.bounce_rate),
                points(now.bounce_rate * 100, before.bounce_rate * 100),
            ),
        ),
        trend=Trend("Visitors", UNIT[interval], visitors),
    )


async def raygun_headline(directory: Directory, period: Period, previous: Period) -> Headline:
    """Raygun allows 50 calls a day: one page of one session per period reads the total.
    The periods are asked one after the other, so a failure costs one call, not two."""
    client = directory.get(raygun.SPEC)
    now = await client.sessions(period.start, period.end, limit=1, max_sessions=1)
    before = await client.sessions(previous.start, previous.end, limit=1, max_sessions=1)
    return Headline(
        service=raygun.SPEC.key,
        title=raygun.SPEC.name,
        figures=(("Sessions", human(now.total), change(now.total, before.total)),),
    )


async def whatpulse_headline(directory: Directory, period: Period, previous: Period) -> Headline:
    """The connected user's pulses over both periods, read in one query and split."""
    client = directory.get(whatpulse.SPEC)
    user = client.default_user
    if user is None:
        return Headline(
            service=whatpulse.SPEC.key,
            title=whatpulse.SPEC.name,
            figures=(),
            notable=(
                "No WhatPulse user is set for this workspace; an admin can set one with "
                "`/pulse connect whatpulse`.",
            ),
        )
    # WhatPulse filters by whole days; ask for every day either zone could mean, then cut.
    first, last = covering_dates(previous.start, period.end, period.tz)
    found = await client.pulses(user, date_from=first, date_to=last)
    now = [p for p in found.pulses if period.start <= p.date < period.end]
    before = [p for p in found.pulses if previous.start <= p.date < previous.end]

    per_day: Counter[date] = Counter()
    for p in now:
        per_day[p.date.astimezone(period.tz).date()] += p.keys
    notable: tuple[str, ...] = ()
    if found.truncated:
        notable = (f"Only the first {human(len(found.pulses))} pulses were read; totals are low.",)

    def figure(label: str, field: str, show: Callable[[float], str]) -> tuple[str, str, str]:
        a, b = (sum(getattr(p, field) for p in ps) for ps in (now, before))
        return label, show(a), change(a, b)

    return Headline(
        service=whatpulse.SPEC.key,
        title=f"{whatpulse.SPEC.name} — {user}",
        figures=(
            figure("Keys", "keys", human),
            figure("Clicks", "clicks", human),
            figure("Download", "download_mb", data_size),
            figure("Upload", "upload_mb", data_size),
            figure("Uptime", "uptime_seconds", duration),
        ),
        trend=Trend(
            "Keys",
            "day",
            tuple(
                bucket(local_midnight(d, period.tz), float(per_day[d]), "1 day", period)
                for d in period.days()
            ),
        ),
        notable=notable,
    )


async def pulsetracker_headline(directory: Directory, period: Period, previous: Period) -> Headline:
    """Apps and the messages sent in the month the period ends in (the quota is monthly);
    apps near the monthly allowance only where an admin entered it (the API never says)."""
    client = directory.get(pulsetracker.SPEC)
    found = await client.all_apps()
    month = (period.end - _TICK).astimezone(period.tz).date().replace(day=1)
    prior = (month - timedelta(days=1)).replace(day=1)
    sent = sum(a.messages_sent_in(month.year, month.month) for a in found.apps)
    sent_before = sum(a.messages_sent_in(prior.year, prior.month) for a in found.apps)
    limit = client.allowance
    used = sorted(
        ((quota_fraction(a, month.year, month.month, limit), a) for a in found.apps if limit),
        key=lambda fa: (-fa[0], fa[1].name),
    )
    allowance = human(limit or 0)
    near = [(fraction, a) for fraction, a in used if fraction >= QUOTA_WARNING]
    notable = [
        f"{a.name} has used {fraction:.0%} of its {allowance} monthly messages "
        f"({human(a.messages_sent_in(month.year, month.month))} in {month:%B})"
        for fraction, a in near[:SHOWN_ITEMS]
    ]
    if len(near) > SHOWN_ITEMS:
        notable.append(
            f"…and {len(near) - SHOWN_ITEMS} more apps above {QUOTA_WARNING:.0%} of their "
            "monthly messages: `/pulse apps`"
        )
    if found.truncated:
        notable.append(f"Only the first {len(found.apps)} of {found.total} apps were read.")
    # Messages are counted per month: a month still running is not compared with a whole
    # one (PRODUCT §2); its figure says "so far" and the month before is given whole.
    month_end = local_midnight((month + timedelta(days=31)).replace(day=1), period.tz)
    if month_end <= (period.asked or period.end):
        messages = (
            f"Messages in {month:%b %Y}",
            human(sent),
            f"{change(sent, sent_before)} vs {prior:%b}",
        )
    else:
        messages = (
            f"Messages in {month:%b %Y} so far",
            human(sent),
            f"all of {prior:%b}: {human(sent_before)}",
        )
    return Headline(
        service=pulsetracker.SPEC.key,
        title=pulsetracker.SPEC.name,
        figures=(
            ("Apps", human(found.total), ""),
            ("Devices", human(sum(a.devices_count for a in found.apps)), ""),
            messages,
        ),
        notable=tuple(notable),
    )


def _inspections(found: InspectionList, period: Period) -> tuple[int, float | None]:
    """Count and average score of the inspections conducted within the period itself
    (the query asks by whole days)."""
    kept: list[Inspection] = [
        i
        for i in found.items
        if i.conducted_at is None or period.start <= i.conducted_at < period.end
    ]
    scores = [i.score for i in kept if i.score is not None]
    count = found.count if found.truncated else len(kept)
    return count, (sum(scores) / len(scores) if scores else None)


async def pulsepro_headline(directory: Directory, period: Period, previous: Period) -> Headline:
    client = directory.get(pulsepro.SPEC)
    now, before, actions = await asyncio.gather(
        client.inspections(period.local_start().date(), period.days()[-1]),
        client.inspections(previous.local_start().date(), previous.days()[-1]),
        client.actions(status="open"),
    )
    count, score = _inspections(now, period)
    count_before, score_before = _inspections(before, previous)
    overdue = [a for a in actions.items if a.overdue]
    overdue.sort(key=lambda a: (a.due_date or date.max, a.title))
    notable: list[str] = []
    if overdue:
        notable.append(f"{plural(len(overdue), 'corrective action')} overdue")
        for a in overdue[:SHOWN_OVERDUE]:
            due = f"due {a.due_date:%d %b}" if a.due_date else "no due date"
            where = f", {a.location}" if a.location else ""
            notable.append(f"Overdue: {a.title} ({due}{where})")
        if len(overdue) > SHOWN_OVERDUE:
            notable.append(f"…and {len(overdue) - SHOWN_OVERDUE} more: `/pulse actions --overdue`")
    score_change = "" if score is None or score_before is None else points(score, score_before)
    return Headline(
        service=pulsepro.SPEC.key,
        title=pulsepro.SPEC.name,
        figures=(
            ("Inspections", human(count), change(count, count_before)),
            ("Average score", "—" if score is None else f"{score:.1f}%", score_change),
            ("Open actions", human(actions.count), ""),
            ("Overdue actions", human(len(overdue)), ""),
        ),
        notable=tuple(notable),
    )


HEADLINES: dict[str, HeadlineBuilder] = {
    weldpulse.SPEC.key: weldpulse_headline,
    raygun.SPEC.key: raygun_headline,
    whatpulse.SPEC.key: whatpulse_headline,
    pulsetracker.SPEC.key: pulsetracker_headline,
    pulsepro.SPEC.key: pulsepro_headline,
}
HEADLINE_CALLS: dict[str, int] = {raygun.SPEC.key: 3}
"""Calls one headline costs a service that counts them by the day, at most: Raygun's two
session totals, and an authentication when its 15-minute session key has ended (always
between one digest run and the next)."""


# ---- running and showing them ------------------------------------------------------------


async def collect(
    directory: Directory, services: Sequence[str], period: Period, previous: Period
) -> list[tuple[str, Headline | ServiceError]]:
    """Every service's headline in parallel; a service that fails gives its error."""

    async def settle(service: str) -> Headline | ServiceError:
        try:
            return await HEADLINES[service](directory, period, previous)
        except ServiceError as err:
            return err

    wanted = [s for s in services if s in HEADLINES]
    return list(zip(wanted, await asyncio.gather(*(settle(s) for s in wanted)), strict=True))
