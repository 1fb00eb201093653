#!/usr/bin/env python3
"""Contract test of the API: schemathesis against the running app.

Usage: api_contract.py BINARY [WORK_DIR]

Starts BINARY (`loopwright`) on a throwaway SQLite data dir filled by
`loopwright demo`, checks /api/openapi.json with openapi-spec-validator,
signs in as the demo admin, creates a read-write personal access token and
runs schemathesis over every operation of the document with the
not_a_server_error, status_code_conformance, response_schema_conformance
and content_type_conformance checks. Prints the counts; exits non-zero on
any server error or conformance failure, or when an operation was not
tested.

Operations that would cut the run off are arranged so that every one is
still exercised:

- The main phase runs every operation but three, with real ids from the
  demo data (a job, its loop and stage, a candidate whose stage the admin
  interviews on, a criterion, a question, a track) so that calls reach the
  handlers' logic, not only their 404s. Erasing and deleting get ids of
  their own (a candidate and a stage kept for them).
- `PATCH /api/v1/users/{id}` (which may deactivate or demote the caller),
  `DELETE /api/v1/me/tokens/{id}` (which may revoke the token in use) and
  `POST /api/v1/auth/logout` run last, each in its own phase with a fresh
  admin and token; the users phase aims at a decoy user, the tokens phase
  at a decoy token.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
TOOLS = Path(sys.executable).parent
CHECKS = "not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance"
DEMO_PASSWORD = "demo passphrase 2026"
# Test cases per operation and phase: bounded so the whole run takes a few minutes.
MAX_EXAMPLES = int(os.environ.get("LOOPWRIGHT_CONTRACT_EXAMPLES", "50"))
# The operations that run alone at the end (see the module's doc).
LAST = [
    ("PATCH", "/api/v1/users/{id}"),
    ("DELETE", "/api/v1/me/tokens/{id}"),
    ("POST", "/api/v1/auth/logout"),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Api:
    def __init__(self, base, token=None):
        self.base, self.token = base, token

    def call(self, method, path, body=None, expect=(200, 201, 202, 204)):
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        if self.token:
            req.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(req, timeout=30) as res:
                status, text = res.status, res.read().decode()
        except urllib.error.HTTPError as e:
            status, text = e.code, e.read().decode()
        if status not in expect:
            raise SystemExit(f"setup: {method} {path} answered {status}: {text}")
        return json.loads(text) if text else None


def sign_in_with_token(base, email, password, name):
    session = Api(base).call("POST", "/api/v1/auth/login", {"email": email, "password": password})
    api = Api(base, session["token"])
    created = api.call("POST", "/api/v1/me/tokens", {"name": name, "scope": "write"})
    return Api(base, created["token"]), created["id"], session["user"]["id"]


def new_admin(admin, n):
    email = f"contract-admin-{n}@example.com"
    password = "a contract test passphrase"
    admin.call(
        "POST",
        "/api/v1/users",
        {"email": email, "name": f"Contract Admin {n}", "role": "admin", "password": password},
    )
    return sign_in_with_token(admin.base, email, password, f"contract {n}")


def fixtures(api, admin_id):
    """Real ids from the demo data, for the operations' path and query."""
    jobs = api.call("GET", "/api/v1/jobs?per_page=100")["jobs"]
    job = jobs[0]["id"]
    template = api.call("GET", f"/api/v1/jobs/{job}/loop")
    candidates = api.call("GET", f"/api/v1/candidates?job_id={job}&per_page=100")["candidates"]
    worked, erased = candidates[0], candidates[1]
    loop = api.call("GET", f"/api/v1/candidates/{worked['id']}/loop")
    stage = loop["stages"][0]
    # The admin interviews on the candidate's first stage: kits and
    # scorecards answer them.
    ids = sorted(set(stage["interviewer_ids"]) | {admin_id})
    loop = api.call(
        "PUT",
        f"/api/v1/stages/{stage['id']}/interviewers",
        {"user_ids": ids, "version": loop["version"]},
    )
    # A stage of the template to delete, added for the purpose.
    kind = api.call("GET", "/api/v1/stage-kinds")["stage_kinds"][0]
    added = api.call(
        "POST",
        f"/api/v1/loops/{template['id']}/stages",
        {"stage_kind": kind["key"] if "key" in kind else kind["slug"], "version": template["version"]},
    )
    doomed = max(s["id"] for s in added["stages"])
    criteria = api.call("GET", f"/api/v1/jobs/{job}/criteria?per_page=100")["criteria"]
    question = api.call("GET", "/api/v1/questions?per_page=1")["questions"][0]["id"]
    track = api.call("GET", "/api/v1/tracks")["tracks"][0]["slug"]
    return {
        "job": job,
        "template_loop": template["id"],
        "template_stage": template["stages"][0]["id"],
        "candidate": worked["id"],
        "candidate_loop": loop["id"],
        "candidate_stage": stage["id"],
        "erased_candidate": erased["id"],
        "doomed_stage": doomed,
        "criterion": criteria[-1]["id"],
        "question": question,
        "track": track,
        "admin": admin_id,
    }


