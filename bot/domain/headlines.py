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
from datetime import date, datetime, timedelta

from bot.clients import pulsepro, pulsetracker, raygun, weldpulse, whatpulse
from bot.clients.pool import Directory
from bot.clients.pulsepro import Inspection, InspectionList
from bot.clients.pulsetracker import MONTHLY_MESSAGES_DEFAULT, quota_fraction
from bot.domain.formatting import change, data_size, duration, human, percent
from bot.domain.periods import Period, local_midnight
from bot.domain.series import STEP, UNIT, Bucket, Trend, bucket, cut, default_interval
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


def _plural(n: int, word: str) -> str:
    return f"{human(n)} {word}{'' if n == 1 else 's'}"


# ---- the builders ------------------------------------------------------------------------


async def weldpulse_headline(directory: Directory, period: Period, previous: Period) -> Headline:
    client = directory.get(weldpulse.SPEC)
    interval = default_interval(period)
    now, before, buckets = await asyncio.gather(
        client.stats(period.start, period.end),
        client.stats(previous.start, previous.end),
        client.timeseries(period.start, period.end, interval=interval),
    )
    step = STEP[interval]
    visitors = tuple(
        bucket(b.t, float(b.visitors), step, period) for b in sorted(buckets, key=lambda b: b.t)
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
            ("Bounce rate", percent(now.bounce_rate), change(now.bounce_rate, before.bounce_rate)),
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


def _utc_and_local_days(moment: datetime, period: Period) -> tuple[date, date]:
    return moment.date(), moment.astimezone(period.tz).date()


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
    first = min(_utc_and_local_days(previous.start, period))
    last = max(_utc_and_local_days(period.end - _TICK, period))
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
                Bucket(
                    local_midnight(d, period.tz),
                    float(per_day[d]),
                    partial=cut(
                        local_midnight(d, period.tz),
                        local_midnight(d + timedelta(days=1), period.tz),
                        period,
                    ),
                )
                for d in period.days()
            ),
        ),
        notable=notable,
    )


async def pulsetracker_headline(directory: Directory, period: Period, previous: Period) -> Headline:
    """Apps and the messages sent in the month the period ends in (the quota is monthly)."""
    found = await directory.get(pulsetracker.SPEC).all_apps()
    month = (period.end - _TICK).astimezone(period.tz).date().replace(day=1)
    prior = (month - timedelta(days=1)).replace(day=1)
    sent = sum(a.messages_sent_in(month.year, month.month) for a in found.apps)
    sent_before = sum(a.messages_sent_in(prior.year, prior.month) for a in found.apps)
    used = sorted(
        ((quota_fraction(a, month.year, month.month), a) for a in found.apps),
        key=lambda fa: (-fa[0], fa[1].name),
    )
    allowance = human(MONTHLY_MESSAGES_DEFAULT)
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
    vs = change(sent, sent_before)
    return Headline(
        service=pulsetracker.SPEC.key,
        title=pulsetracker.SPEC.name,
        figures=(
            ("Apps", human(found.total), ""),
            ("Devices", human(sum(a.devices_count for a in found.apps)), ""),
            (f"Messages in {month:%b %Y}", human(sent), f"{vs} vs {prior:%b}"),
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
        notable.append(f"{_plural(len(overdue), 'corrective action')} overdue")
        for a in overdue[:SHOWN_OVERDUE]:
            due = f"due {a.due_date:%d %b}" if a.due_date else "no due date"
            where = f", {a.location}" if a.location else ""
            notable.append(f"Overdue: {a.title} ({due}{where})")
        if len(overdue) > SHOWN_OVERDUE:
            notable.append(f"…and {len(overdue) - SHOWN_OVERDUE} more: `/pulse actions --overdue`")
    score_change = "" if score is None or score_before is None else change(score, score_before)
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
