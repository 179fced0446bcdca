"""The production deployment files: docker-compose.yml, Dockerfile, .env.example, deploy/.

Docker cannot run here, so these tests read the files: the services and their wiring, that
every secret comes from .env, that the image installs this project with the pinned versions,
and that the rekap settings the containers get are valid settings. When the `docker compose`
client is installed, it validates the file as well (that needs no engine).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
DOCKERFILE = ROOT / "Dockerfile"
CONSTRAINTS = ROOT / "constraints.txt"

REQUIRED_SERVICES = {
    "postgres",
    "redis",
    "airflow-apiserver",
    "airflow-scheduler",
    "airflow-dag-processor",
    "airflow-triggerer",
    "airflow-worker",
    "airflow-init",
}
HEALTHCHECKED = {"postgres", "redis", "airflow-apiserver", "airflow-scheduler"}
# Variables of .env that are secrets: used only as ${VAR:?...}, placeholders in .env.example.
SECRET_VARS = {
    "AIRFLOW_FERNET_KEY",
    "AIRFLOW_JWT_SECRET",
    "AIRFLOW_API_SECRET_KEY",
    "AIRFLOW_ADMIN_PASSWORD",
    "POSTGRES_PASSWORD",
    "AIRFLOW_DB_PASSWORD",
    "WAREHOUSE_DB_PASSWORD",
    "SMTP_CONN_URI",
}
SECRET_LOOKING = re.compile(r"PASSWORD|SECRET|FERNET|_KEY$|TOKEN|_URI$|^AIRFLOW_CONN_")
PLACEHOLDER = "change-me"
# rekap settings production cannot leave to defaults or Airflow Variables.
PRODUCTION_SETTINGS = {
    "REKAP_SHARED_ROOT",
    "REKAP_WAREHOUSE_URL",
    "REKAP_PROVINCE",
    "REKAP_DEADLINE_DAY",
    "REKAP_STABLE_SECONDS",
    "REKAP_REPORT_EMAILS",
    "REKAP_OPERATOR_EMAILS",
}
# Read from the environment when the DAG files are parsed (rekap.settings.ParseTimeSettings), so
# they cannot come from Airflow Variables and must reach every Airflow container.
PARSE_TIME_SETTINGS = {"REKAP_PROVINCE", "REKAP_REGISTRY", "REKAP_DEADLINE_DAY", "REKAP_INGEST_SCHEDULE"}
# Environment-only knobs that are not in rekap.settings.NAMES, with the file that reads them.
ENV_ONLY_SETTINGS = {"REKAP_INGEST_SCHEDULE": ROOT / "plugins" / "rekap" / "settings.py"}

# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?message}, ${VAR?message}, ${VAR:+alt}; $$ is a literal $.
INTERPOLATION = re.compile(
    r"\$\$|\$\{(?P<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?P<op>:?[-?+])(?P<arg>[^}]*))?\}|\$(?P<bare>[A-Za-z_]\w*)"
)


class MissingVariable(LookupError):
    pass


def interpolate(text: str, env: dict[str, str]) -> str:
    """Compose's variable substitution, enough for this file."""

    def substitute(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$"
        name = match.group("name") or match.group("bare")
        op, arg = match.group("op"), match.group("arg") or ""
        value = env.get(name)
        unset_or_empty = not value
        if op in (":-", "-"):
            return arg if (unset_or_empty if op == ":-" else value is None) else value
        if op in (":?", "?"):
            if unset_or_empty if op == ":?" else value is None:
                raise MissingVariable(f"{name}: {arg}")
            return value
        if op in (":+", "+"):
            return "" if (unset_or_empty if op == ":+" else value is None) else arg
        return value or ""

    return INTERPOLATION.sub(substitute, text)


def resolve(node: Any, env: dict[str, str]) -> Any:
    if isinstance(node, dict):
        return {k: resolve(v, env) for k, v in node.items()}
    if isinstance(node, list):
        return [resolve(v, env) for v in node]
    if isinstance(node, str):
        return interpolate(node, env)
    return node


def strings(node: Any):
    """Every string value in the compose data, with the mapping key it belongs to."""
    stack: list[tuple[Any, Any]] = [(None, node)]
    while stack:
        key, value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.items())
        elif isinstance(value, list):
            stack.extend((key, v) for v in value)
        elif isinstance(value, str):
            yield key, value


