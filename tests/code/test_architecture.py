"""The house's arrows (../shared/STYLE.md): data imports none of our packages, model imports
data only, training and eval import model and data but never each other. Read from the source
with ast, so a lazy import inside a function counts too."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
OURS = ("data", "model", "training", "eval")
ALLOWED = {"data": {"data"}, "model": {"data", "model"}, "training": {"data", "model", "training"},
           "eval": {"data", "model", "eval"}}


def imports_of(package: str) -> dict[str, set[str]]:
    """Our top-level packages each module of `package` imports (anywhere in the file)."""
    found = {}
    for path in sorted((ROOT / package).glob("*.py")):
        names = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        found[path.name] = names & set(OURS)
    return found


@pytest.mark.parametrize("package", OURS)
def test_arrows_point_one_way(package):
    wrong = {name: sorted(used - ALLOWED[package]) for name, used in imports_of(package).items() if used - ALLOWED[package]}
    assert not wrong, f"{package} imports what the house forbids: {wrong}"


def test_the_check_can_fail(tmp_path, monkeypatch):
    """The checker sees a forbidden import hidden inside a function."""
    (tmp_path / "eval").mkdir()
    (tmp_path / "eval" / "x.py").write_text("def f():\n    from training import train\n")
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    assert imports_of("eval") == {"x.py": {"training"}}


def test_train_config_does_not_load_torch():
    import subprocess
    import sys

    code = "import sys; from training import TrainConfig; TrainConfig(); print('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "False"
