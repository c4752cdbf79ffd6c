"""Fan-out of a round to 1,000 participants against the fake Slack with rate limiting switched on.

``Rounds.start`` (what ``/cx-assess start cx-maturity`` runs after its ack, people taken from the
channel) runs in this process against `tests.fakeslack.FakeSlack` on 127.0.0.1, with token-bucket
limits on every method at its Slack tier, 60 times faster (`FakeSlack.rate_limit_tiers`: the
channel's 1,000 members are looked up with ``users.list``, Tier 2, 200 a page) and on
``chat.postMessage`` (an invitation is posted to the user id, which opens the DM in the same
call). Reported: invitations delivered exactly once (distinct DMs that
hold exactly one invitation), the 429s Slack-the-fake answered, and the wall time against the
least the limits allow. slack-sdk's ``AsyncRateLimitErrorRetryHandler`` sleeps ``Retry-After`` +
``random.random()`` seconds after a 429 and gives up after 5 retries; the fake sends whole
seconds, at least 1. ``random`` is seeded so the jitter repeats from run to run. The fan-out
paces its calls (retries included) at the rate it has seen succeed once a 429 came
(`bot.pacing`), so the 429s are few.

Everything runs in one process: the time measured is dominated by the rate limits (seconds),
not by the few milliseconds of CPU the fake spends per call. It runs once per engine
(`benchmarks._databases`), on a fresh database each time.
"""

from __future__ import annotations

import asyncio
import random
import time

from benchmarks._databases import engine_of, on_each_engine
from bot.app import build_deps
from bot.config import Settings
from bot.frameworks import load_catalog
from bot.rounds import FANOUT_CONCURRENCY
from bot.slack_api import SlackUser, make_client
from bot.storage import Store
from tests.fakeslack import FakeSlack

PARTICIPANTS = 1000
SEED = 20240611
TEAM, CHANNEL, LEAD = "T0001", "C0001", "ULEAD"
TOKEN = "xoxb-bench-fanout"
SPEEDUP = 60.0  # Slack's tiers (calls a minute) run as calls a second
# (per second, burst). Real Slack: chat.postMessage ~1/s per conversation (each DM is one) with
# an unpublished workspace-wide ceiling; here 50/s, so that 1,000 invitations take seconds.
POST_LIMIT = (50.0, 10)
TARGET_RATIO = 1.1  # within 10 % of what the limits allow
TIMEOUT_S = 150.0


def least_time(limits: dict[str, tuple[float, int]], calls: dict[str, int]) -> float:
    """Seconds the limits allow at best: the look-ups, then the invitations, one after the
    other, each method's calls through its token bucket."""
    return sum(least_time_of(limits[m], n) for m, n in calls.items() if m in limits)


def least_time_of(limit: tuple[float, int], calls: int) -> float:
    """Seconds a token bucket of ``limit`` (per second, burst) needs to let ``calls`` through."""
    rate, burst = limit
    return max(0.0, (calls - burst) / rate)


def user_id(i: int) -> str:
    return f"U{i:05d}"


def invitations(slack: FakeSlack, user: str) -> int:
    """How many invitation messages (with a Start button) the user's DM holds."""
    return sum(
        1
        for message in slack.messages(f"D{user}")
        for block in message.get("blocks") or []
        if block.get("type") == "actions"
        and any(e.get("action_id") == "cx_start" for e in block.get("elements", []))
    )


async def run(database: str) -> None:
    random.seed(SEED)  # slack-sdk's retry jitter
    engine = f"fanout: {engine_of(database)}:"
    async with FakeSlack() as slack:
        users = [user_id(i) for i in range(PARTICIPANTS)]
        slack.add_user(LEAD, name="lead")
        for i, user in enumerate(users):
            slack.add_user(user, locale=("en-US", "es-ES", "de-DE")[i % 3])
        slack.add_channel(CHANNEL, users, name="cx-team")
        limits = slack.rate_limit_tiers(SPEEDUP)
        slack.rate_limit("chat.postMessage", *POST_LIMIT)
        limits["chat.postMessage"] = POST_LIMIT
        settings = Settings(database=database, slack_bot_token=TOKEN, slack_api_url=slack.api_url)
        async with Store.open(settings.database) as store:
            deps = build_deps(settings, load_catalog(), store, make_client(TOKEN, slack.api_url))
            lead = SlackUser(LEAD, "Lead", False, False, False, "en-US", "Europe/Madrid")
            started = time.perf_counter()
            round_, fan_out = await asyncio.wait_for(
                deps.rounds.start(
                    team_id=TEAM, channel_id=CHANNEL, starter=lead, framework_id="cx-maturity"
                ),
                TIMEOUT_S,
            )
            elapsed = time.perf_counter() - started
            not_marked = [
                p.user_id for p in await store.participants(round_.id) if not p.invited_at
            ]

    per_user = [invitations(slack, user) for user in users]
    once = sum(1 for n in per_user if n == 1)
    twice = sum(1 for n in per_user if n > 1)
    never = sum(1 for n in per_user if n == 0)
    used = ("conversations.members", "users.list", "users.info", "chat.postMessage")
    ok = {m: len(slack.calls_to(m, ok_only=True)) for m in used}
    lookups = [c.at for m in used[:3] for c in slack.calls_to(m)]
    sends = [c.at for c in slack.calls_to("chat.postMessage")]
    lookup_s = max(lookups) - min(lookups) if lookups else 0.0
    send_s = max(sends) - min(sends) if sends else 0.0
    least = least_time(limits, ok)
    ratio = elapsed / least if least else float("inf")
    shown = ", ".join(f"{m} {limits[m][0]:g}/s burst {limits[m][1]}" for m in used)
    print(
        f"{engine} {PARTICIPANTS} participants, limits (Slack's tiers x{SPEEDUP:g}) {shown};"
        f" app concurrency {FANOUT_CONCURRENCY}"
    )
    print(
        f"{engine} invitations delivered exactly once {once}/{PARTICIPANTS}"
        f" (none {never}, more than once {twice}); reported invited {fan_out.invited},"
        f" unreached {len(fan_out.unreached)}; not marked invited in the store {len(not_marked)}"
    )
    print(
        f"{engine} 429s "
        + ", ".join(f"{m} {slack.rate_limited[m]}" for m in used)
        + f" (successful calls: {', '.join(f'{m} {n}' for m, n in ok.items())})"
    )
    least_lookups = least_time(limits, {m: ok[m] for m in used[:3]})
    least_send = least_time(limits, {"chat.postMessage": ok["chat.postMessage"]})
    print(
        f"{engine} phases: member and user look-ups {lookup_s:.1f} s (least {least_lookups:.1f} s),"
        f" invitations {send_s:.1f} s (least {least_send:.1f} s)"
    )
    exact = once == PARTICIPANTS and fan_out.invited == PARTICIPANTS and not not_marked
    verdict = "PASS" if exact and ratio <= TARGET_RATIO else "MISS"
    print(
        f"{engine} total {elapsed:.1f} s vs {least:.1f} s the limits allow at best: ratio"
        f" {ratio:.2f}, {elapsed - least:.1f} s over (target <= {TARGET_RATIO}, every"
        f" invitation once) {verdict}"
    )
    if fan_out.unreached:
        errors = sorted({u.error for u in fan_out.unreached})
        print(f"{engine} unreached errors: {', '.join(errors)}")


def main() -> None:
    on_each_engine("fanout", run, TIMEOUT_S)


if __name__ == "__main__":
    main()
