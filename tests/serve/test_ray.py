"""The application as two Ray Serve replicas on a local Ray (2 CPUs), called over
HTTP through Serve's proxy: nlp.pipe's answers, concurrent requests batched by
``@serve.batch``, the refusals; a Serve config's args; the command's options."""

import httpx
import pytest

from hanzi_spacy.cli import main
from hanzi_spacy.serve import ServeSettings
from hanzi_spacy.serve.metrics import MULTIPROC_ENV

from ..conftest import PREDICTION_DTYPE
from .conftest import (
    FLOAT32,
    assert_same,
    free_port,
    metric_values,
    post_at_once,
    post_json,
    reference,
    texts,
)

ray = pytest.importorskip("ray")
serve = pytest.importorskip("ray.serve")
deployment = pytest.importorskip("hanzi_spacy.serve.deployment")

REPLICAS = 2


@pytest.fixture(scope="module")
def ray_server(trained_path, tmp_path_factory):
    """Two replicas of the tiny pipeline, whose metrics are summed (one folder)."""
    metrics_dir = tmp_path_factory.mktemp("ray-metrics")
    settings = ServeSettings(str(trained_path), config=FLOAT32, max_wait_ms=100)
    ray.init(num_cpus=REPLICAS, include_dashboard=False, log_to_driver=False)
    try:
        yield deployment.deploy(
            settings,
            REPLICAS,
            port=free_port(),
            env={MULTIPROC_ENV: str(metrics_dir)},
            log_level="warning",
        )
    finally:
        serve.shutdown()
        ray.shutdown()


def test_two_replicas_answer_as_nlp_pipe(ray_server, float32_nlp):
    status = serve.status().applications[deployment.APP_NAME]
    (replicas,) = [d.replica_states for d in status.deployments.values()]
    assert replicas == {"RUNNING": REPLICAS}
    batch = texts()
    response = post_json(ray_server + "/v1/analyze", {"texts": batch})
    assert response.status_code == 200
    assert response.json()["model"].startswith("zh_")
    assert_same(response.json()["results"], reference(float32_nlp, batch))
    ready = httpx.get(ray_server + "/ready").json()
    assert ready["status"] == "ready"


def test_concurrent_requests_batched_by_serve(ray_server, float32_nlp):
    batch = [f"{t}第{i}次。" for i, t in enumerate(texts()[:5] * 4)]
    expected = reference(float32_nlp, batch)
    before = metric_values(ray_server)
    answers = post_at_once(ray_server + "/v1/analyze", batch)
    assert [a.status_code for a in answers] == [200] * len(batch)
    assert_same([a.json()["results"][0] for a in answers], expected)
    after = metric_values(ray_server)  # both replicas, whichever answers

    def grown(name: str) -> float:
        return after[name] - before.get(name, 0)

    assert grown("hanzi_serve_documents_total") == len(batch)
    assert 1 <= grown("hanzi_serve_batch_size_count") < len(batch)


def test_refusals_pass_through_serve(ray_server):
    url = ray_server + "/v1/analyze"
    response = post_json(url, {"text": "京" * 10_001})
    assert response.status_code == 413 and response.json()["code"] == "E582"
    response = post_json(url, {"texts": ["北京", 5]})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body", "texts", 1]
    values = metric_values(ray_server)
    assert values['hanzi_serve_errors_total{code="E582"}'] >= 1


def test_serve_config_args():
    args = {"model": "m", "max_batch": "8", "max_wait_ms": "2.5", "num_replicas": "3"}
    settings, replicas = deployment.settings_from_args(args)
    assert settings == ServeSettings("m", max_batch=8, max_wait_ms=2.5)
    assert replicas == 3
    config = {PREDICTION_DTYPE: "float32"}
    settings, replicas = deployment.settings_from_args({"model": "m", "config": config})
    assert settings.config == config and replicas == 1


def test_command_options_checked(trained_path, capsys):
    path = str(trained_path)
    assert main(["serve", path, "--ray-replicas", "2", "--workers", "2"]) == 1
    assert "E595" in capsys.readouterr().err
    assert main(["serve", path, "--ray-replicas", "-1"]) == 1
    assert "--ray-replicas" in capsys.readouterr().err
