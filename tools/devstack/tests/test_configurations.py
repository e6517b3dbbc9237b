"""The Dapr Configurations are generated: each committed file is what `make generate` writes
from components/access-matrix.yaml and its place's template."""

from pathlib import Path

import pytest
import yaml

from devstack import configurations
from devstack.access_matrix import AccessMatrix
from devstack.versions import repo_root


@pytest.mark.parametrize("path", sorted(configurations.generate()), ids=lambda p: p.name)
def test_the_committed_file_is_what_make_generate_writes(path: Path) -> None:
    expected = configurations.generate()[path]
    assert path.read_text() == expected, f"{path.relative_to(repo_root())}: run `make generate`"


def test_every_file_says_it_is_generated() -> None:
    for text in configurations.generate().values():
        assert text.startswith("# Generated from components/access-matrix.yaml by `make generate`")


def test_the_template_keeps_its_settings_and_the_matrix_adds_access() -> None:
    matrix = AccessMatrix.load()
    local = yaml.safe_load(configurations.render("backend", "local", matrix))
    assert local["metadata"] == {"name": "backend"}
    assert local["spec"]["mtls"] == {"enabled": True}
    assert local["spec"]["nameResolution"]["component"] == "sqlite"
    cluster = yaml.safe_load(configurations.render("ai-service", "k8s", matrix))
    assert cluster["metadata"] == {"name": "ai-service", "namespace": matrix.namespace("k8s")}
    assert cluster["spec"]["tracing"] == {"samplingRate": "1"}
    assert cluster["spec"]["accessControl"] == matrix.access_control("ai-service", "k8s")
    assert cluster["spec"]["secrets"]["scopes"] == matrix.secret_scopes("ai-service")


def test_a_change_to_the_matrix_changes_the_files() -> None:
    matrix = AccessMatrix.load()
    raw = {**matrix.raw, "operations": {**matrix.raw["operations"]}}
    raw["operations"]["backend"] = {"ai-service": [{"name": "/api/tasks", "verbs": ["GET"]}]}
    doc = yaml.safe_load(configurations.render("backend", "local", AccessMatrix(raw)))
    [policy] = doc["spec"]["accessControl"]["policies"]
    assert policy["appId"] == "ai-service"
    assert policy["operations"] == [{"name": "/api/tasks", "httpVerb": ["GET"], "action": "allow"}]


def test_a_template_may_not_set_what_the_matrix_writes(tmp_path: Path) -> None:
    template, _ = configurations.PLACES["local"]
    (tmp_path / template).parent.mkdir(parents=True)
    (tmp_path / template).write_text("kind: Configuration\nspec:\n  accessControl: {}\n")
    with pytest.raises(ValueError, match="the matrix's to write"):
        configurations.render("backend", "local", AccessMatrix.load(), tmp_path)
