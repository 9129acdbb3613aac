"""The layers of the core stand one above the other: no module imports a stage above its own,
no two modules import each other (directly or round a longer circle), and the core never
imports discord or the bot. Imports inside functions count as much as those at the top."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "knowledge", "harness")
# Each stage's height: a module may import its own stage and those strictly below it.
LAYERS = {
    "knowledge.models": 0,
    "knowledge.reading": 1,
    "knowledge.store": 2,
    "knowledge.semantic": 2,
    "knowledge.engine": 3,
    "knowledge.record": 3,
    "knowledge.web": 4,
    "knowledge.pipeline": 4,
    "knowledge.workers": 4,
    "knowledge.training": 5,
}


def module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, known: set[str], root: Path = ROOT) -> set[str]:
    """The project's modules that `path` imports, anywhere in it."""
    name = module_name(path, root)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            targets = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


def graph(root: Path = ROOT) -> dict[str, set[str]]:
    paths = [p for package in PACKAGES for p in (root / package).rglob("*.py")]
    known = {module_name(p, root) for p in paths}
    return {module_name(p, root): imports_of(p, known, root) for p in paths}


def stage(module: str) -> str | None:
    return next((s for s in LAYERS if module == s or module.startswith(s + ".")), None)


def upward_imports(edges: dict[str, set[str]]) -> list[str]:
    wrong = []
    for source, targets in edges.items():
        if not source.startswith("knowledge.") or stage(source) is None:
            continue
        for target in targets:
            if target.startswith("bot") or target.startswith("harness"):
                wrong.append(f"{source} imports {target}")
                continue
            here, there = stage(source), stage(target)
            if there is not None and there != here and LAYERS[there] >= LAYERS[here]:
                wrong.append(f"{source} ({here}) imports {target} ({there})")
    return sorted(wrong)


def circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return found


def test_every_core_module_belongs_to_a_stage():
    loose = [m for m in graph() if m.startswith("knowledge.") and stage(m) is None]
    assert loose == []


def test_no_stage_imports_one_above_it():
    assert upward_imports(graph()) == []


def test_no_import_circles():
    assert circles(graph()) == []


def test_the_core_never_imports_discord():
    for path in (ROOT / "knowledge").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            assert not any(n == "discord" or n.startswith("discord.") for n in names), path


@pytest.mark.parametrize(
    ("module", "line"),
    [
        ("knowledge/reading/text.py", "from knowledge.engine import answer"),
        ("knowledge/store/base.py", "from knowledge.engine.ranker import Ranker"),
        ("knowledge/engine/answer.py", "from knowledge.web import fetch"),
        ("knowledge/engine/features.py", "from knowledge.training import fit"),
        ("knowledge/semantic/encoder.py", "from knowledge.engine.ranker import MODEL_PATH"),
    ],
)
def test_an_upward_import_is_caught(tmp_path, module, line):
    """The check itself can fail: a copy of the tree with one import up the layers is refused."""
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            copy = tmp_path / path.relative_to(ROOT)
            copy.parent.mkdir(parents=True, exist_ok=True)
            copy.write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    target = tmp_path / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n\ndef _upward() -> None:\n    {line}\n", encoding="utf-8")
    assert upward_imports(graph()) == []
    assert upward_imports(graph(tmp_path)) != []


def test_a_circle_is_caught():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