def config(f):
    """schemathesis.toml: the ids each operation is called with."""
    rules = [
        # (method or None, path, parameters)
        (None, "/api/v1/jobs/{id}", {"path.id": f["job"]}),
        (None, "/api/v1/jobs/{id}/criteria", {"path.id": f["job"]}),
        (None, "/api/v1/jobs/{id}/loop", {"path.id": f["job"]}),
        (None, "/api/v1/criteria/{id}", {"path.id": f["criterion"]}),
        (None, "/api/v1/loops/{id}", {"path.id": f["candidate_loop"]}),
        (None, "/api/v1/loops/{id}/coverage", {"path.id": f["candidate_loop"]}),
        (None, "/api/v1/loops/{id}/revisions", {"path.id": f["candidate_loop"]}),
        (None, "/api/v1/loops/{id}/revisions/compare", {"path.id": f["candidate_loop"]}),
        (None, "/api/v1/loops/{id}/stages", {"path.id": f["template_loop"]}),
        ("PATCH", "/api/v1/stages/{id}", {"path.id": f["template_stage"]}),
        ("DELETE", "/api/v1/stages/{id}", {"path.id": f["doomed_stage"]}),
        (None, "/api/v1/stages/{id}/questions", {"path.id": f["template_stage"]}),
        (None, "/api/v1/stages/{id}/interviewers", {"path.id": f["template_stage"]}),
        (None, "/api/v1/stages/{id}/kit", {"path.id": f["candidate_stage"]}),
        (None, "/api/v1/stages/{id}/scorecard", {"path.id": f["candidate_stage"]}),
        (None, "/api/v1/stages/{id}/scorecard/submit", {"path.id": f["candidate_stage"]}),
        (None, "/api/v1/stages/{id}/scorecard/amendments", {"path.id": f["candidate_stage"]}),
        ("GET", "/api/v1/candidates/{id}", {"path.id": f["candidate"]}),
        ("PATCH", "/api/v1/candidates/{id}", {"path.id": f["candidate"]}),
        ("DELETE", "/api/v1/candidates/{id}", {"path.id": f["erased_candidate"]}),
        (None, "/api/v1/candidates/{id}/loop", {"path.id": f["candidate"]}),
        (None, "/api/v1/candidates/{id}/export", {"path.id": f["candidate"]}),
        (None, "/api/v1/candidates/{id}/prep-pack", {"path.id": f["candidate"]}),
        (None, "/api/v1/candidates/{id}/prep-pack/send", {"path.id": f["candidate"]}),
        (None, "/api/v1/candidates/{id}/debrief", {"path.id": f["candidate"]}),
        (None, "/api/v1/candidates/{id}/decision", {"path.id": f["candidate"]}),
        (None, "/api/v1/candidates/{id}/reminders", {"path.id": f["candidate"]}),
        (None, "/api/v1/outbox", {"query.candidate_id": f["candidate"]}),
        ("GET", "/api/v1/questions/{id}", {"path.id": f["question"]}),
        ("PATCH", "/api/v1/questions/{id}", {"path.id": f["question"]}),
        (None, "/api/v1/tracks/{key}", {"path.key": f["track"]}),
    ]
    out = []
    for method, path, params in rules:
        out.append("[[operations]]")
        # (include-path and include-method would each match on their own.)
        if method:
            out.append(f"include-name = {json.dumps(f'{method} {path}')}")
        else:
            out.append(f"include-path = {json.dumps(path)}")
        inline = ", ".join(f"{json.dumps(k)} = {json.dumps(v)}" for k, v in params.items())
        out.append(f"parameters = {{ {inline} }}")
        out.append("")
    return "\n".join(out)


