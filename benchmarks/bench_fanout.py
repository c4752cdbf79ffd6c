"""Fan-out of a round to 1,000 participants against the fake Slack with rate limiting switched on.

``Rounds.start`` (what ``/cx-assess start cx-maturity`` runs after its ack, people taken from the
channel) runs in this process against `tests.fakeslack.FakeSlack` on 127.0.0.1, with token-bucket
limits on ``chat.postMessage`` (an invitation is posted to the user id, which opens the DM in the
same call) and ``users.info`` (called once per channel member). Reported: invitations delivered exactly once (distinct DMs that
hold exactly one invitation), the 429s Slack-the-fake answered, and the wall time against the
least the limits allow. slack-sdk's ``AsyncRateLimitErrorRetryHandler`` sleeps ``Retry-After`` +
``random.random()`` seconds after a 429 and gives up after 5 retries; the fake sends whole
seconds, at least 1. ``random`` is seeded so the jitter repeats from run to run.

Everything runs in one process: the time measured is dominated by the rate limits (seconds),
not by the few milliseconds of CPU the fake spends per call.
"""

from __future__ import annotations

import asyncio
import random
import shutil
import tempfile
import time
from pathlib import Path

from bot.app import build_deps
from bot.config import Settings
from bot.frameworks import load_catalog
from bot.rounds import FANOUT_CONCURRENCY
from bot.slack_api import SlackUser, make_client
from bot.store import Store
from tests.fakeslack import FakeSlack

PARTICIPANTS = 1000
SEED = 20240611
TEAM, CHANNEL, LEAD = "T0001", "C0001", "ULEAD"
TOKEN = "xoxb-bench-fanout"
# (per second, burst). Real Slack: users.info Tier 4 (100+/min), chat.postMessage ~1/s per
# conversation with a workspace-wide ceiling; scaled up 60x so that a 1,000-person fan-out
# takes seconds, keeping the same shape (small bursts).
LIMITS: dict[str, tuple[float, int]] = {
    "users.info": (100.0, 20),
    "chat.postMessage": (50.0, 10),
}
TARGET_RATIO = 1.5  # "near what the rate limit allows"
TIMEOUT_S = 150.0


def least_time(calls: dict[str, int]) -> float:
    """Seconds the limits allow at best: the look-ups first, then the invitations."""
    return least_time_of("users.info", calls) + least_time_of("chat.postMessage", calls)


def least_time_of(method: str, calls: dict[str, int]) -> float:
    """Seconds a token bucket needs to let ``calls[method]`` calls through."""
    rate, burst = LIMITS[method]
    return max(0.0, (calls[method] - burst) / rate)


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


async def run(tmp: Path) -> None:
    random.seed(SEED)  # slack-sdk's retry jitter
    async with FakeSlack() as slack:
        users = [user_id(i) for i in range(PARTICIPANTS)]
        slack.add_user(LEAD, name="lead")
        for i, user in enumerate(users):
            slack.add_user(user, locale=("en-US", "es-ES", "de-DE")[i % 3])
        slack.add_channel(CHANNEL, users, name="cx-team")
        for method, (rate, burst) in LIMITS.items():
            slack.rate_limit(method, per_second=rate, burst=burst)
        settings = Settings(
            db_path=str(tmp / "cx.db"), slack_bot_token=TOKEN, slack_api_url=slack.api_url
        )
        async with Store.open(settings.db_path) as store:
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
    ok = {m: len(slack.calls_to(m, ok_only=True)) for m in LIMITS}
    lookups = [c.at for c in slack.calls_to("users.info")]
    sends = [c.at for c in slack.calls_to("chat.postMessage")]
    lookup_s = max(lookups) - min(lookups) if lookups else 0.0
    send_s = max(sends) - min(sends) if sends else 0.0
    least = least_time(ok)
    ratio = elapsed / least if least else float("inf")
    limits = ", ".join(f"{m} {r:g}/s burst {b}" for m, (r, b) in LIMITS.items())
    print(
        f"fanout: {PARTICIPANTS} participants, limits {limits}; "
        f"app concurrency {FANOUT_CONCURRENCY}"
    )
    print(
        f"fanout: invitations delivered exactly once {once}/{PARTICIPANTS}"
        f" (none {never}, more than once {twice}); reported invited {fan_out.invited},"
        f" unreached {len(fan_out.unreached)}; not marked invited in the store {len(not_marked)}"
    )
    print(
        "fanout: 429s "
        + ", ".join(f"{m} {slack.rate_limited[m]}" for m in LIMITS)
        + f" (successful calls: {', '.join(f'{m} {n}' for m, n in ok.items())})"
    )
    least_send = least_time_of("chat.postMessage", ok)
    print(
        f"fanout: phases: user look-ups {lookup_s:.1f} s (least"
        f" {least_time_of('users.info', ok):.1f} s), invitations {send_s:.1f} s"
        f" (least {least_send:.1f} s)"
    )
    exact = once == PARTICIPANTS and fan_out.invited == PARTICIPANTS and not not_marked
    verdict = "PASS" if exact and ratio <= TARGET_RATIO else "MISS"
    print(
        f"fanout: total {elapsed:.1f} s vs {least:.1f} s the limits allow at best: "
        f"ratio {ratio:.2f} (target <= {TARGET_RATIO}, every invitation once) {verdict}"
    )
    if fan_out.unreached:
        errors = sorted({u.error for u in fan_out.unreached})
        print(f"fanout: unreached errors: {', '.join(errors)}")


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="cx-bench-fanout-"))
    try:
        asyncio.run(run(tmp))
    except TimeoutError:
        print(f"fanout: MISS: the fan-out did not finish within {TIMEOUT_S:.0f} s")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