def references(node: Any) -> list[re.Match]:
    """The variable references in the compose data's values (comments are not interpolated)."""
    return [m for _, text in strings(node) for m in INTERPOLATION.finditer(text) if m.group(0) != "$$"]


def mask_references(text: str) -> tuple[str, list[str]]:
    """``text`` with each reference replaced by ``REF<n>REF``, and the references."""
    found: list[str] = []

    def stash(match: re.Match) -> str:
        if match.group(0) == "$$":
            return "$$"
        found.append(match.group(0))
        return f"REF{len(found) - 1}REF"

    return INTERPOLATION.sub(stash, text), found


def parse_env_file(path: Path) -> dict[str, str]:
    values = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        name, sep, value = line.partition("=")
        assert sep and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name), f"{path.name}:{number}: not NAME=value"
        assert name not in values, f"{path.name}:{number}: {name} defined twice"
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        values[name] = value
    return values


def environment(service: dict) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.partition("=")[::2] for item in env)
    return {k: "" if v is None else str(v) for k, v in env.items()}


def volume_targets(service: dict) -> set[str]:
    targets = set()
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            targets.add(volume["target"])
        else:
            targets.add(volume.split(":")[1])
    return targets


def constraint_version(package: str) -> str | None:
    for line in CONSTRAINTS.read_text(encoding="utf-8").splitlines():
        name, _, version = line.strip().partition("==")
        if name.lower().replace("_", "-") == package:
            return version.strip()
    return None


@pytest.fixture(scope="module")
def compose_text() -> str:
    return COMPOSE_FILE.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def compose(compose_text: str) -> dict:
    return yaml.safe_load(compose_text)


@pytest.fixture(scope="module")
def services(compose: dict) -> dict[str, dict]:
    return compose["services"]


@pytest.fixture(scope="module")
def airflow_services(services: dict) -> dict[str, dict]:
    return {name: s for name, s in services.items() if name.startswith("airflow-")}


@pytest.fixture(scope="module")
def common(compose: dict) -> dict:
    return compose["x-airflow-common"]


@pytest.fixture(scope="module")
def example_env() -> dict[str, str]:
    return parse_env_file(ENV_EXAMPLE)


@pytest.fixture(scope="module")
def resolved(compose: dict, example_env: dict[str, str]) -> dict:
    """The compose data as compose would see it with .env.example as .env."""
    return resolve(compose, example_env)


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return DOCKERFILE.read_text(encoding="utf-8")


# --- services ------------------------------------------------------------------------------


def test_required_services_exist(services):
    assert set(services) >= REQUIRED_SERVICES, f"missing: {sorted(REQUIRED_SERVICES - set(services))}"


def test_airflow_services_share_the_common_image_env_and_volumes(airflow_services, common):
    assert common.get("build"), "x-airflow-common must build this project's image"
    common_env = environment(common)
    for name, service in airflow_services.items():
        assert service.get("image") == common["image"], name
        assert service.get("build") == common["build"], name
        env = environment(service)
        changed = {k for k, v in common_env.items() if env.get(k) != v}
        assert not changed, f"{name} lacks or overrides common settings {sorted(changed)}"
        assert volume_targets(common) <= volume_targets(service), f"{name} lacks common volumes"
        assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor", name


def test_workers_can_scale(services):
    worker = services["airflow-worker"]
    assert "container_name" not in worker
    for port in worker.get("ports") or []:
        published = port.get("published") if isinstance(port, dict) else ":" in str(port)
        assert not published, f"worker publishes a host port: {port}"


