import json
import re
import subprocess
import sys
from pathlib import Path

from knowledge.store import Store
from tests.conftest import DATA

ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot", *args], input=stdin, capture_output=True, text=True, cwd=ROOT, timeout=120)


def new_kb(tmp_path) -> str:
    """A knowledge base that exists (ask, chat and export refuse a path that does not)."""
    Store(tmp_path / "kb.db").close()
    return str(tmp_path / "kb.db")


def test_ask_json_contract(tmp_path):
    questions = ["How many days of face-to-face negotiations have there been?", "Who won the Super Bowl?", ""]
    done = run("ask", "--json", "--db", new_kb(tmp_path), stdin="\n".join(questions) + "\n")
    assert done.returncode == 0, done.stderr
    replies = [json.loads(line) for line in done.stdout.splitlines()]
    assert [r["question"] for r in replies] == questions
    first, second, third = replies
    assert set(first) >= {"question", "answered", "kind", "answer", "evidence", "speaker", "source", "score", "suggestions"}
    assert first["answered"] and first["kind"] == "figure" and "11th day" in first["answer"]
    assert first["evidence"] in (ROOT / first["source"]["path"]).read_text(encoding="utf-8")
    assert set(first["source"]) >= {"path", "title", "outlet", "date"}
    assert not second["answered"] and second["source"] is None and second["suggestions"]
    assert not third["answered"] and "ask a question" in third["answer"].lower()


def test_ask_prints_a_sourced_reply(tmp_path):
    done = run("ask", "--db", new_kb(tmp_path), "What did Handel say about net profits?")
    assert done.returncode == 0
    assert "casting couch" in done.stdout and "Source:" in done.stdout


def test_ingest_reports_added_then_skipped(tmp_path):
    db = str(tmp_path / "kb.db")
    first = run("ingest", "--db", db, str(DATA / "transit-strike.txt"))
    second = run("ingest", "--db", db, str(DATA))
    assert first.returncode == 0 and first.stdout.startswith("added")
    assert "skipped" in second.stdout


def test_ingest_refuses_a_binary_file_politely(tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01\x02binary")
    done = run("ingest", "--db", str(tmp_path / "kb.db"), str(bad))
    assert done.returncode == 1
    assert "binary" in done.stderr and "Traceback" not in done.stderr


def test_chat_answers_until_an_empty_line(tmp_path):
    done = run("chat", "--db", new_kb(tmp_path), stdin="how many ballots were cast\n\n")
    assert done.returncode == 0
    assert "5,507" in done.stdout


def test_core_never_imports_discord():
    for path in (ROOT / "knowledge").glob("*.py"):
        text = path.read_text()
        assert "import discord" not in text and "from discord" not in text, path


def test_export_then_import_round_trips(tmp_path):
    db, copy, dump = str(tmp_path / "kb.db"), str(tmp_path / "copy.db"), tmp_path / "facts.json"
    code = "import sys; from knowledge.store import Store; Store(sys.argv[1]).add_fact('Strike pay starts in week three.', 'memo')"
    subprocess.run([sys.executable, "-c", code, db], cwd=ROOT, check=True)
    assert run("export", "--db", db, str(dump)).returncode == 0
    done = run("import", "--db", copy, str(dump))
    assert done.returncode == 0 and "imported 1 facts" in done.stdout
    assert json.loads(run("export", "--db", copy, "-").stdout)["facts"][0]["text"] == "Strike pay starts in week three."


def test_import_refuses_a_broken_file_politely(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    done = run("import", "--db", str(tmp_path / "kb.db"), str(bad))
    assert done.returncode == 1 and "error" in done.stderr and "Traceback" not in done.stderr


def test_faults_smoke_loses_nothing():
    done = run("faults", "--kills", "3")  # one ingest, one import, one backup
    assert done.returncode == 0, done.stdout + done.stderr
    assert "acknowledged writes lost: 0" in done.stdout and "not whole at their target: 0" in done.stdout
    assert re.search(r"backups killed midway: (\d+), completed: (\d+)", done.stdout).groups() in (("1", "0"), ("0", "1"))
