"""What a digest says: the message for one digest and one scheduled time.

Per selected service: its headline figures for the digest's range with the change against
the previous period (section fields), a chart of its series where it has one, WeldPulse's
top five pages as the message's table block and its top referrers as text (Slack takes
one table per message), the notable items, and a plain line for a service that failed —
the digest is still posted. `bot.render.limits` keeps the whole within Slack's limits
(two charts, one table); `bot.features.digests` posts it. The period's ends are Slack date
tokens (each reader sees their own zone), the digest's zone in the fallback.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import messages
from bot.clients import weldpulse
from bot.clients.pool import Directory
from bot.domain.formatting import human
from bot.domain.headlines import HEADLINES, Headline
from bot.domain.periods import Period, parse_range
from bot.errors import NotConnected, ServiceError
from bot.features.recurrence import default_range, describe, schedule_of
from bot.render.blocks import Block, context, divider, header, section, slack_date
from bot.render.headlines import render_headline
from bot.render.message import Message
from bot.render.table import Column, right, table_blocks, text_table
from bot.store.digests import Digest

TOP = 5  # pages and referrers in a digest


def digest_period(digest: Digest, scheduled_for: datetime) -> Period:
    chosen = digest.range or default_range(digest.schedule_kind)
    return parse_range(chosen, scheduled_for, ZoneInfo(digest.tz))


def period_line(period: Period) -> str:
    """`yesterday in Europe/Berlin: <date token> – <date token>`: a calendar period says
    the zone its days are counted in; the times show in each reader's own zone."""
    zone = f" in {period.tz.key}" if period.calendar else ""
    start, end = slack_date(period.start, period.tz), slack_date(period.end, period.tz)
    return f"{period.label}{zone}: {start} – {end}"


async def _weldpulse_tops(directory: Directory, period: Period) -> list[Block]:
    """Top pages as a table block, top referrers as monospace text."""
    client = directory.get(weldpulse.SPEC)
    pages, referrers = await asyncio.gather(
        client.pages(period.start, period.end, limit=TOP),
        client.referrers(period.start, period.end, limit=TOP),
    )
    blocks: list[Block] = []
    if pages:
        blocks.append(section("*Top pages*"))
        blocks += table_blocks(
            [Column("Page"), right("Visitors")],
            [[p.pathname, human(p.visitors)] for p in pages],
        )
    if referrers:
        blocks.append(section("*Top referrers*"))
        blocks += text_table(
            [Column("Referrer"), right("Visitors")],
            [[r.referrer_source or "(direct)", human(r.visitors)] for r in referrers],
        )
    return blocks


async def _service_blocks(
    service: str, directory: Directory, period: Period
) -> tuple[list[Block], bool]:
    """The service's blocks, and whether they say it failed."""
    try:
        headline: Headline = await HEADLINES[service](directory, period, period.previous())
        blocks = render_headline(headline, period)
        if service == weldpulse.SPEC.key:
            blocks += await _weldpulse_tops(directory, period)
        return blocks, False
    except (ServiceError, NotConnected) as err:
        # A selected service that was disconnected since is said plainly, like a failure.
        return [section(f"*{messages.service_name(service)}* — {messages.sentence(err)}")], True


@dataclass(frozen=True, slots=True)
class Report:
    """What one run reports of its services, before it is any one digest's message: the
    digests of a workspace due together that ask for the same share one."""

    period: Period
    services: tuple[str, ...]
    parts: tuple[tuple[Block, ...], ...]  # each service's blocks, in `services`' order
    failed: int = 0  # services whose part says they failed


async def report(directory: Directory, digest: Digest, scheduled_for: datetime) -> Report:
    """The figures of the run scheduled at `scheduled_for` (what costs upstream calls)."""
    period = digest_period(digest, scheduled_for)
    services = tuple(s for s in (digest.services or directory.connected()) if s in HEADLINES)
    parts = await asyncio.gather(*(_service_blocks(s, directory, period) for s in services))
    return Report(
        period,
        services,
        tuple(tuple(blocks) for blocks, _ in parts),
        failed=sum(failed for _, failed in parts),
    )


def digest_message(digest: Digest, report: Report) -> Message:
    """`report` as `digest`'s message: its title, its period, its number and schedule."""
    period = report.period
    title = f"Pulse digest — {period.label}"
    blocks: list[Block] = [header(title), context(period_line(period))]
    if not report.services:
        text = (
            "No services are connected, so there is nothing to report. "
            "An admin can connect one with `/pulse connect SERVICE`."
        )
        return Message(f"{title}: {text}", (*blocks, section(text)), public=True, shareable=False)
    for part in report.parts:
        blocks += [*part, divider()]
    # what ▲/▼ compare with: the period of the same kind before (PRODUCT §2)
    blocks.append(context(f"▲/▼ against {period_line(period.previous())}"))
    blocks.append(
        context(
            f"Digest #{digest.number} · {describe(schedule_of(digest))} · "
            "`/pulse digest list` to manage"
        )
    )
    names = ", ".join(messages.service_name(s) for s in report.services)
    return Message(f"{title}: {names}", tuple(blocks), public=True, shareable=False)


async def compose(directory: Directory, digest: Digest, scheduled_for: datetime) -> Message:
    """The digest message for the run scheduled at `scheduled_for`."""
    return digest_message(digest, await report(directory, digest, scheduled_for))
