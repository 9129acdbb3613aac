"""What an operator meets: configuration, paths, start-up and shutdown, each
through the real program in a subprocess."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The real command line, with discord.py's API base and gateway pointed
# somewhere else (a closed port, or the loopback Discord): nothing else differs.
POINTED = """
import sys, discord, yarl
from discord.gateway import DiscordWebSocket
base = sys.argv.pop(1)
discord.http.Route.BASE = base + "/api/v10"
DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(base.replace("http", "ws") + "/gateway")
from bot.cli import main
sys.exit(main(sys.argv[1:]))
"""


def strikebot(*args: str, cwd: Path = ROOT, env: dict[str, str] | None = None, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, **(env or {})}, timeout=120)


def closed_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- configuration ------------------------------------------------------------


@pytest.mark.parametrize("line, named", [
    ("STRIKEBOT_TEST_GUILD=abc", "STRIKEBOT_TEST_GUILD"),
    ("STRIKEBOT_MESSAGE_CONTENT=perhaps", "STRIKEBOT_MESSAGE_CONTENT"),
    ("STRIKEBOT_TEST_GUIL=1234", "STRIKEBOT_TEST_GUIL"),  # a typo in a name is not ignored either
    ("STRIKEBOT_MOD_ROLE=Captains", "/settings moderator-role"),  # moved to the database: said where
    ("STRIKEBOT_DB=/no/such/folder/kb.db", "STRIKEBOT_DB"),
    ("STRIKEBOT_COOLDOWN_RATE=0", "STRIKEBOT_COOLDOWN_RATE"),
])
def test_a_bad_setting_in_dot_env_is_refused_by_name(tmp_path, line, named):
    (tmp_path / ".env").write_text(f"DISCORD_TOKEN=abc\n{line}\n")
    done = strikebot("ask", "how many ballots were cast", cwd=tmp_path)
    assert done.returncode == 2
    assert named in done.stderr and "Traceback" not in done.stderr
    assert not (tmp_path / "xdg-data").exists()  # nothing was done


def test_dot_env_is_read_and_an_unreachable_discord_is_one_clear_line(tmp_path):
    (tmp_path / ".env").write_text(f"DISCORD_TOKEN=not-a-real-token\nSTRIKEBOT_DB={tmp_path / 'kb.db'}\n")
    done = subprocess.run([sys.executable, "-c", POINTED, f"http://127.0.0.1:{closed_port()}", "run"], capture_output=True,
                          text=True, cwd=tmp_path, timeout=120)
    assert done.returncode == 1, done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("strikebot:")]
    assert len(errors) == 1 and "cannot reach Discord" in errors[0]
    assert "Traceback" not in done.stderr and "no DISCORD_TOKEN" not in done.stderr
    assert "INFO discord.client: logging in" in done.stderr  # `run` logs at INFO: its own set-up shows
    assert "not-a-real-token" not in done.stderr


def test_run_without_a_token_explains_how_to_get_one(tmp_path):
    done = strikebot("run", cwd=tmp_path)
    assert done.returncode == 2 and "no DISCORD_TOKEN" in done.stderr and "developers" in done.stderr


# --- paths --------------------------------------------------------------------


@pytest.mark.parametrize("command", [["ask", "how many ballots were cast"], ["export", "-"], ["backup", "copy.db"], ["chat"]])
def test_a_mistyped_db_path_is_refused_not_created(tmp_path, command):
    missing = tmp_path / "typo" / "kb.db"
    done = strikebot(*command[:1], "--db", str(missing), *command[1:], cwd=tmp_path, stdin="\n")
    assert done.returncode == 2
    assert "no knowledge base at" in done.stderr and str(missing) in done.stderr and "Traceback" not in done.stderr
    assert not missing.parent.exists()


def test_commands_that_create_a_knowledge_base_need_its_folder(tmp_path):
    article = ROOT / "tests" / "data" / "transit-strike.txt"
    refused = strikebot("ingest", "--db", str(tmp_path / "typo" / "kb.db"), str(article))
    assert refused.returncode == 2 and "does not exist" in refused.stderr and not (tmp_path / "typo").exists()
    created = strikebot("ingest", "--db", str(tmp_path / "kb.db"), str(article))
    assert created.returncode == 0 and (tmp_path / "kb.db").is_file()


def test_the_default_knowledge_base_lives_in_the_per_user_data_folder(tmp_path):
    done = strikebot("ask", "how many ballots were cast", cwd=tmp_path)
    assert done.returncode == 0 and "5,507" in done.stdout
    assert (tmp_path / "xdg-data" / "strikebot" / "strikebot.db").is_file()


# --- shutdown -----------------------------------------------------------------


@pytest.fixture
def loopback_discord():
    from harness import loopback

    process, port = loopback.start()
    yield f"http://127.0.0.1:{port}"
    process.kill()
    process.wait()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_closes_the_bot_cleanly(tmp_path, loopback_discord, sig):
    db = tmp_path / "kb.db"
    bot = subprocess.Popen([sys.executable, "-c", POINTED, loopback_discord, "run", "--db", str(db)], cwd=tmp_path,
                           env={**os.environ, "DISCORD_TOKEN": "loopback-token"}, stderr=subprocess.PIPE, text=True)
    assert bot.stderr is not None
    seen = []
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = bot.stderr.readline()
        seen.append(line)
        if "logged in as" in line or not line:
            break
    assert any("logged in as" in line for line in seen), "".join(seen)
    assert (tmp_path / "kb.db-wal").exists()  # the bot is running in WAL mode
    bot.send_signal(sig)
    rest = bot.stderr.read()
    assert bot.wait(timeout=30) == 0, rest
    assert "closed the knowledge base" in rest and "Traceback" not in rest
    assert not (tmp_path / "kb.db-wal").exists()  # checkpointed and closed
