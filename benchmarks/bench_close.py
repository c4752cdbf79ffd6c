"""Closing a round of 1,000 participants against the fake Slack with rate limits on.

A ``cx-maturity`` round is started for a channel of 1,000 people (`Rounds.start`, limits off),
and everyone answers every card through the interview engine (`bot.flows.interview.advance`,
saved with `Store.save_progress`, as a person's taps would be). Then the fake Slack's limits go
on (every method at its Slack tier, 60 times faster, see `FakeSlack.rate_limit_tiers`; ``chat.
postMessage`` as in ``bench_fanout``) and `Rounds.close` runs, as ``/cx-assess close`` does after
its ack. Measured:

- the seconds from ``close`` until the summary is in the channel (target 5 s), and until
  ``close`` returns (the lead's reply waits for that: the summary, its chart and report, the
  discussion threads);
- the farewells, one new DM to each person who answered, sent in the background: each exactly
  once, and their time against what the limits allow; no ``chat.update`` at all;
- the database's size per answer (SQLite's file with the WAL checkpointed; PostgreSQL's tables
  and indexes): the capacity note's database figures.

Everything runs in one process (the fake Slack included), so its CPU counts against the close;
it runs once per engine (`benchmarks._databases`), on a fresh database each time.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter

from benchmarks._databases import database_bytes, engine_of, on_each_engine
from bot.answers import Ask
from bot.app import build_deps
from bot.config import Settings
from bot.flows.interview import Answer, Finish, InterviewState, Question, Review, Start, advance
from bot.frameworks import Framework, load_catalog
from bot.slack_api import SlackUser, make_client
from bot.storage import Store
from tests.fakeslack import FakeSlack

PARTICIPANTS = 1000
SEED = 20240611
TEAM, CHANNEL, LEAD = "T0001", "C0001", "ULEAD"
TOKEN = "xoxb-bench-close"
SPEEDUP = 60.0  # the tiers run 60 times faster, so that minutes of Slack time take seconds
POST_LIMIT = (50.0, 10)  # chat.postMessage, per second and burst, as in bench_fanout
TARGET_SUMMARY_S = 5.0
TIMEOUT_S = 120.0


def user_id(i: int) -> str:
    return f"U{i:05d}"


def answered(framework: Framework, rng: random.Random) -> InterviewState:
    """A whole dialogue: Start, every card's rows, Submit."""
    step = advance(framework, InterviewState(), Start())
    while isinstance(step.prompt, Question):
        question = step.prompt
        values = question.scale.values
        for ask in question.asks:
            value = rng.choice((1, 2, 3)) if ask is Ask.IMPORTANCE else rng.choice(values)
            step = advance(framework, step.state, Answer(value, question.area.id, ask))
    if isinstance(step.prompt, Review):
        step = advance(framework, step.state, Finish())
    return step.state


async def run(database: str) -> None:
    rng = random.Random(SEED)
    random.seed(SEED)  # slack-sdk's retry jitter
    users = [user_id(i) for i in range(PARTICIPANTS)]
    engine = f"close: {engine_of(database)}:"
    async with FakeSlack() as slack:
        slack.add_user(LEAD, name="lead")
        for i, user in enumerate(users):
            slack.add_user(user, locale=("en-US", "es-ES", "de-DE")[i % 3])
        slack.add_channel(CHANNEL, users, name="cx-team")
        settings = Settings(database=database, slack_bot_token=TOKEN, slack_api_url=slack.api_url)
        async with Store.open(settings.database) as store:
            deps = build_deps(settings, load_catalog(), store, make_client(TOKEN, slack.api_url))
            lead = SlackUser(LEAD, "Lead", False, False, False, "en-US", "Europe/Madrid")
            round_, _ = await deps.rounds.start(
                team_id=TEAM, channel_id=CHANNEL, starter=lead, framework_id="cx-maturity"
            )
            framework = round_.framework
            for user in users:
                state = answered(framework, rng)
                await store.save_progress(round_.id, user, state, tuple(state.answers))
            answers = sum(len(a) for a in (await store.answers(round_.id)).values())
            size = await database_bytes(database)

            limits = slack.rate_limit_tiers(SPEEDUP)
            slack.rate_limit("chat.postMessage", *POST_LIMIT)
            slack.reset_calls()
            started = time.perf_counter()
            closing_ = asyncio.create_task(deps.rounds.close(round_, force=True))
            summary_s = None
            while summary_s is None and not closing_.done():
                if any(
                    (m.get("metadata") or {}).get("event_type") == "cx_assess_summary"
                    for m in slack.messages(CHANNEL)
                ):
                    summary_s = time.perf_counter() - started
                await asyncio.sleep(0.01)
            await asyncio.wait_for(closing_, TIMEOUT_S)
            summary_s = summary_s or time.perf_counter() - started
            returned_s = time.perf_counter() - started
            await asyncio.wait_for(asyncio.gather(*deps.rounds.background), TIMEOUT_S)
            farewell_s = time.perf_counter() - returned_s - started

    dms = Counter(
        c.params["channel"]
        for c in slack.calls_to("chat.postMessage", ok_only=True)
        if c.params["channel"].startswith("D")
    )  # since the close: one farewell per DM
    once = sum(1 for u in users if dms[f"D{u}"] == 1)
    farewells = sum(dms.values())
    updates = len(slack.calls_to("chat.update"))
    rate, burst = POST_LIMIT
    least = max(0.0, (farewells - burst) / rate)
    calls = len([c for c in slack.calls if c.ok])
    print(
        f"{engine} {PARTICIPANTS} participants, {answers} answers; limits: Slack's tiers x{SPEEDUP:g}"
        f" (users.info {limits['users.info'][0]:g}/s, chat.update {limits['chat.update'][0]:g}/s),"
        f" chat.postMessage {rate:g}/s burst {burst}"
    )
    print(
        f"{engine} summary in the channel {summary_s:.2f} s after close (target <= "
        f"{TARGET_SUMMARY_S:g} s) {'PASS' if summary_s <= TARGET_SUMMARY_S else 'MISS'};"
        f" close returned (the lead's reply) after {returned_s:.2f} s"
    )
    ratio = (farewell_s / least) if least else float("inf")
    ok = once == PARTICIPANTS and updates == 0
    print(
        f"{engine} farewells in the background: {once}/{PARTICIPANTS} thanked exactly once,"
        f" chat.update calls {updates} (target: each once, no chat.update)"
        f" {'PASS' if ok else 'MISS'}; {calls} Slack calls in all, 429s"
        f" {sum(slack.rate_limited.values())}; {farewell_s:.1f} s vs {least:.1f} s the"
        f" limits allow: ratio {ratio:.2f}, {farewell_s - least:.1f} s over"
    )
    print(
        f"{engine} database {size / 1e6:.2f} MB for the round ({size / answers:.0f} bytes per answer"
        f" with its share of the rest, {size / PARTICIPANTS / 1024:.1f} KB per participant)"
    )


def main() -> None:
    on_each_engine("close", run, TIMEOUT_S)


if __name__ == "__main__":
    main()