def test_only_the_api_server_publishes_a_port_on_loopback_by_default(services, resolved):
    published = {name for name, s in services.items() if s.get("ports")}
    assert published == {"airflow-apiserver"}
    # Plain HTTP: with the example settings it is reachable from the host only (TLS proxy in front).
    assert resolved["services"]["airflow-apiserver"]["ports"] == ["127.0.0.1:8080:8080"]
    unset = resolve(services["airflow-apiserver"]["ports"], {})
    assert unset == ["127.0.0.1:8080:8080"], "without AIRFLOW_UI_BIND the port stays on loopback"


def test_healthchecks(services, common):
    for name in HEALTHCHECKED:
        test = (services[name].get("healthcheck") or {}).get("test")
        assert test, f"{name} has no healthcheck"
    scheduler_check = " ".join(services["airflow-scheduler"]["healthcheck"]["test"])
    if ":8974/health" in scheduler_check:
        assert environment(common)["AIRFLOW__SCHEDULER__ENABLE_HEALTH_CHECK"].lower() == "true"


def test_depends_on_is_consistent(services):
    graph = {}
    for name, service in services.items():
        depends = service.get("depends_on") or {}
        if isinstance(depends, list):
            depends = {d: {"condition": "service_started"} for d in depends}
        graph[name] = set(depends)
        for target, spec in depends.items():
            assert target in services, f"{name} depends on unknown service {target}"
            condition = (spec or {}).get("condition", "service_started")
            assert condition in {"service_started", "service_healthy", "service_completed_successfully"}
            if condition == "service_healthy":
                assert services[target].get("healthcheck"), f"{name} waits for {target}'s healthcheck"
            if condition == "service_completed_successfully":
                assert services[target].get("restart") in (None, "no"), f"{target} must be one-shot"

    def visit(name: str, path: tuple[str, ...]) -> None:
        assert name not in path, f"depends_on cycle: {' -> '.join((*path, name))}"
        for target in graph[name]:
            visit(target, (*path, name))

    for name in graph:
        visit(name, ())


def test_execution_api_url_names_the_api_server(common, services):
    url = urlsplit(environment(common)["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"])
    assert url.hostname == "airflow-apiserver" and url.hostname in services
    assert url.path == "/execution/"


def test_admin_password_file_is_shared_by_init_and_api_server(services, common):
    folder = str(Path(environment(common)["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"]).parent)
    for name in ("airflow-init", "airflow-apiserver"):
        assert folder in volume_targets(services[name]), f"{name} does not mount {folder}"


# --- secrets and .env.example -----------------------------------------------------------------


def test_every_variable_used_is_in_env_example_and_nothing_else(compose, example_env):
    used = {m.group("name") or m.group("bare") for m in references(compose)}
    assert used - set(example_env) == set(), "used in docker-compose.yml, missing from .env.example"
    assert set(example_env) - used == set(), "in .env.example but not used by docker-compose.yml"


def test_variables_are_braced(compose):
    bare = [m.group(0) for m in references(compose) if m.group("bare")]
    assert not bare, f"use ${{VAR}} (or $$ for a literal $): {bare}"


def test_compose_interpolates_with_env_example(resolved):
    assert resolved["services"]


