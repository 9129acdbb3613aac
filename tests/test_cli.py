import json
import os
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


def test_ask_json_answers_each_line_as_it_arrives(tmp_path):
    """A script can send one question and read its reply before sending the next."""
    db = tmp_path / "kb.db"
    assert run("ingest", "--db", str(db), "--no-embed", str(ROOT / "knowledge" / "articles")).returncode == 0
    env = {**os.environ, "STRIKEBOT_EMBED_MODEL": "none"}
    with subprocess.Popen([sys.executable, "-m", "bot", "ask", "--json", "--db", str(db)], cwd=ROOT, env=env, text=True,
                          stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as proc:
        replies = []
        for question in ("Who won the Super Bowl?", "What percentage of members voted to authorize a strike?"):
            proc.stdin.write(question + "\n")
            proc.stdin.flush()
            replies.append(json.loads(proc.stdout.readline()))  # before stdin is closed
        proc.stdin.close()
        assert proc.wait(timeout=60) == 0
    assert [r["question"] for r in replies] == ["Who won the Super Bowl?", "What percentage of members voted to authorize a strike?"]
    assert all("passages" in r for r in replies)


def test_chat_reads_a_follow_up_against_the_previous_answer(tmp_path):
    from tests.stories import KILN

    story = tmp_path / "kiln.md"
    story.write_text(KILN, encoding="utf-8")
    db = new_kb(tmp_path)
    assert run("ingest", "--db", db, "--no-embed", str(story)).returncode == 0
    done = run("chat", "--db", db, stdin="What did Marisol Quenby say?\nand who is she?\nwho is she?\n\n")
    assert done.returncode == 0, done.stderr
    _, said, who, again, _ = done.stdout.split("\n? ")
    assert "night rota is fair" in said
    assert who.startswith("(taken as: who is Marisol Quenby?)\n**Marisol Quenby**, Local 12 president")
    assert again.startswith("(taken as: who is Marisol Quenby?)")  # still about the last answer, which was about her


def test_ask_exits_1_with_passages_and_with_no_answer(tmp_path):
    from knowledge.models import PASSAGES_HEADING
    from tests.stories import KILN, VAGUE

    story = tmp_path / "kiln.md"
    story.write_text(KILN, encoding="utf-8")
    db = new_kb(tmp_path)
    run("ingest", "--db", db, "--no-embed", str(story))
    passages = run("ask", "--db", db, VAGUE)
    assert passages.returncode == 1 and passages.stdout.startswith(PASSAGES_HEADING) and "1. " in passages.stdout
    nothing = run("ask", "--db", db, "Who won the Super Bowl?")
    assert nothing.returncode == 1 and nothing.stdout.startswith("I have no sourced answer")
    answered = run("ask", "--db", db, "What did Marisol Quenby say?")
    assert answered.returncode == 0 and "night rota" in answered.stdout
