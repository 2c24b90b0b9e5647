"""The sandbox stands alone: served with its own settings in a process of its own, it
loads nothing of the dashboard (no `studies` or `dashboard` module, whatever a settings
string or a lazy import might pull in: import-linter cannot see those), and every
endpoint answers the same whatever cookies a browser sends it. Cookies ignore ports:
under `make run` the browser sends the dashboard's cookies to the sandbox too."""

import html
import json

from sandbox_helpers import WSGI_PRELUDE, run_python

SERVE = (
    WSGI_PRELUDE
    + r"""
study = json.loads(call("GET", "/v1/viewer/studies?limit=1", auth=API)["body"])["studies"][0]
sid = study["studyId"]
viewer = json.loads(call("POST", "/v1/viewer/studies/reroute-url", auth=API,
                         body={"studyId": sid})["body"])["url"].removeprefix("http://127.0.0.1:8001")
READS = {
    "api list": ("GET", "/v1/viewer/studies", API),
    "api study": ("GET", f"/v1/viewer/studies/{sid}", API),
    "api users": ("GET", "/v1/viewer/users", API),
    "api without key": ("GET", "/v1/viewer/studies", None),
    "viewer page": ("GET", viewer, None),
    "viewer page, bad token": ("GET", viewer + "x", None),
    "viewer css": ("GET", "/viewer/sandbox.css", None),
    "favicon": ("GET", "/favicon.ico", None),
    "openapi": ("GET", "/openapi.json", None),
    "control openapi": ("GET", "/_sandbox/openapi.json", None),
    "control users": ("GET", "/_sandbox/users", CONTROL),
    "control faults": ("GET", "/_sandbox/faults", CONTROL),
    "unknown path": ("GET", "/accounts/login/", None),
}
answers = {}
for jar, cookie in json.loads(sys.argv[1]).items():
    answers[jar] = {name: call(m, p, auth=a, cookie=cookie) for name, (m, p, a) in READS.items()}
    answers[jar]["api write"] = call("POST", "/v1/viewer/studies/reroute-url", auth=API,
                                     cookie=cookie, body={"studyId": sid})["status"]
loaded = sorted(m for m in sys.modules if m.split(".")[0] in {"studies", "dashboard"})
print(json.dumps({"answers": answers, "loaded": loaded, "description": study["studyDescription"]}))
"""
)

COOKIE_JARS = {
    "none": None,
    # What the dashboard sets on 127.0.0.1 (any port), and the names Django uses by default.
    "the dashboard's": "triage_session=abcdefghijklmnopqrstuvwxyz012345; triage_csrftoken=x",
    "django's default names": "sessionid=8xk2mq9zv1l0p7a3; csrftoken=Qm9vdGxlZw; messages=W10",
    "a garbage sessionid": 'sessionid="<script>\\x00; messages=%%%; csrftoken=',
}


def test_served_alone_it_loads_nothing_of_the_dashboard_and_ignores_cookies(tmp_path):
    done = run_python(SERVE, tmp_path, json.dumps(COOKIE_JARS), SANDBOX_LOG_LEVEL="WARNING")
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)

    assert result["loaded"] == []
    answers = result["answers"]
    plain = answers["none"]
    assert {name: a["status"] for name, a in plain.items() if name != "api write"} == {
        "api list": 200,
        "api study": 200,
        "api users": 200,
        "api without key": 401,
        "viewer page": 200,
        "viewer page, bad token": 403,
        "viewer css": 200,
        "favicon": 200,
        "openapi": 200,
        "control openapi": 200,
        "control users": 200,
        "control faults": 200,
        "unknown path": 404,
    }
    assert html.escape(result["description"]) in plain["viewer page"]["body"]
    for jar in COOKIE_JARS:
        assert answers[jar] == plain, jar  # same status and body, no cookie set
        assert answers[jar]["api write"] == 200
        assert not any(a["cookies"] for a in answers[jar].values() if isinstance(a, dict))
