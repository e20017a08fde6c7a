"""The scaled-out deployments, checked without Docker or a cluster: docker-compose.scale.yml against the Compose
specification's JSON schema, deploy/k8s against the Kubernetes API schemas, and the commands they run
(the entrypoint's migrate mode, serving without migrating, the replica settings) run here for real."""
import json
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import check_jsonschema
import jsonschema
import kubernetes_validate
import pytest
import yaml

from tests.helpers import ROOT, collectstatic, free_port, production_env, scratch_database, wait_for

KUBERNETES_VERSION = "1.37.0"  # the newest schemas kubernetes-validate bundles
# The Compose specification's schema as check-jsonschema ships it (vendored from compose-spec/compose-spec).
COMPOSE_SCHEMA = Path(check_jsonschema.__file__).parent / "builtin_schemas" / "vendor" / "compose-spec.json"
# CloudNativePG's resources: their CRDs' schemas are not bundled with any offline validator here, so they are
# skipped by the schema check (named here, so nothing else slips through) and checked for shape below.
CUSTOM_KINDS = {("postgresql.cnpg.io/v1", "Cluster"), ("postgresql.cnpg.io/v1", "Pooler")}


class ComposeLoader(yaml.SafeLoader):
    """YAML with Compose's merge tags: `!reset` (drop what the base file set) and `!override`."""


def _tagged(loader: yaml.SafeLoader, node: yaml.Node):
    """A tagged value as its plain YAML value (`!reset []` is an empty list)."""
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node, deep=True)
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node, deep=True)
    return loader.construct_scalar(node)


ComposeLoader.add_constructor("!reset", _tagged)
ComposeLoader.add_constructor("!override", _tagged)


def compose_file(name: str) -> dict:
    return yaml.load((ROOT / name).read_text(), Loader=ComposeLoader)


def merged_compose() -> dict:
    """docker-compose.yml with docker-compose.scale.yml over it, service by service (enough for these checks)."""
    base, scale = compose_file("docker-compose.yml"), compose_file("docker-compose.scale.yml")
    services = {name: dict(service) for name, service in base["services"].items()}
    for name, service in scale["services"].items():
        merged = services.setdefault(name, {})
        for key, value in service.items():
            if isinstance(value, dict) and isinstance(merged.get(key), dict):
                merged[key] = {**merged[key], **value}
            else:
                merged[key] = value
    return {"services": services}


@pytest.mark.parametrize("name", ["docker-compose.yml", "docker-compose.scale.yml"])
def test_compose_files_follow_the_compose_specification_schema(name):
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    jsonschema.validate(compose_file(name), schema)


def test_the_schema_check_catches_a_misspelt_key():
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    broken = compose_file("docker-compose.scale.yml")
    broken["services"]["web"]["helthcheck"] = broken["services"]["web"].pop("healthcheck")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_scaled_compose_has_replicas_behind_nginx_a_streaming_replica_and_health_checks_everywhere():
    services = merged_compose()["services"]
    assert services["lb"]["image"].startswith("nginx:")
    assert services["web"]["ports"] == [] and "deploy" in services["web"]  # only nginx publishes a port
    assert services["db-replica"]["image"] == "postgres:16"
    assert "pg_basebackup" in (ROOT / "deploy/compose/replica-entrypoint.sh").read_text()
    assert " -R " in (ROOT / "deploy/compose/replica-entrypoint.sh").read_text()
    for name, service in services.items():
        if name != "migrate":  # a one-off job, not a service to probe
            assert "healthcheck" in service, name
    assert services["web"]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert services["web"]["environment"]["MIGRATE_ON_START"] == "0"
    assert services["migrate"]["command"] == ["scripts/docker-entrypoint", "migrate"]


def test_compose_scripts_are_valid_shell():
    for script in (ROOT / "deploy/compose").glob("*.sh"):
        subprocess.run(["bash", "-n", str(script)], check=True)


def test_the_router_is_configured_from_the_compose_environment():
    """The web service's database variables, with the secrets filled in, give Django a primary and a replica."""
    web = merged_compose()["services"]["web"]["environment"]
    fill = lambda value: value.replace("${POSTGRES_PASSWORD}", "pw").replace("${DATABASE_HOST:-db}", "db")  # noqa: E731
    env = {k: v for k, v in production_env(ROOT / "var", 0).items() if k != "DATABASE_URL"}
    env.update(DATABASE_URL=fill(web["DATABASE_URL"]), DATABASE_REPLICA_URLS=fill(web["DATABASE_REPLICA_URLS"]))
    code = ("import django; django.setup(); from django.conf import settings as s; "
            "print(s.DATABASES['default']['HOST'], s.DATABASES['replica1']['HOST'], s.DATABASE_ROUTERS)")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True)
    assert result.stdout.split()[:2] == ["db", "db-replica"]
    assert "explorer.replicas.ReplicaRouter" in result.stdout


def k8s_documents() -> list[tuple[str, dict]]:
    kustomization = yaml.safe_load((ROOT / "deploy/kustomization.yaml").read_text())
    documents = []
    for resource in kustomization["resources"]:
        for document in yaml.safe_load_all((ROOT / "deploy" / resource).read_text()):
            if document:
                documents.append((resource, document))
    return documents


