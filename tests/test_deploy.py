"""The production pieces docker-compose starts, tested directly (no Docker engine here)."""
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
import yaml

from tests.factories import ApproachFactory
from tests.helpers import ROOT, collectstatic, free_port, production_env, scratch_database, wait_for

GUNICORN = [sys.executable, "-m", "gunicorn", "explorer.wsgi:application", "--config", "explorer/gunicorn.conf.py"]


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_defines_db_with_healthcheck_and_volume():
    db = compose()["services"]["db"]
    assert db["image"] == "postgres:16"
    assert "pg_isready" in " ".join(db["healthcheck"]["test"])
    volume = db["volumes"][0].split(":")[0]
    assert volume in compose()["volumes"]


def test_compose_web_waits_for_a_healthy_db_and_runs_the_entrypoint():
    web = compose()["services"]["web"]
    assert web["build"] == "."
    assert web["depends_on"]["db"]["condition"] == "service_healthy"
    assert web["command"] == ["scripts/docker-entrypoint"]
    assert "8000:8000" in web["ports"]


@pytest.mark.django_db(transaction=True)
def test_the_entrypoint_migrates_an_empty_database_imports_the_catalog_and_serves(tmp_path: Path):
    """What the web container runs, run here: on an empty database it migrates, loads the curated catalog and
    serves it with gunicorn; run again (a restart), it skips the unchanged catalog and serves again."""
    with scratch_database("entrypoint") as database_url:
        port = free_port()
        env = production_env(tmp_path, port, DATABASE_URL=database_url)
        env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"  # the entrypoint calls python and gunicorn
        collectstatic(env)
        for run in ("first start", "restart"):
            server = subprocess.Popen(["sh", "scripts/docker-entrypoint"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                      stderr=subprocess.STDOUT, text=True)
            try:
                wait_for(f"http://127.0.0.1:{port}/healthz", server, timeout=90)
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/therapies/cbt/") as response:
                    assert response.status == 200, run
                    assert "Cognitive behavioural therapy" in response.read().decode(), run
            finally:
                server.terminate()
                output = server.communicate(timeout=20)[0]
            assert ("Catalog unchanged" in output) == (run == "restart"), output


def test_compose_runs_redis_as_the_shared_page_cache():
    services = compose()["services"]
    assert services["cache"]["image"].startswith("redis:")
    assert "redis-cli" in services["cache"]["healthcheck"]["test"]
    assert services["web"]["environment"]["REDIS_URL"] == "redis://cache:6379/0"
    assert services["web"]["depends_on"]["cache"]["condition"] == "service_healthy"


def test_compose_takes_secrets_from_the_environment():
    text = (ROOT / "docker-compose.yml").read_text()
    web = compose()["services"]["web"]["environment"]
    assert web["SECRET_KEY"].startswith("${SECRET_KEY:?")
    assert "${POSTGRES_PASSWORD" in web["DATABASE_URL"]
    assert "password" not in text.lower().replace("postgres_password", "")


def test_compose_file_follows_the_compose_specification():
    """Only keys the Compose specification defines, at the top level and per service."""
    top_level = {"services", "volumes", "networks", "configs", "secrets", "name", "include"}
    service_keys = {
        "image", "build", "command", "entrypoint", "environment", "env_file", "ports", "volumes", "depends_on",
        "healthcheck", "restart", "networks", "expose", "user", "working_dir", "deploy",
    }
    data = compose()
    assert set(data) <= top_level
    for service in data["services"].values():
        assert set(service) <= service_keys


def test_dockerfile_runs_the_entrypoint_as_a_non_root_user():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install -r requirements.txt" in dockerfile
    assert "USER explorer" in dockerfile
    assert 'CMD ["scripts/docker-entrypoint"]' in dockerfile


@pytest.mark.django_db(transaction=True)
def test_gunicorn_serves_the_site_against_postgres(tmp_path: Path):
    ApproachFactory(name="Gunicorn-served approach")
    port = free_port()
    env = production_env(tmp_path, port)
    collectstatic(env)
    server = subprocess.Popen(GUNICORN, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for(f"http://127.0.0.1:{port}/", server)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/therapies/") as response:
            assert response.status == 200
            assert "Gunicorn-served approach" in response.read().decode()
    finally:
        server.terminate()
        server.wait(10)
