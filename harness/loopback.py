"""A loopback Discord: just enough of Discord's HTTP API and gateway, on
127.0.0.1 in its own process, for the real bot to log in, receive slash
commands and answer them. The burst benchmark uses it to time acknowledgements
the way Discord does: from the moment the interaction is sent on the gateway
to the moment the bot's callback arrives over HTTP.

It is a measuring instrument, not a simulator: it checks nothing and keeps
no state beyond what the burst needs. The behavioural tests use simcord.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any

from aiohttp import WSMsgType, web

API = "/api/v10"
APPLICATION_ID = 1_200_000_000_000_000_001
GUILD_ID = 1_200_000_000_000_000_002
CHANNEL_ID = 1_200_000_000_000_000_003
MEMBER_PERMISSIONS = str((1 << 10) | (1 << 11) | (1 << 14) | (1 << 15) | (1 << 16) | (1 << 31))
_ids = itertools.count(1_300_000_000_000_000_000)


def _user(user_id: int, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {"id": str(user_id), "username": name, "discriminator": "0", "global_name": None, "avatar": None,
            "bot": bot, "public_flags": 0}


BOT_USER = _user(APPLICATION_ID, "strikebot", bot=True)


def _json(data: Any, status: int = 200) -> web.Response:
    # Exactly "application/json": discord.py reads anything else as text.
    return web.Response(body=json.dumps(data).encode(), status=status, headers={"Content-Type": "application/json"})


def _now() -> str:
    return datetime.now(UTC).isoformat()


def _guild() -> dict[str, Any]:
    everyone = {"id": str(GUILD_ID), "name": "@everyone", "permissions": MEMBER_PERMISSIONS, "position": 0,
                "color": 0, "hoist": False, "managed": False, "mentionable": False, "flags": 0}
    channel = {"id": str(CHANNEL_ID), "type": 0, "name": "questions", "position": 0, "guild_id": str(GUILD_ID),
               "permission_overwrites": [], "nsfw": False, "topic": None, "last_message_id": None, "rate_limit_per_user": 0}
    me = {"user": BOT_USER, "roles": [], "joined_at": _now(), "deaf": False, "mute": False, "flags": 0}
    return {"id": str(GUILD_ID), "name": "loopback", "owner_id": "1", "roles": [everyone], "channels": [channel],
            "members": [me], "member_count": 2, "emojis": [], "stickers": [], "features": [], "threads": [],
            "stage_instances": [], "guild_scheduled_events": [], "voice_states": [], "presences": [],
            "unavailable": False, "large": False, "premium_tier": 0, "preferred_locale": "en-US", "joined_at": _now()}


def _message(body: dict[str, Any]) -> dict[str, Any]:
    return {"id": str(next(_ids)), "channel_id": str(CHANNEL_ID), "author": BOT_USER, "content": body.get("content") or "",
            "timestamp": _now(), "edited_timestamp": None, "tts": False, "mention_everyone": False, "mentions": [],
            "mention_roles": [], "attachments": [], "embeds": [], "pinned": False, "type": 0, "flags": 0, "components": []}


class Loopback:
    """The fake Discord's state for one run: the bot's gateway socket and the
    interactions sent, with when they were sent and acknowledged."""

    def __init__(self) -> None:
        self.socket: web.WebSocketResponse | None = None
        self.sequence = 0
        self.sent: dict[str, float] = {}
        self.acked: dict[str, float] = {}
        self.answered: dict[str, float] = {}  # when the reply itself arrived: a direct answer, or the follow-up after "thinking"
        self.all_acked = asyncio.Event()
        self.all_answered = asyncio.Event()
        self.unknown_routes: list[str] = []
        self.replies: dict[str, str] = {}  # interaction id -> "answer", "text" or "deferred"

    @staticmethod
    async def _body(request: web.Request) -> dict[str, Any]:
        """The JSON body, also when discord.py sends it as multipart ("payload_json")."""
        if request.content_type == "application/json":
            return dict(await request.json())
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            return dict(json.loads(str(form.get("payload_json") or "{}")))
        return {}

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        assert self.socket is not None
        self.sequence += 1
        await self.socket.send_str(json.dumps({"op": 0, "t": event, "s": self.sequence, "d": data}))

    # --- gateway --------------------------------------------------------------

    async def gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse(max_msg_size=0)
        await socket.prepare(request)
        self.socket = socket
        await socket.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 41250}}))
        async for message in socket:
            if message.type is not WSMsgType.TEXT:
                break
            payload = json.loads(message.data)
            if payload["op"] == 1:  # heartbeat
                await socket.send_str(json.dumps({"op": 11}))
            elif payload["op"] == 2:  # identify
                origin = f"ws://{request.host}/gateway"
                await self.dispatch("READY", {
                    "v": 10, "user": BOT_USER, "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
                    "session_id": "loopback", "resume_gateway_url": origin, "shard": [0, 1],
                    "application": {"id": str(APPLICATION_ID), "flags": 0}, "private_channels": [], "relationships": [],
                })
                await self.dispatch("GUILD_CREATE", _guild())
        return socket

    # --- HTTP -------------------------------------------------------------------

    async def burst(self, request: web.Request) -> web.Response:
        """Send `count` /ask interactions at once; answer with when each was acknowledged and answered
        (waiting at most `wait` seconds for the answers)."""
        count = int(request.query.get("count", "200"))
        wait = float(request.query.get("wait", "30"))
        questions = json.loads(await request.text())
        self.sent.clear()
        self.acked.clear()
        self.answered.clear()
        self.replies.clear()
        self.all_acked.clear()
        self.all_answered.clear()
        payloads = [self._interaction(i, questions[i % len(questions)]) for i in range(count)]
        for payload in payloads:
            self.sent[payload["id"]] = time.perf_counter()
            await self.dispatch("INTERACTION_CREATE", payload)
        started = min(self.sent.values(), default=time.perf_counter())
        for event in (self.all_acked, self.all_answered):
            try:
                await asyncio.wait_for(event.wait(), timeout=max(0.1, started + wait - time.perf_counter()))
            except TimeoutError:
                pass
        delays = [self.acked[i] - self.sent[i] for i in self.sent if i in self.acked]
        answers = [self.answered[i] - self.sent[i] for i in self.sent if i in self.answered]
        replies = [self.replies[i] for i in self.sent if i in self.replies]
        kinds = {kind: replies.count(kind) for kind in ("answer", "text", "deferred")}
        return _json({"count": count, "delays": delays, "answers": answers, "replies": kinds, "unknown_routes": self.unknown_routes})

    def _answered(self, interaction_id: str, at: float) -> None:
        if interaction_id in self.sent:
            self.answered.setdefault(interaction_id, at)
            if len(self.answered) >= len(self.sent):
                self.all_answered.set()

    def _interaction(self, number: int, question: str) -> dict[str, Any]:
        interaction_id = str(next(_ids))
        member = {"user": _user(1_400_000_000_000_000_000 + number, f"member{number}"), "roles": [], "joined_at": _now(),
                  "deaf": False, "mute": False, "flags": 0, "permissions": MEMBER_PERMISSIONS}
        return {
            "id": interaction_id, "application_id": str(APPLICATION_ID), "type": 2, "token": f"token-{interaction_id}",
            "version": 1, "guild_id": str(GUILD_ID), "channel_id": str(CHANNEL_ID),
            "channel": {"id": str(CHANNEL_ID), "type": 0, "name": "questions", "guild_id": str(GUILD_ID), "position": 0,
                        "permission_overwrites": [], "nsfw": False},
            "member": member, "app_permissions": MEMBER_PERMISSIONS, "locale": "en-US", "guild_locale": "en-US",
            "entitlements": [], "authorizing_integration_owners": {"0": str(GUILD_ID)}, "context": 0,
            "attachment_size_limit": 10 * 1024 * 1024,
            "data": {"id": "1", "name": "ask", "type": 1, "options": [{"name": "question", "type": 3, "value": question}]},
        }

    async def callback(self, request: web.Request) -> web.Response:
        interaction_id = request.match_info["interaction_id"]
        arrived = time.perf_counter()  # before the body is read: Discord's clock stops at arrival
        body = await self._body(request)
        loading = body.get("type") == 5
        data = body.get("data") or {}
        self.acked.setdefault(interaction_id, arrived)
        self.replies.setdefault(interaction_id, "deferred" if loading else ("answer" if data.get("embeds") else "text"))
        if not loading:
            self._answered(interaction_id, arrived)
        if self.sent and len(self.acked) >= len(self.sent):
            self.all_acked.set()
        return _json({"interaction": {
            "id": interaction_id, "type": 2, "activity_instance_id": None, "response_message_id": str(next(_ids)),
            "response_message_loading": loading, "response_message_ephemeral": False,
        }})

    async def webhook_message(self, request: web.Request) -> web.Response:
        arrived = time.perf_counter()
        body = await self._body(request)
        if request.method == "POST":  # a follow-up: the answer to an interaction deferred with "thinking"
            self._answered(request.match_info["token"].removeprefix("token-"), arrived)
        return _json(_message(body))

    async def fallback(self, request: web.Request) -> web.Response:
        self.unknown_routes.append(f"{request.method} {request.path}")
        return _json({"message": "not in the loopback Discord", "code": 0}, status=404)

    def app(self) -> web.Application:
        app = web.Application()
        static = {
            f"{API}/users/@me": BOT_USER,
            f"{API}/oauth2/applications/@me": {
                "id": str(APPLICATION_ID), "name": "strikebot", "icon": None, "description": "", "summary": "",
                "bot_public": True, "bot_require_code_grant": False, "verify_key": "0" * 64, "owner": BOT_USER,
                "flags": 0, "team": None, "bot": BOT_USER,
            },
        }
        for path, data in static.items():
            app.router.add_get(path, lambda _request, data=data: _json(data))

        async def gateway_bot(request: web.Request) -> web.Response:
            return _json({"url": f"ws://{request.host}/gateway", "shards": 1, "session_start_limit": {
                "total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}})

        app.router.add_get(f"{API}/gateway/bot", gateway_bot)
        app.router.add_put(f"{API}/applications/{{app}}/commands", lambda _r: _json([]))
        app.router.add_put(f"{API}/applications/{{app}}/guilds/{{guild}}/commands", lambda _r: _json([]))
        app.router.add_post(f"{API}/interactions/{{interaction_id}}/{{token}}/callback", self.callback)
        app.router.add_post(f"{API}/webhooks/{{app}}/{{token}}", self.webhook_message)
        app.router.add_patch(f"{API}/webhooks/{{app}}/{{token}}/messages/{{message}}", self.webhook_message)
        app.router.add_get("/gateway", self.gateway)
        app.router.add_post("/control/burst", self.burst)
        app.router.add_route("*", "/{tail:.*}", self.fallback)
        return app


async def _serve() -> None:
    runner = web.AppRunner(Loopback().app(), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    print(port, flush=True)
    await asyncio.Event().wait()


def start() -> tuple[subprocess.Popen[str], int]:
    """The loopback Discord in its own process; returns the process and its port."""
    process = subprocess.Popen([sys.executable, "-m", "harness.loopback"], stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    if not line.strip().isdigit():
        process.kill()
        raise RuntimeError("the loopback Discord did not start")
    return process, int(line)


if __name__ == "__main__":
    asyncio.run(_serve())
