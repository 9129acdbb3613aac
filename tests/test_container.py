"""The container image, built from the Dockerfile with podman and started on a
new volume, as an operator would with `docker run -v strikebot-data:/data`.

Runs wherever podman works (CI prepares it with ../shared/tools/container-base);
skipped, with the reason, elsewhere. Podman runs here with the runc runtime and
explicit limits, which these machines require.
"""

from __future__ import annotations

import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BASE_IMAGE = "docker.io/library/python:3.11-slim"
PODMAN = ["podman", "--runtime", "runc"]
LIMITS = ["--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024"]


def podman_problem() -> str | None:
    """Why the container test cannot run here, or None."""
    if shutil.which("podman") is None or shutil.which("runc") is None:
        return "podman (with runc) is not installed; ../shared/tools/container-base installs it"
    try:
        subprocess.run([*PODMAN, "info"], capture_output=True, check=True, timeout=60)
    except (subprocess.SubprocessError, OSError):
        return "podman is installed but does not work for this user"
    if subprocess.run([*PODMAN, "image", "exists", BASE_IMAGE], capture_output=True, timeout=60).returncode != 0:
        return f"the base image {BASE_IMAGE} is not available (no registry is reachable; ../shared/tools/container-base builds a stand-in)"
    return None


pytestmark = pytest.mark.skipif(bool(problem := podman_problem()), reason=f"container smoke test skipped: {problem}")


@pytest.fixture(scope="module")
def image() -> Iterator[str]:
    tag = f"localhost/strikebot-test-{uuid.uuid4().hex[:8]}"
    built = subprocess.run([*PODMAN, "build", *LIMITS, "-t", tag, str(ROOT)], capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    yield tag
    subprocess.run([*PODMAN, "rmi", "-f", tag], capture_output=True, timeout=120)


@pytest.fixture
def volume() -> Iterator[str]:
    name = f"strikebot-test-{uuid.uuid4().hex[:8]}"
    subprocess.run([*PODMAN, "volume", "create", name], capture_output=True, check=True, timeout=60)
    yield name
    subprocess.run([*PODMAN, "volume", "rm", "-f", name], capture_output=True, timeout=60)


@pytest.fixture
def container(image: str, volume: str) -> Callable[..., subprocess.CompletedProcess[str]]:
    def start(*args: str, env: dict[str, str] | None = None, network: str | None = None) -> subprocess.CompletedProcess[str]:
        options = [f"--env={k}={v}" for k, v in (env or {}).items()] + ([f"--network={network}"] if network else [])
        command = [*PODMAN, "run", "--rm", *LIMITS, *options, "-v", f"{volume}:/data", image, *args]
        return subprocess.run(command, capture_output=True, text=True, timeout=180)

    return start


def test_a_new_volume_without_a_token_explains_the_token(container):
    done = container()
    assert done.returncode == 2, done.stderr
    assert "no DISCORD_TOKEN" in done.stderr and "Traceback" not in done.stderr
    assert "readonly" not in done.stderr


def test_a_new_volume_with_a_token_and_no_network_says_discord_cannot_be_reached(container):
    done = container(env={"DISCORD_TOKEN": "not-a-real-token"}, network="none")
    assert done.returncode == 1, done.stderr
    assert "cannot reach Discord" in done.stderr
    assert "Traceback" not in done.stderr and "readonly" not in done.stderr
    assert "closed the knowledge base /data/strikebot.db" in done.stderr  # it got as far as opening it, and closed it


def test_ask_answers_on_a_new_volume_and_the_volume_keeps_the_knowledge_base(container):
    first = container("-v", "ask", "How many ballots were cast?", network="none")
    assert first.returncode == 0, first.stderr
    assert "5,507" in first.stdout and "Source:" in first.stdout
    # The image answers with the semantic extra, from the weights and the graph built into it.
    assert "semantic similarity on" in first.stderr and "from the cache /app/cache" in first.stderr, first.stderr[-2000:]
    backed_up = container("backup", "/data/copy.db")  # the volume now holds the bot's own, writable database
    assert backed_up.returncode == 0, backed_up.stderr
    assert "/data/strikebot.db" in backed_up.stdout
