"""The ``cx-assess`` command line: frameworks, chat, report, demo, serve, manifest, db, data."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shlex
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

from bot import __version__
from bot.analysis import Report, analyse
from bot.chat import run_chat
from bot.config import ConfigError, Settings, load_dotenv_file
from bot.csv_answers import read_answers
from bot.demo import run_demo
from bot.flows.slash import MAX_MIN_RESPONSES, MIN_RESPONSES_FLOOR
from bot.frameworks import (
    LANGUAGES,
    Catalog,
    Framework,
    FrameworkError,
    UnknownFramework,
    load_catalog,
    load_framework,
)
from bot.logs import configure_logging
from bot.manifest import manifest_yaml
from bot.render.blocks import to_dicts
from bot.render.blocks.summary import summary_blocks
from bot.render.chart import render_chart
from bot.render.report import render_json, render_markdown
from bot.serving_lock import AlreadyServed, serving_lock
from bot.storage import DatabaseUnusable, Store, shown
from bot.storage.copy import CopyRefused, check_urls, copy_database

MAX_DEMO_PARTICIPANTS = 100


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="cx-assess",
        description="Customer-experience maturity assessments, in Slack or offline.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    fw = sub.add_parser("frameworks", help="list, show and validate assessment frameworks")
    fw_sub = fw.add_subparsers(dest="action", required=True, metavar="ACTION")
    fw_sub.add_parser("list", help="id, name, number of areas and levels of each framework")
    show = fw_sub.add_parser("show", help="print one framework")
    show.add_argument("id")
    show.add_argument("--lang", choices=LANGUAGES, default="en")
    show.add_argument("--json", action="store_true", help="the loaded framework as JSON")
    validate = fw_sub.add_parser(
        "validate", help="check framework files; exit 1 listing every error"
    )
    validate.add_argument("paths", nargs="+", metavar="PATH")

    chat = sub.add_parser("chat", help="take an assessment in the terminal (resumable)")
    chat.add_argument("--framework", default="cx-maturity", metavar="ID")
    chat.add_argument("--lang", choices=LANGUAGES, default="en")
    chat.add_argument(
        "--db", metavar="DB", help="SQLite file or database URL (default: $CX_ASSESS_DB)"
    )
    chat.add_argument("--name", default=os.environ.get("USER") or "me", help="who is answering")

    report = sub.add_parser("report", help="analyse answers gathered elsewhere (a CSV file)")
    report.add_argument("--framework", required=True, metavar="ID")
    report.add_argument("--answers", required=True, metavar="FILE.csv")
    report.add_argument("--previous", metavar="FILE.csv", help="the previous round, for a trend")
    report.add_argument(
        "--invited", type=_whole(1), metavar="N", help="default: the participants in the file"
    )
    report.add_argument("--lang", choices=LANGUAGES, default="en")
    report.add_argument("--format", choices=("json", "md", "blocks"), default="md")
    report.add_argument("--chart", metavar="FILE.png", help="also draw the chart")
    report.add_argument(
        "--min-responses",
        type=_whole(MIN_RESPONSES_FLOOR, MAX_MIN_RESPONSES),
        metavar="N",
        help="default: $CX_ASSESS_MIN_RESPONSES",
    )

    demo = sub.add_parser("demo", help="run a simulated round offline and write its reports")
    demo.add_argument("--framework", default="cx-maturity", metavar="ID")
    demo.add_argument("--participants", type=_whole(1, MAX_DEMO_PARTICIPANTS), default=7)
    demo.add_argument("--lang", choices=LANGUAGES, default="en")
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--out", type=Path, default=Path("demo-out"), metavar="DIR")

    serve = sub.add_parser("serve", help="run the Slack app (Socket Mode or HTTP)")
    mode = serve.add_mutually_exclusive_group()
    mode.add_argument("--socket", action="store_true", help="force Socket Mode")
    mode.add_argument("--http", action="store_true", help="force HTTP mode")
    serve.add_argument("--host", help="default: $HOST or 0.0.0.0")
    serve.add_argument("--port", type=_whole(0, 65535), help="default: $PORT or 3000")

    manifest = sub.add_parser("manifest", help="print the Slack app manifest")
    manifest.add_argument("--url", help="public base URL for HTTP mode (omit for Socket Mode)")

    db = sub.add_parser("db", help="manage the database")
    db_sub = db.add_subparsers(dest="action", required=True, metavar="ACTION")
    copy = db_sub.add_parser(
        "copy", help="copy every round, answer and dialogue into an empty database"
    )
    copy.add_argument("source", metavar="SOURCE_URL", help="SQLite path or database URL")
    copy.add_argument("target", metavar="TARGET_URL", help="an empty (or new) database")

    data = sub.add_parser("data", help="one workspace's data: export it as JSON, or delete it")
    data_sub = data.add_subparsers(dest="action", required=True, metavar="ACTION")
    export = data_sub.add_parser("export", help="write all of a workspace's data as JSON")
    export.add_argument("--team", required=True, metavar="TEAM_ID", help="the workspace (T...)")
    export.add_argument("-o", "--output", help="the JSON file (default: standard output)")
    delete = data_sub.add_parser(
        "delete", help="remove all of a workspace's data, its installation included"
    )
    delete.add_argument("--team", required=True, metavar="TEAM_ID", help="the workspace (T...)")
    delete.add_argument("--yes", action="store_true", help="delete without asking")
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the command line; returns the exit code."""
    out = out or sys.stdout
    load_dotenv_file()
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        if args.command == "frameworks":
            return _frameworks(args, settings, out)
        if args.command == "chat":
            return asyncio.run(_chat(args, settings, out))
        if args.command == "report":
            return _report(args, settings, out)
        if args.command == "demo":
            return _demo(args, settings, out)
        if args.command == "manifest":
            out.write(manifest_yaml(args.url))
            return 0
        if args.command == "serve":
            return _serve(args, settings)
        if args.command == "db":
            return asyncio.run(_db_copy(args.source, args.target, out))
        if args.command == "data":
            return asyncio.run(_data(args, settings, out))
    except (ConfigError, FrameworkError, DatabaseUnusable, AlreadyServed, CopyRefused) as exc:
        print(f"cx-assess: {exc}", file=sys.stderr)
        return 1
    except UnknownFramework as exc:
        print(f"cx-assess: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # e.g. `cx-assess frameworks show ... | head`
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    raise AssertionError(f"unhandled command {args.command}")  # argparse guarantees a known one


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    configure_logging(
        settings.log_level,
        {
            "SLACK_BOT_TOKEN": settings.slack_bot_token,
            "SLACK_SIGNING_SECRET": settings.slack_signing_secret,
            "SLACK_APP_TOKEN": settings.slack_app_token,
            "SLACK_CLIENT_SECRET": settings.slack_client_secret,
        },
    )
    app_token = bool(settings.slack_app_token) and not settings.oauth  # OAuth: HTTP only
    socket = args.socket or (app_token and not args.http)
    if socket and not settings.slack_app_token:
        raise ConfigError("SLACK_APP_TOKEN (xapp-...) is required for Socket Mode")
    host = args.host or settings.host
    port = settings.port if args.port is None else args.port
    from bot.server import serve  # Bolt and aiohttp: only the server needs them (quick CLI)

    asyncio.run(serve(settings, catalog_for(settings), socket=socket, host=host, port=port))
    return 0


async def _db_copy(source: str, target: str, out: TextIO) -> int:
    check_urls(source, target)
    async with Store.open(source) as reading, Store.open(target) as writing:
        try:
            with serving_lock(source), serving_lock(target):  # no serve starts meanwhile
                counts = await copy_database(reading, writing)
        except AlreadyServed as exc:
            raise CopyRefused(
                f"{exc.path} is served by process {exc.holder}: stop it before copying"
            ) from None
    rows = [(c.table, str(c.source), str(c.target)) for c in counts]
    _table(("TABLE", "SOURCE", "TARGET"), rows, out)
    out.write(f"Copied {sum(c.target for c in counts)} rows to {shown(target)}.\n")
    return 0


async def _data(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    """``data export``: the workspace's rows as JSON; ``data delete``: what it holds, a
    confirmation (unless ``--yes``), then every row of it removed in one transaction."""
    async with Store.open(settings.database) as store:
        if args.action == "export":
            document = {"team_id": args.team, "tables": await store.team_data(args.team)}
            text = json.dumps(document, indent=2, ensure_ascii=False, default=str) + "\n"
            if args.output:
                Path(args.output).write_text(text, encoding="utf-8")
            else:
                out.write(text)
            return 0
        counts = await store.team_counts(args.team)
        if not any(counts.values()):
            out.write(f"Workspace {args.team} has no data here.\n")
            return 0
        _table(("TABLE", "ROWS"), [(t, str(n)) for t, n in counts.items() if n], out)
        if not args.yes:
            out.write(f"Delete all of this data of workspace {args.team}? [y/N] ")
            out.flush()
            if input().strip().lower() not in ("y", "yes"):
                out.write("Nothing was deleted.\n")
                return 1
        removed = await store.delete_team(args.team)
        out.write(f"Deleted {sum(removed.values())} rows of workspace {args.team}.\n")
        return 0


def catalog_for(settings: Settings) -> Catalog:
    """The bundled frameworks plus those in ``CX_ASSESS_FRAMEWORKS``."""
    return load_catalog(settings.frameworks_dir)


def _frameworks(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    if args.action == "validate":
        return _validate(args.paths, out)
    catalog = catalog_for(settings)
    if args.action == "list":
        rows = [(f.id, f.name.en, str(len(f.areas)), str(len(f.scale.levels))) for f in catalog]
        _table(("ID", "NAME", "AREAS", "LEVELS"), rows, out)
        return 0
    framework = catalog.get(args.id)
    if args.json:
        json.dump(framework.to_dict(), out, ensure_ascii=False, indent=2)
        out.write("\n")
        return 0
    lang = args.lang
    out.write(f"{framework.name.get(lang)} ({framework.id} v{framework.version})\n")
    out.write(f"{framework.description.get(lang)}\n\n")
    for level in framework.scale.levels:
        out.write(f"  {level.value}. {level.label.get(lang)}: {level.summary.get(lang)}\n")
    for n, area in enumerate(framework.areas, 1):
        out.write(f"\n{n}. {area.name.get(lang)} [{area.id}]\n   {area.question.get(lang)}\n")
        for value, text in area.levels.items():
            out.write(
                f"   {value} {framework.scale.level(value).label.get(lang)}: {text.get(lang)}\n"
            )
        for prompt in area.prompts:
            out.write(f"   - {prompt.get(lang)}\n")
    return 0


async def _chat(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    framework = catalog_for(settings).get(args.framework)
    db = args.db or settings.database
    options = {"--framework": framework.id, "--lang": args.lang, "--db": db, "--name": args.name}
    resume = shlex.join(["cx-assess", "chat", *(x for pair in options.items() for x in pair)])
    async with Store.open(db) as store:
        return await run_chat(
            store,
            framework,
            name=args.name,
            lang=args.lang,
            stdin=sys.stdin,
            out=out,
            resume_command=resume,
            echo=not sys.stdin.isatty(),
        )


def _report(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    framework = catalog_for(settings).get(args.framework)
    try:
        report = _analyse_files(args, framework, settings)
        if args.chart:
            Path(args.chart).write_bytes(render_chart(report, args.lang))
    except ValueError as exc:  # AnswersFileError is one
        print(f"cx-assess: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        return _cannot_write(exc)
    if args.format == "json":
        out.write(render_json(report, args.lang) + "\n")
    elif args.format == "md":
        out.write(render_markdown(report, args.lang))
    else:
        blocks = to_dicts(summary_blocks(report, args.lang))
        out.write(json.dumps(blocks, ensure_ascii=False, indent=2) + "\n")
    return 0


def _analyse_files(args: argparse.Namespace, framework: Framework, settings: Settings) -> Report:
    """The report of ``--answers`` (with ``--previous`` as its baseline); `ValueError` if bad."""
    answers = read_answers(args.answers, framework)
    invited = args.invited or len(answers)
    if invited < len(answers):
        raise ValueError(
            f"--invited {invited} is fewer than the {len(answers)} participants in {args.answers}"
        )
    min_responses = args.min_responses or settings.min_responses
    threshold = _consensus_threshold(framework, settings)
    previous = None
    if args.previous:
        before = read_answers(args.previous, framework)
        previous = analyse(
            framework,
            before,
            invited=len(before),
            min_responses=min_responses,
            consensus_threshold=threshold,
        ).baseline()
    return analyse(
        framework,
        answers,
        invited=invited,
        previous=previous,
        min_responses=min_responses,
        consensus_threshold=threshold,
    )


def _demo(args: argparse.Namespace, settings: Settings, out: TextIO) -> int:
    framework = catalog_for(settings).get(args.framework)
    demo = run_demo(
        framework,
        participants=args.participants,
        lang=args.lang,
        seed=args.seed,
        out_dir=args.out,
        min_responses=settings.min_responses,
        consensus_threshold=_consensus_threshold(framework, settings),
        stdout=out,
    )
    try:
        asyncio.run(demo)
    except OSError as exc:
        return _cannot_write(exc)
    return 0


def _cannot_write(exc: OSError) -> int:
    print(f"cx-assess: cannot write {exc.filename}: {exc.strerror}", file=sys.stderr)
    return 1


def _consensus_threshold(framework: Framework, settings: Settings) -> float | None:
    """The environment's threshold, unless the framework sets its own (which then wins)."""
    return None if framework.consensus_threshold is not None else settings.consensus_threshold


def _whole(low: int, high: int | None = None) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
        if value < low or (high is not None and value > high):
            bound = f"from {low} to {high}" if high is not None else f"at least {low}"
            raise argparse.ArgumentTypeError(f"expected a number {bound}, got {value}")
        return value

    return parse


def _validate(paths: Sequence[str], out: TextIO) -> int:
    failed = 0
    for path in paths:
        try:
            framework = load_framework(path)
        except FrameworkError as exc:
            failed += 1
            for problem in exc.problems:
                print(f"error: {problem}", file=sys.stderr)
            continue
        out.write(f"ok: {path} ({framework.id}: {len(framework.areas)} areas)\n")
    if failed:
        print(f"{failed} of {len(paths)} file(s) have errors", file=sys.stderr)
    return 1 if failed else 0


def _table(header: Sequence[str], rows: Sequence[Sequence[str]], out: TextIO) -> None:
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        out.write(
            "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() + "\n"
        )
