"""Raygun Pulse commands: one user's sessions, and one session in full.

Raygun allows 50 calls a day per application, so each command makes exactly one data
call (plus the session-key call when the key has expired): `sessions` asks for at most
`--limit` sessions in one page, never walking further pages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from urllib.parse import urlsplit

from bot.clients import raygun
from bot.clients.raygun import Location, SessionDetail, SessionSummary, Software
from bot.domain.formatting import duration, human, plural
from bot.domain.periods import Period
from bot.domain.values import echo, identifier
from bot.errors import NotFound, UsageError
from bot.render.blocks import Block, context, escape, fields, header, section
from bot.render.message import Message
from bot.render.table import Column, Link, right, shorten, table_blocks
from commands.context import Context
from commands.options import int_option, range_and_rest, reject_unknown
from commands.parsing import Args
from commands.router import Router

router = Router(group=raygun.SPEC.name)
DEFAULT_LIMIT = 20
MAX_LIMIT = 100
LINKS = 5  # sessions linked one by one under the table
MAX_PAGE_VIEWS = 60  # page views shown of one session
MAX_ERRORS = 15  # errors linked one by one in one session
_COUNTRY = re.compile(r"^[A-Za-z]{2}$")


def link(url: str | None, label: str) -> str:
    """A mrkdwn link (a `|` would end the label early), or the bare label without a URL."""
    return f"<{url}|{escape(label).replace('|', '¦')}>" if url else escape(label)


def software(item: Software, *, major: bool = False) -> str:
    """`Chrome 131` (major version only) or `Windows 11`; `—` when unknown."""
    if not item.name:
        return "—"
    version = item.version or ""
    if major:
        version = version.split(".", 1)[0]
    return f"{item.name} {version}".strip()


def place(location: Location) -> str:
    """`Wellington, New Zealand` (city, state, country; a repeated name said once)."""
    parts: list[str] = []
    for part in (location.city, location.state, location.country or location.country_code):
        if part and (not parts or parts[-1] != part):
            parts.append(part)
    return ", ".join(parts) or "unknown"


def countries(args: Args) -> tuple[str, ...]:
    raw = args.option("country")
    if raw is None:
        return ()
    codes = [c.strip() for c in raw.split(",") if c.strip()]
    wrong = [c for c in codes if not _COUNTRY.match(c)]
    if wrong or not codes:
        what = f"`{echo(wrong[0])}` is not one" if wrong else "none was given"
        raise UsageError(
            f"`--country` takes 2-letter country codes separated by commas, like `US,NZ`; {what}.",
        )
    return tuple(dict.fromkeys(c.upper() for c in codes))


def _when(moment: datetime, ctx: Context) -> str:
    return moment.astimezone(ctx.tz).strftime("%a %d %b %H:%M")


def sessions_message(
    ctx: Context,
    user: str,
    period: Period,
    codes: Sequence[str],
    found: Sequence[SessionSummary],
    total: int,
) -> Message:
    rows = sorted(found, key=lambda s: s.started, reverse=True)
    title = f"Sessions of {user} — {period.label}"
    columns = [Column("Session"), Column("Start"), Column("Browser"), Column("OS")]
    columns += [Column("Country"), Column("Status"), right("Length"), right("Pages")]
    table = table_blocks(
        columns,
        [
            [
                Link(short_id(s.id), s.web_url or ""),
                _when(s.started, ctx),
                software(s.browser, major=True),
                software(s.os),
                s.location.country_code or "—",
                s.status,
                duration(s.length_ms / 1000),
                human(s.page_view_count),
            ]
            for s in rows
        ],
        noun="sessions",
    )
    time_spent = sum(s.length_ms for s in rows) / 1000
    views = sum(s.page_view_count for s in rows)
    seen = sorted({s.location.country_code for s in rows if s.location.country_code})
    summary = fields(
        [
            ("Sessions", human(total)),
            ("Time", duration(time_spent)),
            ("Page views", human(views)),
            ("Countries", ", ".join(seen) or "—"),
        ]
    )
    links = [
        f"• {link(s.web_url, str(s.id))}  {_when(s.started, ctx)} · "
        f"{escape(software(s.browser, major=True))} on {escape(software(s.os))}"
        for s in rows[:LINKS]
    ]
    shown = f"Showing {len(rows)} of {plural(total, 'session')}, newest first"
    if len(rows) < total:
        shown += "; time and page views add up the shown ones"
    notes = [shown, period.describe()]
    if codes:
        notes.append(f"only sessions from {', '.join(codes)}")
    blocks: list[Block] = [header(title), summary, *table]
    blocks.append(
        section(
            f"*Open in Raygun* (newest {len(links)})\n" + "\n".join(links) + "\n"
            "One session in detail: `/pulse session ID`"
        )
    )
    blocks.append(context(" · ".join(notes)))
    if any(short_id(s.id) != str(s.id) for s in rows):
        ids = " · ".join(str(s.id) for s in rows)
        blocks.append(context(f"Session IDs in full, newest first: {ids}"))
    lead = f"Raygun Pulse: {plural(total, 'session')} for {user} {period.during()}"
    return Message(lead, tuple(blocks))


def session_message(ctx: Context, s: SessionDetail) -> Message:
    who = s.user.full_name or s.user.identifier or s.user.email or "anonymous user"
    contact = s.user.email or s.user.identifier
    if contact and contact != who:
        who = f"{who} ({contact})"
    if s.user.anonymous:
        who += ", anonymous"
    facts = fields(
        [
            ("Satisfaction", s.satisfaction or "—"),
            ("User", link(s.user.web_url, who)),
            ("Browser / OS", escape(f"{software(s.browser)} on {software(s.os)}")),
            ("Location", escape(place(s.location))),
            ("Started", _when(s.started, ctx)),
            ("Length", f"{duration(s.length_ms / 1000)} ({s.status})"),
        ]
    )
    blocks: list[Block] = [header(f"Raygun session {s.id}"), facts]
    views = sorted(s.page_views, key=lambda v: v.viewed_on)
    if views:
        rows = [
            [
                v.viewed_on.astimezone(ctx.tz).strftime("%H:%M:%S"),
                _page(v.page),
                f"{v.loading_ms / 1000:.1f}s",
                duration(v.viewing_ms / 1000),
            ]
            for v in views[:MAX_PAGE_VIEWS]
        ]
        columns = [Column("Viewed"), Column("Page"), right("Load"), right("Time on page")]
        blocks += table_blocks(columns, rows, noun="page views")
        if len(views) > MAX_PAGE_VIEWS:
            blocks.append(context(f"…and {len(views) - MAX_PAGE_VIEWS} more page views"))
    else:
        blocks.append(section("No page views were recorded in this session."))
    if s.errors:
        lines = [f"• {link(e.web_url, e.title)}" for e in s.errors[:MAX_ERRORS]]
        if len(s.errors) > MAX_ERRORS:
            lines.append(f"…and {len(s.errors) - MAX_ERRORS} more")
        blocks.append(section(f"*{plural(len(s.errors), 'error')}*\n" + "\n".join(lines)))
    else:
        blocks.append(section("No errors in this session."))
    if s.web_url:
        blocks.append(section(f"<{s.web_url}|Open the session in Raygun>"))
    blocks.append(context(f"Times in {ctx.tz.key}"))
    load = sum(v.loading_ms for v in views) / len(views) / 1000 if views else None
    parts = [
        who,
        duration(s.length_ms / 1000),
        plural(len(views), "page view"),
        plural(len(s.errors), "error"),
    ]
    if load is not None:
        parts.append(f"average load {load:.1f}s")
    if s.satisfaction:
        parts.append(f"satisfaction {s.satisfaction}")
    return Message(f"Raygun session {s.id}: " + ", ".join(parts), tuple(blocks))


def short_id(session_id: int) -> str:
    """A session ID as a table shows it: its last digits, which tell sessions apart."""
    return shorten(str(session_id), keep=7, tail=True)


def _page(url: str) -> str:
    """A page URL without its scheme: `shop.example.com/pricing`."""
    parts = urlsplit(url)
    if not parts.netloc:
        return url
    return parts.netloc + parts.path + (f"?{parts.query}" if parts.query else "")


@router.command("sessions")
async def sessions(ctx: Context, args: Args) -> Message:
    """sessions USER [RANGE] [--country US,NZ] [--limit N]

    One user's sessions (USER is an email or user identifier): start, browser, OS,
    country, status, length, pages, with links to Raygun. One Raygun call per
    answer; `--limit` is 1 to 100 (default 20).

    /pulse sessions ana@example.com
    /pulse sessions ana@example.com 30d --country US,NZ --limit 50
    """
    reject_unknown(args, {"country", "limit"})
    limit = int_option(args, "limit", DEFAULT_LIMIT, low=1, high=MAX_LIMIT)
    codes = countries(args)
    period, rest = range_and_rest(ctx, args, max_words=1)
    if not rest:
        raise UsageError("Whose sessions? Give the user's email or identifier.")
    user = rest[0]
    page = await ctx.directory.get(raygun.SPEC).sessions(
        period.start,
        period.end,
        user_identifier=user,
        countries=codes,
        limit=limit,
        max_sessions=limit,
    )
    if not page.sessions:
        where = f" from {', '.join(codes)}" if codes else ""
        text = f"No sessions for {echo(user)}{where} {period.during()}"
        return Message(text, (section(escape(text)), context(period.describe())))
    return sessions_message(ctx, echo(user), period, codes, page.sessions, page.total)


@router.command("session")
async def session(ctx: Context, args: Args) -> Message:
    """session ID

    One session in full: satisfaction, user, browser and OS, location, page views
    with load times, and the errors it hit, each linked to Raygun.

    /pulse session 9012345678
    """
    reject_unknown(args)
    if not args.words:
        raise UsageError(
            "Which session? Give its ID, as `/pulse sessions USER` lists them.",
        )
    if len(args.words) > 1:
        raise UsageError(f"I don't know what `{echo(args.words[1])}` means here.")
    raw = args.words[0]
    number = identifier(
        raw, malformed=f"`{echo(raw)}` is not a session ID: Raygun session IDs are whole numbers."
    )
    if number is None:
        raise NotFound(raygun.SPEC.key, f"no session {echo(raw)}")
    detail = await ctx.directory.get(raygun.SPEC).session(number)
    return session_message(ctx, detail)
