"""Pulsetracker commands: the apps, with devices and this month's messages (against the
plan's monthly allowance when an admin entered it: the API never reports it); one app in
detail; creating and renaming apps.

Anyone may read; creating and renaming write to the company's Pulsetracker account, so
only Pulse Bot admins may (PRODUCT §7), and every change is written to the audit table.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import date
from typing import TypeVar

from bot import messages
from bot.clients import pulsetracker
from bot.clients.pulsetracker import App, quota_fraction
from bot.domain.formatting import human, percent, plural
from bot.domain.headlines import QUOTA_WARNING
from bot.domain.values import echo
from bot.errors import NotFound, UsageError
from bot.render.blocks import Block, context, escape, fields, header, section
from bot.render.message import Message
from bot.render.table import Column, right, shorten, table_blocks
from commands.context import Context
from commands.options import int_option, reject_unknown
from commands.parsing import Args
from commands.router import Router

router = Router(group=pulsetracker.SPEC.name)
MAX_PAGE = 10_000
HISTORY = 12  # months of messages shown for one app
SHORT_KEY = 8  # characters of a long app key shown in tables
LONG_KEY = 36  # a whole UUID key
_HEX = re.compile(r"[0-9a-fA-F-]{4,}")
T = TypeVar("T")


def this_month(ctx: Context) -> date:
    """The first day of the caller's current month, in the caller's zone."""
    return ctx.now().astimezone(ctx.tz).date().replace(day=1)


def usage_of(app: App, month: date, allowance: int | None) -> tuple[int, float | None]:
    """Messages sent in `month` and their share of the monthly `allowance` (None when no
    allowance is known: never a share of an invented one)."""
    sent = app.messages_sent_in(month.year, month.month)
    if allowance is None:
        return sent, None
    return sent, quota_fraction(app, month.year, month.month, allowance)


def allowance_note(allowance: int | None) -> str:
    """What the percentages are of, or why there are none."""
    if allowance is None:
        return messages.allowance_howto() + " to see each app's share of it"
    return (
        f"Monthly allowance: {human(allowance)} messages per app, as an admin entered it; "
        f"⚠ at {QUOTA_WARNING:.0%} or more"
    )


def warning(fraction: float) -> str:
    return "⚠" if fraction >= QUOTA_WARNING else ""


def share(fraction: float) -> str:
    """`84.5% ⚠`: the share of the allowance, marked from the warning level on."""
    return f"{percent(fraction)} {warning(fraction)}".strip()


def short_key(key: str) -> str:
    """An app key as tables show it (`273f2ea6…`); `apps show` takes that form too."""
    return shorten(key, keep=SHORT_KEY)


async def by_key(ctx: Context, typed: str, act: Callable[[str], Awaitable[T]]) -> T:
    """`act` on the app `typed` names: its key, or — as tables show long keys — the start of
    exactly one app's key (`273f2ea6…`, with or without the `…`). A whole key costs no
    extra call; a short form costs one listing of the apps."""
    key = typed.rstrip("…").removesuffix("...")
    missing: NotFound | None = None
    if key == typed:
        try:
            return await act(key)
        except NotFound as err:
            if not _HEX.fullmatch(key) or len(key) >= LONG_KEY:
                raise  # not the start of a long key: the service's own answer stands
            missing = err
    apps = await ctx.directory.get(pulsetracker.SPEC).all_apps()
    found = [a.key for a in apps.apps if a.key.startswith(key)]
    if len(found) > 1:
        raise UsageError(f"`{echo(typed)}` starts the keys of {len(found)} apps; give more of it.")
    if not found:
        raise missing or NotFound(pulsetracker.SPEC.key, f"no app key starts with {echo(key)}")
    return await act(found[0])


def _name(words: tuple[str, ...], what: str) -> str:
    name = " ".join(words).strip()
    if not name:
        raise UsageError(f'Give the {what} name, in quotes if you like: "My app".')
    return name


def _one_key(args: Args) -> str:
    if not args.words:
        raise UsageError("Which app? Give its key, as `/pulse apps` lists them.")
    if len(args.words) > 1:
        raise UsageError(f"I don't know what `{echo(args.words[1])}` means here.")
    return args.words[0]


def app_message(ctx: Context, app: App, allowance: int | None) -> Message:
    month = this_month(ctx)
    sent, fraction = usage_of(app, month, allowance)
    created = app.created_at.astimezone(ctx.tz).strftime("%d %b %Y") if app.created_at else "—"
    this = f"{sent:,}"
    if allowance is not None and fraction is not None:
        this = f"{this} ({percent(fraction)} of {human(allowance)}) {warning(fraction)}".strip()
    facts = fields(
        [
            ("Key", f"`{app.key}`"),
            ("Devices", human(app.devices_count)),
            (f"Messages in {month:%B}", this),
            ("Created", created),
        ]
    )
    blocks: list[Block] = [header(f"Pulsetracker app — {app.name}"), facts]
    history = sorted(app.quota, key=lambda q: (q.year, q.month), reverse=True)[:HISTORY]
    if history:
        rows = [
            [
                date(q.year, q.month, 1).strftime("%b %Y"),
                f"{q.messages_sent:,}",
                *([] if allowance is None else [share(q.messages_sent / allowance)]),
            ]
            for q in history
        ]
        columns = [Column("Month"), right("Messages")]
        columns += [] if allowance is None else [right("Of allowance")]
        blocks += table_blocks(columns, rows, noun="months")
    else:
        blocks.append(section("No messages recorded for this app yet."))
    blocks.append(context(f"{allowance_note(allowance)}. Months in {ctx.tz.key}."))
    lead = (
        f"{app.name} ({app.key}): {plural(app.devices_count, 'device')}, "
        f"{sent:,} message{'' if sent == 1 else 's'} in {month:%B %Y}"
    )
    if fraction is not None:
        lead += f" ({percent(fraction)} of the monthly allowance)"
    return Message(lead, tuple(blocks))


@router.command("apps")
async def apps(ctx: Context, args: Args) -> Message:
    """apps [--page N]

    Pulsetracker apps, 12 a page: key, devices, and this month's messages (against
    the monthly allowance an admin entered, ⚠ from 80%).

    /pulse apps
    /pulse apps --page 2
    """
    if args.words:
        raise router.unknown(["apps", *args.words])
    reject_unknown(args, {"page"})
    number = int_option(args, "page", 1, low=1, high=MAX_PAGE)
    client = ctx.directory.get(pulsetracker.SPEC)
    page = await client.apps(number)
    if page.total == 0:
        text = "There are no apps in Pulsetracker yet; create one with `/pulse apps create NAME`."
        return Message(text, (section(text),))
    if not page.items:
        text = (
            f"There is no page {number}: Pulsetracker has {plural(page.total, 'app')} on "
            f"{plural(page.last, 'page')}."
        )
        raise UsageError(text)
    month, allowance = this_month(ctx), client.allowance
    used = [(app, *usage_of(app, month, allowance)) for app in page.items]
    rows = [
        [
            app.name,
            short_key(app.key),
            human(app.devices_count),
            f"{sent:,}",
            *([] if f is None else [share(f)]),
        ]
        for app, sent, f in used
    ]
    near = sum(1 for _, _, f in used if f is not None and f >= QUOTA_WARNING)
    where = f"page {page.number} of {page.last}"
    title = f"Pulsetracker apps — {page.total} apps, {where}"
    notes = [f"Messages sent in {month:%B %Y} ({ctx.tz.key})", allowance_note(allowance)]
    if page.number < page.last:
        notes.append(f"next: `/pulse apps --page {page.number + 1}`")
    shortened = any(short_key(app.key) != app.key for app in page.items)
    notes.append(
        "one app: `/pulse apps show KEY`" + (" (the short key works)" if shortened else "")
    )
    columns = [Column("App"), Column("Key"), right("Devices"), right(f"{month:%b} messages")]
    columns += [] if allowance is None else [right("Of allowance")]
    blocks: list[Block] = [
        header(title),
        *table_blocks(columns, rows, noun="apps"),
        context(" · ".join(notes)),
    ]
    lead = f"Pulsetracker: {plural(page.total, 'app')}, {where}"
    if near:
        lead += f"; {near} at {QUOTA_WARNING:.0%} or more of the monthly messages"
    return Message(lead, tuple(blocks))


@router.command("apps show")
async def apps_show(ctx: Context, args: Args) -> Message:
    """apps show KEY

    One app: its devices, this month's messages (against the allowance an admin
    entered), and the messages of recent months. KEY may be the short key `/pulse apps`
    shows.

    /pulse apps show app_9f2c1a
    """
    reject_unknown(args)
    client = ctx.directory.get(pulsetracker.SPEC)
    return app_message(ctx, await by_key(ctx, _one_key(args), client.app), client.allowance)


@router.command("apps create")
async def apps_create(ctx: Context, args: Args) -> Message:
    """apps create NAME

    Create a Pulsetracker app named NAME (quotes are optional; admins only).
    Recorded in the audit log.

    /pulse apps create "Night shift"
    """
    reject_unknown(args)
    name = _name(args.words, "new app's")
    await ctx.require_admin("create Pulsetracker apps")
    app = await ctx.directory.get(pulsetracker.SPEC).create_app(name)
    await ctx.audit("pulsetracker.apps.create", name=app.name, key=app.key)
    text = f"Created the Pulsetracker app {app.name} with key {app.key}."
    shown = f"Created the Pulsetracker app *{escape(app.name)}* with key `{app.key}`."
    return Message(text, (section(shown), context(f"See it with `/pulse apps show {app.key}`")))


@router.command("apps rename")
async def apps_rename(ctx: Context, args: Args) -> Message:
    """apps rename KEY NAME

    Give the app with key KEY a new name (quotes are optional; admins only).
    Recorded in the audit log.

    /pulse apps rename app_9f2c1a "Delivery fleet (north)"
    """
    reject_unknown(args)
    if not args.words:
        raise UsageError("Which app? Give its key, then the new name.")
    name = _name(args.words[1:], "new")
    await ctx.require_admin("rename Pulsetracker apps")
    client = ctx.directory.get(pulsetracker.SPEC)
    renamed: list[str] = []

    async def rename(key: str) -> str:
        renamed.append(key)
        return await client.rename_app(key, name)

    now_named = await by_key(ctx, args.words[0], rename)
    key = renamed[-1]
    await ctx.audit("pulsetracker.apps.rename", key=key, name=now_named)
    text = f"Renamed the Pulsetracker app {echo(key)} to {now_named}."
    shown = f"Renamed the Pulsetracker app `{echo(key)}` to *{escape(now_named)}*."
    return Message(text, (section(shown),))