def schemathesis(base, token, work, name, filters, config_file=None):
    report = work / f"report-{name}"
    cmd = [str(TOOLS / "schemathesis")]
    if config_file:
        cmd += ["--config-file", str(config_file)]
    cmd += [
        "run",
        f"{base}/api/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        CHECKS,
        "--max-examples",
        str(MAX_EXAMPLES),
        "--workers",
        "2",
        "--seed",
        os.environ.get("LOOPWRIGHT_CONTRACT_SEED", "20261129"),
        "--generation-with-security-parameters",
        "false",
        "--generation-database",
        "none",
        "--continue-on-failure",
        "--no-color",
        "--report",
        "json",
        "--report-json-path",
        str(report.with_suffix(".json")),
        *filters,
    ]
    print(f"\n--- schemathesis: {name}", flush=True)
    with open(work / f"schemathesis-{name}.log", "w") as log:
        # Run in the work dir: schemathesis keeps a `.schemathesis` cache in its cwd.
        done = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, timeout=900, cwd=work)
    text = (work / f"schemathesis-{name}.log").read_text()
    summary = text[text.rfind("SUMMARY") - 40 :] if "SUMMARY" in text else text[-3000:]
    print(summary.rstrip())
    data = json.loads(report.with_suffix(".json").read_text())
    return done.returncode, data, text