def test_kubernetes_manifests_validate_against_the_kubernetes_schemas():
    checked = 0
    for resource, document in k8s_documents():
        if (document["apiVersion"], document["kind"]) in CUSTOM_KINDS:
            continue
        kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
        checked += 1
    assert checked >= 10


def test_the_kubernetes_schema_check_catches_a_mistake():
    deployment = next(doc for _, doc in k8s_documents() if doc["kind"] == "Deployment" and doc["metadata"]["name"] == "web")
    broken = json.loads(json.dumps(deployment))
    broken["spec"]["replicas"] = "three"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_kustomization_files_exist_and_no_secret_is_in_the_repository():
    kustomization = yaml.safe_load((ROOT / "deploy/kustomization.yaml").read_text())
    for resource in kustomization["resources"]:
        assert (ROOT / "deploy" / resource).is_file(), resource
    for generator in kustomization["configMapGenerator"]:
        for entry in generator.get("files", []):
            assert (ROOT / "deploy" / entry.split("=")[-1]).is_file(), entry
    kinds = [doc["kind"] for _, doc in k8s_documents()]
    assert "Secret" not in kinds
    assert {"Deployment", "HorizontalPodAutoscaler", "Job", "Service", "Cluster", "Pooler"} <= set(kinds)


def test_the_app_is_probed_on_healthz_and_takes_its_secrets_from_secrets():
    documents = dict(((doc["kind"], doc["metadata"]["name"]), doc) for _, doc in k8s_documents())
    container = documents[("Deployment", "web")]["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    env = {item["name"]: item for item in container["env"]}
    assert "secretKeyRef" in env["SECRET_KEY"]["valueFrom"] and "secretKeyRef" in env["DB_PASSWORD"]["valueFrom"]
    assert "-pooler-ro" in env["DATABASE_REPLICA_URLS"]["value"] and "-pooler-rw" in env["DATABASE_URL"]["value"]
    job = documents[("Job", "migrate")]["spec"]["template"]["spec"]["containers"][0]
    assert job["command"] == ["scripts/docker-entrypoint", "migrate"]
    hpa = documents[("HorizontalPodAutoscaler", "web")]["spec"]
    assert hpa["scaleTargetRef"]["name"] == "web" and hpa["minReplicas"] >= 2


def test_cloudnativepg_resources_have_replicas_and_poolers_for_both_roles():
    """Checked for shape here because their CRD schemas are not available offline (see CUSTOM_KINDS)."""
    documents = [doc for _, doc in k8s_documents() if (doc["apiVersion"], doc["kind"]) in CUSTOM_KINDS]
    cluster = next(doc for doc in documents if doc["kind"] == "Cluster")
    assert cluster["spec"]["instances"] >= 2 and cluster["spec"]["imageName"].endswith(":16")
    poolers = [doc for doc in documents if doc["kind"] == "Pooler"]
    assert {pooler["spec"]["type"] for pooler in poolers} == {"rw", "ro"}
    assert all(pooler["spec"]["cluster"]["name"] == cluster["metadata"]["name"] for pooler in poolers)


@pytest.mark.skipif(not (shutil.which("varnishd") or Path("/usr/sbin/varnishd").exists()) and not os.environ.get("REQUIRE_SERVERS"),
                    reason="varnishd not installed (Debian package 'varnish'; scripts/test-deps installs it)")
def test_the_vcl_compiles(tmp_path):
    vcl = (ROOT / "deploy/varnish/default.vcl").read_text().replace('.host = "web";', '.host = "127.0.0.1";')
    (tmp_path / "test.vcl").write_text(vcl)
    varnishd = shutil.which("varnishd") or "/usr/sbin/varnishd"
    result = subprocess.run([varnishd, "-C", "-j", "none", "-n", str(tmp_path), "-f", str(tmp_path / "test.vcl")],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.django_db(transaction=True)
def test_the_migrate_step_then_replicas_that_serve_without_migrating(tmp_path):
    """What the compose "migrate" service and the Kubernetes Job run, then what each app replica runs."""
    with scratch_database("scale") as database_url:
        port = free_port()
        env = production_env(tmp_path, port, DATABASE_URL=database_url, MIGRATE_ON_START="0")
        env["PATH"] = f"{Path(sys.executable).parent}:{env['PATH']}"
        collectstatic(env)
        migrate = subprocess.run(["sh", "scripts/docker-entrypoint", "migrate"], cwd=ROOT, env=env,
                                 capture_output=True, text=True, timeout=180)
        assert migrate.returncode == 0, migrate.stdout[-2000:] + migrate.stderr[-2000:]
        assert "Listening at" not in migrate.stdout + migrate.stderr  # it exits; it does not serve
        server = subprocess.Popen(["sh", "scripts/docker-entrypoint"], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.STDOUT, text=True)
        try:
            wait_for(f"http://127.0.0.1:{port}/healthz", server, timeout=60)
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/therapies/cbt/") as response:
                assert "Cognitive behavioural therapy" in response.read().decode()
        finally:
            server.terminate()
            output = server.communicate(timeout=20)[0]
        assert "Applying" not in output and "Catalog" not in output  # a replica neither migrates nor imports
