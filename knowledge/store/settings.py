"""Each server's own settings: its moderator role (by id) and its answer channels."""

from __future__ import annotations

import json
from typing import Any

from knowledge.models import GuildSettings
from knowledge.store.base import StoreBase, now

MAX_ANSWER_CHANNELS = 25


class SettingsMixin(StoreBase):
    """Per-server settings, one row per server that changed any."""

    def guild_settings(self, guild_id: int) -> GuildSettings:
        rows = self._rows("select * from guild_settings where guild_id = ?", [guild_id])
        return _settings(rows[0]) if rows else GuildSettings(guild_id)

    def all_guild_settings(self) -> dict[int, GuildSettings]:
        return {row["guild_id"]: _settings(row) for row in self._rows("select * from guild_settings")}

    def set_mod_role(self, guild_id: int, role_id: int | None, *, actor_id: int | None) -> GuildSettings:
        return self._change(guild_id, actor_id, lambda current: {"mod_role_id": role_id})

    def set_answer_channel(self, guild_id: int, channel_id: int, enabled: bool, *, actor_id: int | None) -> GuildSettings:
        def change(current: GuildSettings) -> dict[str, Any]:
            channels = set(current.answer_channels)
            channels = channels | {channel_id} if enabled else channels - {channel_id}
            if len(channels) > MAX_ANSWER_CHANNELS:
                raise ValueError(f"at most {MAX_ANSWER_CHANNELS} answer channels per server")
            return {"answer_channels": json.dumps(sorted(channels))}

        return self._change(guild_id, actor_id, change)

    def _change(self, guild_id: int, actor_id: int | None, change: Any) -> GuildSettings:
        with self._write("settings", synchronous="FULL") as db:
            current = self.guild_settings(guild_id)
            row = {
                "guild_id": guild_id, "mod_role_id": current.mod_role_id, "answer_channels": json.dumps(sorted(current.answer_channels)),
                **change(current), "updated_by": actor_id, "updated_at": now(),
            }
            db["guild_settings"].upsert(row, pk="guild_id")
        return self.guild_settings(guild_id)


def _settings(row: dict[str, Any]) -> GuildSettings:
    return GuildSettings(
        guild_id=row["guild_id"], mod_role_id=row["mod_role_id"],
        answer_channels=frozenset(int(c) for c in json.loads(row["answer_channels"] or "[]")),
    )
