"""`make bench` posts the bulk form as a browser does (scripts/benchkit/board.py): these
prove it still finds the rows to tick, the form's nonce and a person to assign to."""

import sys
from pathlib import Path

from view_helpers import STUDIES, page_json, study_id, study_json, text

from studies.accounts.roles import SUPERVISOR

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))
from benchkit import board  # scripts/ is not a package: found through the path above


def test_the_bench_finds_what_to_tick_and_whom_to_assign_to(login, avara):
    avara.get(STUDIES).respond(json=page_json(study_json(1), study_json(2, assignedTo=None)))

    html = text(login(SUPERVISOR).get("/?assignee=none&status=incomplete&limit=100"))

    assert [p.split("~")[0] for p in board.PICK.findall(html)] == [study_id(1), study_id(2)]
    assert board.NONCE.search(html).group(1).count(":") == 3  # user:random:timestamp:signature
    assert board.ASSIGNEE.search(html).group(1).startswith("usr_")
