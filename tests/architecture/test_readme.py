"""The README is a front door: short, and its code map names every folder a newcomer
meets, one line each: every top-level folder of the repository and every subpackage of
studies/. A folder added without its line fails here."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def code_map() -> set[str]:
    """The folders the README's code map names: its table's rows "| `folder/` | ..."."""
    section = README.read_text().split("\n## Code map\n", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `([^`]+)/` \|", section, flags=re.MULTILINE))


def top_level_folders() -> set[str]:
    """Every folder at the top of the repository that git tracks a file in."""
    tracked = subprocess.run(
        ["git", "ls-files"],  # noqa: S607 - git from PATH, fixed arguments
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    return {path.split("/", 1)[0] for path in tracked if "/" in path}


def studies_subpackages() -> set[str]:
    return {f"studies/{init.parent.name}" for init in (ROOT / "studies").glob("*/__init__.py")}


def test_the_code_map_names_every_top_level_folder():
    folders = top_level_folders()
    assert {"dashboard", "studies", "sandbox", "tests"} <= folders  # the listing works
    assert sorted(folders - code_map()) == []


def test_the_code_map_names_every_subpackage_of_studies():
    subpackages = studies_subpackages()
    assert {"studies/views", "studies/upstream", "studies/infra"} <= subpackages
    assert sorted(subpackages - code_map()) == []


def test_the_code_map_names_only_folders_that_exist():
    assert sorted(folder for folder in code_map() if not (ROOT / folder).is_dir()) == []


def test_the_readme_stays_a_front_door():
    """About 8 KB: the design, operations and speed notes live in docs/."""
    assert len(README.read_bytes()) <= 8 * 1024
