"""All SQL lives here, behind one `Store`: SQLite (embedded default) or PostgreSQL (several
instances), chosen by URL (`bot.storage.engines`).

The store is split by aggregate — the request inbox, rounds, people (dialogue state, answers,
prompts, reminders), posts, the action plan, discussions, OAuth installations, and a
workspace's data as a whole — and every public method is one transaction; `Store.turn` is
the answer path's unit of work. Schema changes are versioned migrations for each engine
(`bot.storage.schema`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.storage.base import Part
from bot.storage.discussions import Discussions
from bot.storage.engines import DatabaseUnusable, Engine, connect, shown
from bot.storage.inbox import Inbox
from bot.storage.installations import Installations
from bot.storage.people import People, Progress, Turn
from bot.storage.plan import Plan
from bot.storage.posts import Posts
from bot.storage.rounds import Rounds
from bot.storage.rows import utcnow
from bot.storage.schema import POSTGRES, SQLITE
from bot.storage.teams import Teams

__all__ = ["DatabaseUnusable", "Progress", "Store", "Turn", "shown", "utcnow"]


class Store(Inbox, Rounds, People, Posts, Plan, Discussions, Installations, Teams, Part):
    """An open database. Use `Store.open` (an async context manager)."""

    @classmethod
    @asynccontextmanager
    async def open(cls, url: str) -> AsyncIterator[Store]:
        """Open (creating or migrating) the database ``url`` names: a SQLite path or
        ``sqlite:///path``, or a ``postgresql://`` URL.

        `DatabaseUnusable` says what is wrong with a path that is a folder, a file that is not
        SQLite, a missing folder, an unreachable server, or a database written by a newer
        version of cx-assess.
        """
        engine = await connect(url)
        try:
            await engine.upgrade(POSTGRES if engine.dialect == "postgresql" else SQLITE)
            yield cls(engine)
        finally:
            await engine.close()

    @property
    def engine(self) -> Engine:
        """The engine under the store (for `cx-assess db copy` and tests)."""
        return self._engine
