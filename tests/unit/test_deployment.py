"""docker-compose.yml: the shape production relies on, and `docker-compose config -q` when the tool is here
(.ci/run installs Debian's docker-compose and runs the same check)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SECRETS = {"POSTGRES_PASSWORD": "admin-secret", "ZHIJIAN_OWNER_PASSWORD": "owner-secret",
           "ZHIJIAN_DB_PASSWORD": "app-secret", "ZHIJIAN_PROJECTION_PASSWORD": "projection-secret",
           "ZHIJIAN_AUDITOR_PASSWORD": "auditor-secret", "ZHIJIAN_SESSION_SECRET": "s" * 40}


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_the_compose_file_runs_postgresql_the_api_with_several_workers_and_the_projection_worker():
    services = compose()["services"]
    assert set(services) == {"db", "migrate", "api", "projections", "archive"}
    assert re.fullmatch(r"postgres:\d+\.\d+-\w+", services["db"]["image"])  # a pinned minor version
    api = " ".join(services["api"]["command"])
    assert api.startswith("zhijian serve ") and "--workers" in api and "--no-access-log" in api
    assert services["projections"]["command"] == ["zhijian", "project"]
    assert services["archive"]["command"][:4] == ["zhijian", "report", "archive", "--nightly"]
    for name, service in services.items():
        if name != "migrate":  # one-shot
            assert service["healthcheck"]["test"], name
    assert services["migrate"]["command"] == ["zhijian", "db", "init"]
    assert services["migrate"]["depends_on"]["db"]["condition"] == "service_healthy"
    for name in ("api", "projections", "archive"):
        assert services[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    metrics = services["api"]["environment"]["PROMETHEUS_MULTIPROC_DIR"]
    assert any(t.startswith(metrics + ":") for t in services["api"]["tmpfs"])  # emptied at every start


def test_every_secret_comes_from_the_environment_and_each_process_runs_as_its_least_privileged_role():
    text = (ROOT / "docker-compose.yml").read_text()
    for name in SECRETS:
        assert f"${{{name}:?" in text, name
    services = compose()["services"]
    role = {name: re.match(r"postgresql://([^:]+):", services[name]["environment"]["ZHIJIAN_DATABASE_URL"]).group(1)
            for name in ("migrate", "api", "projections", "archive")}
    assert role == {"migrate": "zhijian", "api": "zhijian_app", "projections": "zhijian_projection",
                    "archive": "zhijian_projection"}
    assert services["api"]["environment"]["ZHIJIAN_CREATE_TABLES"] == "false"
    assert services["api"]["environment"]["ZHIJIAN_PROJECTIONS_IN_SERVER"] == "false"
    init = (ROOT / "deploy/postgres-init/10-zhijian-role.sh").read_text()
    assert init.count("NOSUPERUSER") == 4 and ":'app_password'" in init and "SUPERUSER PASSWORD" not in init
    assert "GRANT zhijian_projection TO zhijian;" in init
    assert os.access(ROOT / "deploy/postgres-init/10-zhijian-role.sh", os.X_OK)


def test_the_api_and_the_projection_worker_sign_checkpoints_with_one_key_kept_in_a_volume():
    services = compose()["services"]
    keys = {name: services[name]["environment"]["ZHIJIAN_AUDIT_KEY_FILE"] for name in ("api", "projections")}
    assert len(set(keys.values())) == 1, keys  # one key: a checkpoint the worker records verifies on the API
    folder = str(Path(keys["api"]).parent)
    for name in ("api", "projections"):
        assert f"audit-key:{folder}" in services[name]["volumes"], name  # kept across restarts, not in a tmpfs
    assert "audit-key" in compose()["volumes"]
    assert f"chown nobody:nogroup {folder}" in (ROOT / "Dockerfile").read_text()  # the image's user may make it


@pytest.mark.skipif(shutil.which("docker-compose") is None, reason="Debian's docker-compose is not installed")
def test_docker_compose_accepts_the_file_and_refuses_it_without_its_secrets():
    env = {k: v for k, v in os.environ.items() if k not in SECRETS and not k.startswith("ZHIJIAN_")}
    ok = subprocess.run(["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
                        env={**env, **SECRETS}, capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    missing = subprocess.run(["docker-compose", "-f", str(ROOT / "docker-compose.yml"), "config", "-q"],
                             env=env, capture_output=True, text=True)
    assert missing.returncode != 0