def test_secrets_are_required_references_only(compose, example_env):
    secret_like = {name for name in example_env if SECRET_LOOKING.search(name)}
    assert secret_like <= SECRET_VARS, f"classify as secret or not: {sorted(secret_like - SECRET_VARS)}"
    for match in references(compose):
        if match.group("name") in SECRET_VARS:
            assert match.group("op") == ":?", f"{match.group(0)}: a secret must be ${{VAR:?message}}"
    for key, value in strings(compose):
        if isinstance(key, str) and SECRET_LOOKING.search(key) and not key.endswith("_FILE"):
            assert re.fullmatch(r"\$\{\w+:\?[^}]*\}", value), f"{key} must be one ${{VAR:?...}}"
        # References may hold spaces (their messages): mask them before reading URLs.
        masked, refs = mask_references(value)
        for url in re.findall(r"\w[\w+.-]*://[^\s\"']+", masked):
            password = urlsplit(url).password
            if password:
                ref = re.fullmatch(r"REF(\d+)REF", password)
                assert ref and ":?" in refs[int(ref.group(1))], f"literal password in {value}"
        assert not re.search(r"[A-Za-z0-9_-]{43}=", value), f"{key}: looks like a literal Fernet key"
    with pytest.raises(MissingVariable):
        resolve(compose, {k: v for k, v in example_env.items() if k not in SECRET_VARS})


def test_env_example_holds_placeholders_only(example_env):
    from cryptography.fernet import Fernet

    for name in SECRET_VARS:
        assert PLACEHOLDER in example_env[name], f"{name} in .env.example must be a {PLACEHOLDER} placeholder"
    with pytest.raises(ValueError):
        Fernet(example_env["AIRFLOW_FERNET_KEY"])
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    assert "Fernet.generate_key()" in text, ".env.example says how to generate a Fernet key"


REFUSE_PLACEHOLDERS = ROOT / "deploy" / "refuse-placeholders.sh"


def run_guard(names: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["sh", str(REFUSE_PLACEHOLDERS), *names],
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
    )


def guarded_names(command: str, script: str) -> list[str]:
    """The variable names a shell command passes to refuse-placeholders.sh."""
    joined = command.replace("\\\n", " ")
    [args] = re.findall(rf"{re.escape(script)}((?: +[A-Z_][A-Z0-9_]*)+)", joined)
    return args.split()


def test_airflow_init_refuses_the_placeholders_of_env_example_first(services, resolved, example_env):
    init = resolved["services"]["airflow-init"]
    command = "\n".join(init["command"])
    names = guarded_names(command, "/opt/rekap/deploy/refuse-placeholders.sh")
    # Before anything else runs: no migration, no password file with a placeholder password.
    assert command.index("refuse-placeholders.sh") < command.index("airflow db migrate")
    env = environment(init)
    # Every variable of the init container that carries a secret of .env is checked.
    secrets = {example_env[name] for name in SECRET_VARS if name in example_env}
    carrying = {k for k, v in env.items() if any(secret in v for secret in secrets)}
    carrying -= {"AIRFLOW__DATABASE__SQL_ALCHEMY_CONN_ASYNC", "AIRFLOW__CELERY__RESULT_BACKEND"}
    assert carrying <= set(names), f"not checked: {sorted(carrying - set(names))}"

    refused = run_guard(names, env)
    assert refused.returncode == 1
    assert refused.stdout == "" and len(refused.stderr.strip().splitlines()) == 1, refused.stderr
    assert "AIRFLOW__CORE__FERNET_KEY" in refused.stderr and "INIT_ADMIN_PASSWORD" in refused.stderr
    assert "replace every change-me value in .env" in refused.stderr

    real = {k: v.replace("change-me", "s3cr3t") for k, v in env.items()}
    accepted = run_guard(names, real)
    assert (accepted.returncode, accepted.stdout, accepted.stderr) == (0, "", "")
    one_left = {**real, "INIT_ADMIN_PASSWORD": env["INIT_ADMIN_PASSWORD"]}
    assert run_guard(names, one_left).returncode == 1
    assert run_guard(names, {**real, "INIT_ADMIN_PASSWORD": ""}).returncode == 1


