"""The README's HTTP section, run for real: `zhijian serve --demo` as a process, then every curl example."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from itertools import pairwise

import httpx

from tests.e2e.processes import ROOT, free_port, wait_for


def readme_http_scripts() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("<!-- http:start -->"):text.index("<!-- http:end -->")]
    return "\n".join(re.findall(r"```sh\n(.*?)```", section, flags=re.S))


def test_the_readme_curl_examples_work_against_the_served_demo(settings, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "ZHIJIAN_DATA_DIR": str(settings.data_dir), "PYTHONUNBUFFERED": "1"}
    env.pop("ZHIJIAN_DATABASE_URL", None)
    if settings.is_postgres:
        env["ZHIJIAN_DATABASE_URL"] = str(settings.database_url)
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-m", "interfaces.cli", "serve", "--demo", "--port", str(port)],
                                  cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        # The log is written in blocks: only a token followed by its line's end is whole.
        token = wait_for(lambda: (m := re.search(r"demo token for 李明[^\n]*\n?\s*(zj_[\w-]+)\n", log.read_text()))
                         and m.group(1), "the demo token")

        def alive() -> bool:
            try:
                return httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200
            except httpx.TransportError:
                return False

        wait_for(alive, "the server")
        run = subprocess.run(["bash", "-euo", "pipefail", "-c", readme_http_scripts()], capture_output=True,
                             text=True, timeout=120, cwd=tmp_path,
                             env={**env, "TOKEN": token, "API": f"http://127.0.0.1:{port}"})
        assert run.returncode == 0, run.stdout + run.stderr + log.read_text()[-3000:]
        for event in ("Registered", "Inspected", "OrderedToRectify", "RectificationVerified", "Licensed",
                      "LicenseReviewed", "SampleFailed", "Retracted", "Closed"):
            assert f'"type":"{event}"' in run.stdout, event
        answers = [line for line in run.stdout.splitlines() if line.startswith('{"enterprise_id"')]
        assert any(a == b for a, b in pairwise(answers)), "the Idempotency-Key example answers twice alike"
        assert token not in log.read_text().split(token, 1)[1]  # printed once, never logged
    finally:
        server.terminate()
        server.wait(timeout=20)
