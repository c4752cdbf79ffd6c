"""Installations through OAuth, their bots' tokens, and the OAuth flow's state parameters.

Records are slack-sdk's installations and bots as JSON objects (`bot.installations` converts
them); a workspace is keyed by (enterprise id, team id), '' standing for none. Each workspace
keeps its latest installation per installer and its latest bot.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.storage.base import Part
from bot.storage.engines import Tx
from bot.storage.rows import iso

Record = dict[str, Any]


def _key(enterprise_id: str | None, team_id: str | None) -> tuple[str, str]:
    return enterprise_id or "", team_id or ""


class Installations(Part):
    async def save_installation(
        self, installed_at: datetime, installation: Record, bot: Record | None
    ) -> None:
        """Keep ``installation`` as its installer's latest in its workspace, and its ``bot``
        (when it has one) as the workspace's bot."""
        enterprise, team = _key(installation.get("enterprise_id"), installation.get("team_id"))
        async with self._engine.transaction() as tx:
            await tx.execute(
                "INSERT INTO installations (enterprise_id, team_id, user_id, installed_at, data)"
                " VALUES (?, ?, ?, ?, ?) ON CONFLICT (enterprise_id, team_id, user_id)"
                " DO UPDATE SET installed_at = excluded.installed_at, data = excluded.data",
                (enterprise, team, installation.get("user_id") or "", iso(installed_at),
                 json.dumps(installation)),
            )  # fmt: skip
            if bot is not None:
                await _save_bot(tx, installed_at, bot)

    async def save_bot(self, installed_at: datetime, bot: Record) -> None:
        """Keep ``bot`` as its workspace's bot (a rotated token, say)."""
        async with self._engine.transaction() as tx:
            await _save_bot(tx, installed_at, bot)

    async def find_installation(
        self, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> Record | None:
        """The workspace's latest installation (by ``user_id`` when given)."""
        enterprise, team = _key(enterprise_id, team_id)
        sql = "SELECT data FROM installations WHERE enterprise_id = ? AND team_id = ?"
        params: list[str] = [enterprise, team]
        if user_id is not None:
            sql += " AND user_id = ?"
            params.append(user_id)
        row = await self._one(sql + " ORDER BY installed_at DESC LIMIT 1", params)
        return json.loads(row["data"]) if row else None

    async def find_bot(self, enterprise_id: str | None, team_id: str | None) -> Record | None:
        """The workspace's bot."""
        row = await self._one(
            "SELECT data FROM installation_bots WHERE enterprise_id = ? AND team_id = ?",
            _key(enterprise_id, team_id),
        )
        return json.loads(row["data"]) if row else None

    async def team_bot(self, team_id: str) -> Record | None:
        """The bot installed in the workspace ``team_id``, whatever its enterprise, or its
        org's when an org-wide installation serves it (what the clock knows of a round is its
        team)."""
        row = await self._one(
            "SELECT data, installed_at FROM installation_bots WHERE team_id = ?"
            " UNION ALL SELECT b.data, b.installed_at FROM installation_bots b"
            " JOIN org_workspaces o ON o.enterprise_id = b.enterprise_id AND b.team_id = ''"
            " WHERE o.team_id = ? ORDER BY installed_at DESC LIMIT 1",
            (team_id, team_id),
        )
        return json.loads(row["data"]) if row else None

    async def note_org_workspace(self, team_id: str, enterprise_id: str) -> None:
        """The org-wide installation of ``enterprise_id`` serves the workspace ``team_id``."""
        await self._write(
            "INSERT INTO org_workspaces (team_id, enterprise_id) VALUES (?, ?)"
            " ON CONFLICT (team_id) DO UPDATE SET enterprise_id = excluded.enterprise_id",
            (team_id, enterprise_id),
        )

    async def delete_bot(self, enterprise_id: str | None, team_id: str | None) -> None:
        await self._write(
            "DELETE FROM installation_bots WHERE enterprise_id = ? AND team_id = ?",
            _key(enterprise_id, team_id),
        )

    async def delete_installations(
        self, enterprise_id: str | None, team_id: str | None, user_id: str | None = None
    ) -> None:
        """Forget the workspace's installations (only ``user_id``'s when given)."""
        sql = "DELETE FROM installations WHERE enterprise_id = ? AND team_id = ?"
        params: list[str] = list(_key(enterprise_id, team_id))
        if user_id is not None:
            sql += " AND user_id = ?"
            params.append(user_id)
        async with self._engine.transaction() as tx:
            await tx.execute(sql, params)

    async def keep_state(self, state: str, expires_at: datetime) -> None:
        """Remember an OAuth state parameter until ``expires_at``."""
        await self._write(
            "INSERT INTO oauth_states (state, expires_at) VALUES (?, ?)",
            (state, iso(expires_at)),
        )

    async def take_state(self, state: str, now: datetime) -> bool:
        """Use up ``state``: True once, when it was issued and has not expired (expired ones
        are dropped on the way)."""
        async with self._engine.transaction() as tx:
            await tx.execute("DELETE FROM oauth_states WHERE expires_at < ?", (iso(now),))
            return await tx.execute("DELETE FROM oauth_states WHERE state = ?", (state,)) == 1


async def _save_bot(tx: Tx, installed_at: datetime, bot: Record) -> None:
    await tx.execute(
        "INSERT INTO installation_bots (enterprise_id, team_id, installed_at, data)"
        " VALUES (?, ?, ?, ?) ON CONFLICT (enterprise_id, team_id)"
        " DO UPDATE SET installed_at = excluded.installed_at, data = excluded.data",
        (*_key(bot.get("enterprise_id"), bot.get("team_id")), iso(installed_at), json.dumps(bot)),
    )