def test_postgres_init_refuses_placeholders_with_the_same_guard(services, resolved):
    mounts = {v.split(":")[1]: v.split(":")[0] for v in services["postgres"]["volumes"] if ":" in v}
    guard_target = next(t for t, src in mounts.items() if src.endswith("refuse-placeholders.sh"))
    assert (ROOT / mounts[guard_target]).resolve() == REFUSE_PLACEHOLDERS
    script = (ROOT / "deploy" / "postgres-init.sh").read_text(encoding="utf-8")
    names = guarded_names(script, guard_target)
    assert set(names) == {"POSTGRES_PASSWORD", "AIRFLOW_DB_PASSWORD", "WAREHOUSE_DB_PASSWORD"}
    assert script.index(guard_target) < script.index("psql")
    env = environment(resolved["services"]["postgres"])
    assert run_guard(names, env).returncode == 1
    assert run_guard(names, {k: v.replace("change-me", "x9") for k, v in env.items()}).returncode == 0


def test_env_file_is_not_committed():
    tracked = subprocess.run(
        ["git", "ls-files", "--", ".env"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert tracked.stdout.strip() == "", ".env (real secrets) is tracked by git"


# --- local files -----------------------------------------------------------------------------------


def test_referenced_local_files_exist(compose):
    declared_volumes = set(compose.get("volumes") or {})
    checked = []
    for name, service in compose["services"].items():
        build = service.get("build")
        if build:
            context = build if isinstance(build, str) else build.get("context", ".")
            dockerfile = "Dockerfile" if isinstance(build, str) else build.get("dockerfile", "Dockerfile")
            assert (ROOT / context).is_dir(), f"{name}: build context {context}"
            assert (ROOT / context / dockerfile).is_file(), f"{name}: {dockerfile}"
            checked.append(dockerfile)
        for volume in service.get("volumes") or []:
            if isinstance(volume, dict):
                kind, source = volume.get("type"), volume.get("source", "")
            else:
                source = volume.split(":")[0]
                kind = "bind" if source.startswith((".", "/", "~", "$")) else "volume"
            if kind == "volume":
                assert source in declared_volumes, f"{name}: named volume {source} not declared"
            elif source.startswith("."):
                assert (ROOT / source).exists(), f"{name}: {source} does not exist"
                checked.append(source)
    assert any("postgres-init" in c for c in checked), "the postgres init script is mounted"


def test_postgres_init_script_creates_both_databases(services, resolved):
    [init] = [v for v in services["postgres"]["volumes"] if "docker-entrypoint-initdb.d" in str(v)]
    script = (ROOT / init.split(":")[0]).read_text(encoding="utf-8")
    provided_by_image = {"POSTGRES_USER", "POSTGRES_DB"}
    needs = set(re.findall(r"\$\{(\w+)", script)) - provided_by_image
    assert needs <= set(environment(services["postgres"])), "the init script's variables reach postgres"
    env = environment(resolved["x-airflow-common"])
    for url in (env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"], env["REKAP_WAREHOUSE_URL"]):
        parts = urlsplit(url)
        database = parts.path.lstrip("/")
        assert parts.hostname == "postgres"
        assert re.search(rf"CREATE DATABASE {database} OWNER {parts.username};", script), url
        assert re.search(rf"CREATE ROLE {parts.username} LOGIN PASSWORD", script), url
    assert (
        urlsplit(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]).path != urlsplit(env["REKAP_WAREHOUSE_URL"]).path
    )


# --- Dockerfile --------------------------------------------------------------------------------------


def test_dockerfile_pins_the_airflow_version_of_constraints(dockerfile):
    airflow = constraint_version("apache-airflow")
    assert airflow, "constraints.txt pins apache-airflow"
    [base] = re.findall(r"^FROM\s+(\S+)", dockerfile, flags=re.MULTILINE)
    assert base == f"apache/airflow:{airflow}-python3.11"


def test_dockerfile_installs_the_project_with_constraints(dockerfile):
    commands = " ".join(dockerfile.replace("\\\n", " ").splitlines())
    installs = re.findall(r"pip install [^&;]*", commands)
    assert any("-c constraints.txt" in i and "-e /opt/rekap" in i for i in installs), installs
    assert "_PIP_ADDITIONAL_REQUIREMENTS" not in dockerfile
    copied = set()
    for sources in re.findall(r"^COPY\s+(?:--\S+\s+)*(.+)\s+\S+$", dockerfile, flags=re.MULTILINE):
        for source in sources.split():
            assert (ROOT / source).exists(), f"COPY {source}: not in the project"
            copied.add(source.rstrip("/"))
    # pyproject's readme, the package, the DAGs and the folders rekap finds beside the package.
    needed = {
        "pyproject.toml",
        "constraints.txt",
        "README.md",
        "plugins",
        "dags",
        "sql",
        "expectations",
        "deploy",
    }
    assert needed <= copied, f"not copied: {sorted(needed - copied)}"
    assert "ENV AIRFLOW__CORE__DAGS_FOLDER=/opt/rekap/dags" in dockerfile
    assert "AIRFLOW__CORE__PLUGINS_FOLDER=/opt/rekap/plugins" in dockerfile


def test_celery_provider_is_pinned_like_constraints(dockerfile):
    pins = re.findall(r"apache-airflow-providers-celery==([\w.]+)", dockerfile)
    assert len(pins) == 1, "the celery provider is pinned once in the Dockerfile"
    pinned = constraint_version("apache-airflow-providers-celery")
    if pinned is not None:
        assert pins[0] == pinned, "Dockerfile and constraints.txt disagree on the celery provider"


def test_no_pip_additional_requirements_in_compose(compose_text):
    assert "_PIP_ADDITIONAL_REQUIREMENTS" not in compose_text


def test_sql_and_expectations_are_found_beside_the_package(monkeypatch):
    """The image copies the project tree as is, so this layout is the image's layout too."""
    from rekap.settings import resource_dir

    monkeypatch.delenv("REKAP_SQL_DIR", raising=False)
    monkeypatch.delenv("REKAP_EXPECTATIONS_DIR", raising=False)
    assert resource_dir("sql") == ROOT / "sql" and resource_dir("expectations") == ROOT / "expectations"
    assert (ROOT / "sql" / "migrations").is_dir()


# --- rekap settings ------------------------------------------------------------------------------


def test_rekap_settings_reach_the_airflow_services(common):
    from rekap.settings import NAMES

    assert set(NAMES) >= PRODUCTION_SETTINGS, "a production setting is no longer a rekap setting"
    env = environment(common)
    assert set(env) >= PRODUCTION_SETTINGS | PARSE_TIME_SETTINGS
    for name in env:
        if name.startswith("REKAP_"):
            assert name in NAMES or name in ENV_ONLY_SETTINGS, f"{name} is not a rekap setting"
    for name, reader in ENV_ONLY_SETTINGS.items():
        assert name in reader.read_text(encoding="utf-8"), f"{reader.name} no longer reads {name}"


def test_shared_root_is_the_mounted_drive(airflow_services, common):
    root = environment(common)["REKAP_SHARED_ROOT"]
    for name, service in airflow_services.items():
        assert root in volume_targets(service), f"{name} does not mount the shared drive at {root}"


def test_rekap_settings_are_valid_with_the_example_values(resolved):
    from airflow.sdk import Connection
    from croniter import croniter
    from rekap.settings import Settings
    from sqlalchemy.engine import make_url

    env = environment(resolved["x-airflow-common"])
    settings = Settings.from_mapping(env)  # raises SettingsError on a wrong value
    assert settings.registry.by_code, f"no districts for province {settings.province_code}"
    url = make_url(settings.warehouse_url)
    assert (url.drivername, url.host, url.database) == ("postgresql+psycopg", "postgres", "warehouse")
    assert settings.report_emails and settings.operator_emails
    assert croniter.is_valid(env["REKAP_INGEST_SCHEDULE"])
    smtp = Connection.from_uri(env["AIRFLOW_CONN_SMTP_DEFAULT"], conn_id="smtp_default")
    assert smtp.host not in (None, "", "localhost") and "@" in smtp.extra_dejson["from_email"]
