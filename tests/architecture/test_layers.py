"""The layering is checked, not hoped for.

- import-linter's contracts (pyproject.toml) hold: sandbox and dashboard never import
  each other; views never import the audit module; views over services over upstream.
- No view calls an upstream write: every change to a study goes through
  studies/services/, where the role rules, the stale check, the lock and the audit live.
"""

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UPSTREAM_WRITES = {
    "study_create",
    "study_update",
    "study_cancel",
    "study_uncancel",
    "study_reroute_url",
}


def test_import_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    if not lint.exists():
        pytest.fail("import-linter is not installed: run `make setup`")
    done = subprocess.run(  # noqa: S603 - our own venv's lint-imports, fixed arguments
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _upstream_writes_named(tree: ast.AST) -> list[str]:
    """Every place a module reaches an upstream write: `upstream.study_update`,
    `from studies.upstream... import study_update`, or `getattr(upstream, ...)`."""
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and node.attr in UPSTREAM_WRITES
            and isinstance(node.value, ast.Name)
            and node.value.id == "upstream"
        ):
            found.append(f"line {node.lineno}: upstream.{node.attr}")
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
            "studies.upstream"
        ):
            found += [
                f"line {node.lineno}: import {a.name}"
                for a in node.names
                if a.name in UPSTREAM_WRITES
            ]
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "getattr"
            and node.args
            and isinstance(node.args[0], ast.Name)
            and node.args[0].id == "upstream"
        ):
            found.append(f"line {node.lineno}: getattr(upstream, ...)")
    return found


@pytest.mark.parametrize(
    "path", sorted((ROOT / "studies" / "views").glob("*.py")), ids=lambda p: p.name
)
def test_no_view_calls_an_upstream_write(path):
    assert _upstream_writes_named(ast.parse(path.read_text())) == []


def test_the_write_check_would_see_one():
    """The check above is not vacuous: it finds a direct write in a view-like module."""
    sample = (
        "from studies import upstream\n\n"
        "def v(r):\n    upstream.study_update(study_id='x', changes={})\n"
    )
    assert _upstream_writes_named(ast.parse(sample)) == ["line 4: upstream.study_update"]
    dynamic = "from studies import upstream\ngetattr(upstream, 'study_' + 'cancel')()\n"
    assert _upstream_writes_named(ast.parse(dynamic)) == ["line 2: getattr(upstream, ...)"]


# Each suite holds the other product at arm's length, as the products hold each other.
SUITES = {
    "the dashboard's suite reaches the sandbox over HTTP only": (
        lambda path: TESTS / "sandbox" not in path.parents,
        ("sandbox",),
    ),
    "the sandbox's suite needs nothing of the dashboard": (
        lambda path: TESTS / "sandbox" in path.parents,
        ("studies", "dashboard"),
    ),
}
TESTS = ROOT / "tests"


def _imports_of(text: str, packages: tuple[str, ...]) -> list[str]:
    """Import statements of `packages`, in code or in code held in strings (scripts run
    in another interpreter): the statement's first line, as written."""
    names = "|".join(packages)
    pattern = re.compile(rf"^\s*(?:from ({names})(?:\.\w+)* import|import ({names})\b)", re.M)
    return [match.group(0).strip() for match in pattern.finditer(text)]


@pytest.mark.parametrize("suite", list(SUITES))
def test_a_suite_imports_nothing_of_the_other_product(suite):
    belongs, packages = SUITES[suite]
    found = [
        f"{path.relative_to(ROOT)}: {line}"
        for path in sorted(TESTS.rglob("*.py"))
        if belongs(path)
        for line in _imports_of(path.read_text(), packages)
    ]
    assert found == []


def test_the_suite_check_would_see_an_import():
    code = 'from sandbox.models import Study\nSCRIPT = """\nimport studies.upstream\n"""\n'
    assert _imports_of(code, ("sandbox",)) == ["from sandbox.models import"]
    assert _imports_of(code, ("studies", "dashboard")) == ["import studies"]
    assert _imports_of("from sandbox_control import SandboxControl\n", ("sandbox",)) == []
