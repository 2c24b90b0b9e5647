"""The layering is checked, not hoped for.

- import-linter's contracts (pyproject.toml) hold: sandbox and dashboard never import
  each other; views and web/ never import the audit module; views over services over
  upstream; every folder of studies/ on its floor, importing only from those below
  (urls and views at the top, infra and the models at the bottom); no circles.
- The contracts can fail: a copy of studies/ with one import put in the wrong place
  makes lint-imports, run on it with the same contracts, report a broken contract.
- No view calls an upstream write: every change to a study goes through
  studies/services/, where the role rules, the stale check, the lock and the audit live.
"""

import ast
import json
import re
import shutil
import subprocess
import sys
import tomllib
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


def _lint_imports(cwd: Path, *config: str) -> subprocess.CompletedProcess:
    lint = Path(sys.executable).with_name("lint-imports")
    if not lint.exists():
        pytest.fail("import-linter is not installed: run `make setup`")
    return subprocess.run(  # noqa: S603 - our own venv's lint-imports, fixed arguments
        [str(lint), "--no-cache", *config], cwd=cwd, capture_output=True, text=True, check=False
    )


def test_import_contracts_hold():
    done = _lint_imports(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


# --- A misplaced import breaks them ----------------------------------------------------


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value)  # strings and lists of strings: the same in TOML


@pytest.fixture(scope="module")
def house(tmp_path_factory) -> Path:
    """A copy of studies/ and the pyproject's contracts about it, in a folder of its own
    (lint-imports reads the package from the folder it runs in)."""
    folder = tmp_path_factory.mktemp("house")
    shutil.copytree(ROOT / "studies", folder / "studies", ignore=shutil.ignore_patterns("*.pyc"))
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    ours = [
        contract
        for contract in config["contracts"]
        if "sandbox" not in json.dumps(contract) and "dashboard" not in json.dumps(contract)
    ]
    lines = ["[tool.importlinter]", 'root_packages = ["studies"]']
    for contract in ours:
        lines.append("\n[[tool.importlinter.contracts]]")
        lines += [f"{key} = {_toml(value)}" for key, value in contract.items()]
    (folder / "contracts.toml").write_text("\n".join(lines) + "\n")
    return folder


def _with_line(house: Path, module: str, line: str):
    """`module` (a path under the copy) with `line` added at its end, for one check."""
    path = house / module
    original = path.read_text()
    path.write_text(original + "\n" + line + "\n")
    return path, original


def test_the_copy_keeps_the_contracts(house):
    """The control: unchanged, the copy passes, so a failure below is the one import."""
    done = _lint_imports(house, "contracts.toml")
    assert done.returncode == 0, done.stdout + done.stderr
    assert _verdict(done.stdout, "Floors of studies/") == "KEPT"


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        # The ground floor reaching up: infra importing the services.
        ("studies/infra/kept.py", "from studies.services import outcomes", "Floors"),
        # Reads depending on how pages answer: a selector importing the web's form.
        ("studies/selectors.py", "from studies.web.forms import list_filters", "Floors"),
        # A page writing the audit trail itself.
        ("studies/web/http.py", "from studies.audit import audit_record", "web/ never imports"),
        # A circle dodged by a lazy import is still a circle.
        (
            "studies/web/presenters.py",
            "def late():\n    from studies.web import row_cache\n\n    return row_cache",
            "No circles",
        ),
    ],
    ids=["infra-imports-services", "selectors-import-web", "web-writes-audit", "lazy-circle"],
)
def test_a_misplaced_import_breaks_a_contract(house, module, line, broken):
    path, original = _with_line(house, module, line)
    try:
        done = _lint_imports(house, "contracts.toml")
    finally:
        path.write_text(original)
    assert done.returncode != 0, done.stdout
    assert _verdict(done.stdout, broken) == "BROKEN", done.stdout


def _verdict(report: str, contract: str) -> str | None:
    """KEPT or BROKEN, as lint-imports reports the contract whose name starts `contract`
    (a long name wraps over two lines)."""
    found = re.search(re.escape(contract) + r".*?\b(KEPT|BROKEN)\b", " ".join(report.split()))
    return found.group(1) if found else None


# --- No view calls an upstream write -----------------------------------------------


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