def main():
    binary = Path(sys.argv[1]).resolve()
    work = Path(sys.argv[2]) if len(sys.argv) > 2 else Path(tempfile.mkdtemp(prefix="lw-contract-"))
    work = work.resolve()
    if work.exists():
        shutil.rmtree(work)
    work.mkdir(parents=True)
    started = time.monotonic()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(
        os.environ,
        LOOPWRIGHT_DATA_DIR=str(work / "data"),
        LOOPWRIGHT_BIND=f"127.0.0.1:{port}",
        LOOPWRIGHT_LOG="warn",
    )
    env.pop("LOOPWRIGHT_DATABASE_URL", None)
    subprocess.run([str(binary), "demo", "--candidates", "60"], env=env, check=True, stdout=subprocess.DEVNULL)
    server_log = open(work / "server.log", "w")
    server = subprocess.Popen([str(binary), "serve"], env=env, stdout=server_log, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/readyz", timeout=2)
                break
            except Exception:
                time.sleep(0.2)
        else:
            raise SystemExit("the app did not start; see " + str(work / "server.log"))

        document = work / "openapi.json"
        with urllib.request.urlopen(base + "/api/openapi.json") as res:
            document.write_bytes(res.read())
        print("--- openapi-spec-validator", flush=True)
        subprocess.run([str(TOOLS / "openapi-spec-validator"), str(document)], check=True)
        spec = json.loads(document.read_text())
        every = {
            (m.upper(), p) for p, item in spec["paths"].items() for m in item if m in ("get", "post", "put", "patch", "delete")
        }

        admin, _, admin_id = sign_in_with_token(base, "admin@example.com", DEMO_PASSWORD, "contract")
        ids = fixtures(admin, admin_id)
        config_file = work / "schemathesis.toml"
        config_file.write_text(config(ids))

        # The three that could end the run get a fresh admin and token each,
        # and their decoys, now: the main phase tries sign-ins with made-up
        # passwords, and this address may then be throttled for a while.
        decoy_user = admin.call(
            "POST",
            "/api/v1/users",
            {"email": "decoy@example.com", "name": "Decoy Person", "role": "interviewer", "password": "a decoy passphrase here"},
        )["user"]["id"]
        alone = []
        for n, (method, path) in enumerate(LAST, start=1):
            api, _, _ = new_admin(admin, n)
            decoy_token = api.call("POST", "/api/v1/me/tokens", {"name": "decoy", "scope": "read"})["id"]
            alone.append((n, method, path, api, decoy_token))

        results = []
        main_filters = []
        for method, path in LAST:
            main_filters += ["--exclude-operation-id", op_id(spec, method, path)]
        results.append(("main", *schemathesis(base, admin.token, work, "main", main_filters, config_file)))

        for n, method, path, api, decoy_token in alone:
            phase_config = work / f"schemathesis-last-{n}.toml"
            target = {"/api/v1/users/{id}": decoy_user, "/api/v1/me/tokens/{id}": decoy_token}.get(path)
            phase_config.write_text(
                ""
                if target is None
                else f'[[operations]]\ninclude-path = "{path}"\nparameters = {{ "path.id" = {target} }}\n'
            )
            name = f"alone-{op_id(spec, method, path)}"
            filters = ["--include-operation-id", op_id(spec, method, path)]
            results.append((name, *schemathesis(base, api.token, work, name, filters, phase_config)))
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()

    # The counts.
    exercised = 0
    cases = 0
    by_check = {}
    problems = []
    for name, code, data, text in results:
        cases += data["test_cases"]["generated"]
        for failure in data.get("failures", []):
            # e.g. "ST108 Response violates schema", "ST100 Server error".
            check = f"{failure.get('code', '')} {failure.get('title', '')}".strip()
            by_check[check] = by_check.get(check, 0) + failure.get("count", 1)
            problems.append(f"{name}: {failure.get('title')} ×{failure.get('count', 1)} in {failure.get('operations')}")
        for error in data.get("errors", []):
            problems.append(f"{name}: error: {error.get('title')} ×{error.get('count', 1)}")
        if data["operations"]["tested"] < data["operations"]["selected"]:
            problems.append(f"{name}: {data['operations']['selected'] - data['operations']['tested']} operations not tested")
        if code != 0 and not data.get("failures"):
            problems.append(f"{name}: schemathesis exited {code}")
        exercised += data["operations"]["tested"]
    server_errors = sum(v for k, v in by_check.items() if "server error" in k.lower())
    schema_violations = sum(v for k, v in by_check.items() if "schema" in k.lower())
    other = sum(by_check.values()) - server_errors - schema_violations
    elapsed = time.monotonic() - started
    print("\n=== API contract (schemathesis)")
    print(f"operations in the document: {len(every)}; exercised: {exercised}")
    print(f"test cases: {cases}")
    print(f"server errors: {server_errors}")
    print(f"schema violations: {schema_violations}")
    print(f"other conformance failures (status code, content type): {other}")
    for check, count in sorted(by_check.items()):
        print(f"  {check}: {count}")
    for p in problems:
        print(f"  {p}")
    print(f"time: {elapsed:.0f} s (logs and reports in {work})")
    ok = not by_check and not problems and exercised == len(every)
    passed = exercised if ok else 0
    print(f"contract: {passed} passed, {len(every) - passed} failed")
    return 0 if ok else 1


def op_id(spec, method, path):
    return spec["paths"][path][method.lower()]["operationId"]


if __name__ == "__main__":
    sys.exit(main())
