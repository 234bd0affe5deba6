"""The container files: the Dockerfile's promises (fonts, catalogues, user, health check,
server), the compose stack's four services and its secrets, and the gunicorn settings.
No Docker engine runs here; bin/test lints the Dockerfile with hadolint."""

from __future__ import annotations

import re
import runpy
import subprocess
from pathlib import Path

import pytest
import yaml

from portal.messaging.letter_fonts import TYPEFACES, font_files

REPOSITORY = Path(__file__).resolve().parent.parent
SECRETS = ("SECRET_KEY", "LOOKUP_KEY", "DATA_KEYS")


def dockerfile_stages() -> list[list[tuple[str, str]]]:
    """Each stage's instructions as (INSTRUCTION, arguments), continuation lines joined."""
    text = re.sub(r"\\\n", " ", (REPOSITORY / "Dockerfile").read_text())
    stages: list[list[tuple[str, str]]] = []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        instruction, _, arguments = line.strip().partition(" ")
        if instruction == "FROM":
            stages.append([])
        if stages:
            stages[-1].append((instruction, " ".join(arguments.split())))
    return stages


def stage_named(name: str) -> list[tuple[str, str]]:
    return next(stage for stage in dockerfile_stages() if stage[0][1].endswith(f" AS {name}"))


def compose() -> dict:
    return yaml.safe_load((REPOSITORY / "compose.yaml").read_text())


def test_the_image_is_built_in_stages_on_a_slim_base():
    stages = dockerfile_stages()
    assert len(stages) >= 2
    assert re.search(r"ARG PYTHON_IMAGE=python:3\.1\d-slim", (REPOSITORY / "Dockerfile").read_text())
    runtime = stages[-1]
    assert not any(instruction == "RUN" and "apt-get" in arguments for instruction, arguments in runtime)


def test_the_runtime_runs_gunicorn_as_an_unprivileged_user_with_a_health_check():
    runtime = dict(dockerfile_stages()[-1])
    user = runtime["USER"].split(":")[0]
    assert user.isdigit() and int(user) >= 1000
    assert "/healthz" in runtime["HEALTHCHECK"] and '"python", "-c"' in runtime["HEALTHCHECK"]
    assert "curl" not in runtime["HEALTHCHECK"]
    assert runtime["CMD"] == '["gunicorn", "--config", "gunicorn.conf.py", "app:app"]'
    assert "PORTAL_ENV=production" in runtime["ENV"]


def test_the_catalogues_are_compiled_in_the_image():
    build = stage_named("build")
    assert ("COPY", "translations translations") in build
    assert any(instruction == "RUN" and "pybabel -q compile -d translations" in arguments
               for instruction, arguments in build)


def test_the_font_stage_copies_every_file_the_letters_embed(tmp_path):
    """Runs the font stage's copy step on this machine's Debian fonts (installed by
    bin/setup-venv) and opens every typeface the letters use from the result."""
    fonts = stage_named("fonts")
    installed = next(arguments for instruction, arguments in fonts if "apt-get install" in arguments)
    assert {face.package for face in TYPEFACES} <= {word.split("=")[0] for word in installed.split()}
    steps = fonts[[instruction for instruction, _ in fonts].index("WORKDIR") + 1:]
    copy_step = next(arguments for instruction, arguments in steps if instruction == "RUN")
    if not Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf").is_file():
        pytest.skip("Debian's font packages are not installed (bin/setup-venv installs them)")

    subprocess.run(["bash", "-euo", "pipefail", "-c", copy_step], cwd=tmp_path, check=True)

    for face in TYPEFACES:
        assert all(path.is_file() for path in font_files(face, tmp_path).values())
    assert sorted(path.name for path in (tmp_path / "licences").iterdir()) == sorted(
        f"{package}.copyright" for package in {face.package for face in TYPEFACES})
    runtime = dockerfile_stages()[-1]
    assert ("COPY", "--from=fonts /letter-fonts /usr/share/fonts/truetype") in runtime
    assert "LETTER_FONT_DIR=/usr/share/fonts/truetype" in dict(runtime)["ENV"]


def test_compose_names_the_four_services():
    services = compose()["services"]

    assert {"web", "worker", "postgres", "redis"} <= set(services)
    assert services["web"]["command"] == ["gunicorn", "--config", "gunicorn.conf.py", "app:app"]
    assert services["worker"]["command"] == ["flask", "worker"]
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
        environment = services[name]["environment"]
        assert environment["PORTAL_ENV"] == "production"
        assert "@postgres:5432/" in environment["DATABASE_URL"]
        assert environment["REDIS_URL"].startswith("redis://redis:")


def test_compose_requires_every_secret_from_the_environment_and_commits_none():
    services = compose()["services"]

    for name in ("web", "worker", "migrate"):
        environment = services[name]["environment"]
        for secret in SECRETS:
            assert environment[secret].startswith(f"${{{secret}:?"), secret
        assert "${POSTGRES_PASSWORD:?" in environment["DATABASE_URL"]
        for variable, value in environment.items():
            if re.search(r"KEY|SECRET|PASSWORD|TOKEN|SID", variable):
                assert str(value).startswith("${"), variable
    assert services["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")


def test_gunicorn_runs_threaded_workers_without_its_own_access_log():
    settings = runpy.run_path(str(REPOSITORY / "gunicorn.conf.py"))

    assert settings["worker_class"] == "gthread" and settings["threads"] >= 2
    assert settings["workers"] >= 1 and settings["keepalive"] > 0
    assert settings["accesslog"] is None  # it would log paths, queries and client addresses
    assert settings["control_socket_disable"] is True  # it would be made in the read-only home
