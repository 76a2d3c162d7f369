"""POST /v1/analyze on a real server: nlp.pipe's answers, fields, lone surrogates,
concurrent clients batched together, and the operations endpoints."""

import httpx

from hanzi_spacy.serve import doc_result
from hanzi_spacy.serve.schema import FIELDS

from .conftest import (
    assert_same,
    metric_values,
    post_at_once,
    post_json,
    reference,
    texts,
)


def test_texts_answered_as_nlp_pipe(server, float32_nlp):
    batch = texts()
    response = post_json(server + "/v1/analyze", {"texts": batch})
    assert response.status_code == 200
    answer = response.json()
    assert answer["model"].startswith("zh_")
    assert_same(answer["results"], reference(float32_nlp, batch))
    for text, result in zip(batch, answer["results"]):
        ends = [0] + [w["end"] for w in result["words"]]
        gaps = [text[end : w["start"]] for end, w in zip(ends, result["words"])]
        assert all(not gap.strip() for gap in gaps)  # only spaces between words
        for span in result["words"] + result["entities"]:
            assert text[span["start"] : span["end"]] == span["text"]
        for sentence in result["sentences"]:
            assert 0 <= sentence["start"] < sentence["end"] <= len(text)
    assert any(result["entities"] for result in answer["results"])


def test_one_text_and_fields(server, float32_nlp):
    text = texts()[0]
    (expected,) = reference(float32_nlp, [text])
    answer = post_json(server + "/v1/analyze", {"text": text}).json()
    assert_same(answer["results"], [expected])
    answer = post_json(server + "/v1/analyze", {"text": text, "fields": ["cats"]})
    assert list(answer.json()["results"][0]) == ["cats"]
    fields = ["tags", "entities"]
    answer = post_json(server + "/v1/analyze", {"text": text, "fields": fields})
    (result,) = answer.json()["results"]
    assert set(result) == {"words", "entities"}
    assert [set(w) for w in result["words"]] == [{"start", "end", "text", "tag"}] * len(
        result["words"]
    )
    assert result["entities"] == expected["entities"]


def test_lone_surrogates_answered_as_nlp(server, float32_nlp):
    text = "江泽民\ud800在北京\udfff会见了代表团。"
    (result,) = post_json(server + "/v1/analyze", {"texts": [text]}).json()["results"]
    expected = doc_result(float32_nlp(text), FIELDS)
    assert_same([result], [expected])
    assert result["replaced_surrogates"] == [3, 7]
    as_read = text.replace("\ud800", "\ufffd").replace("\udfff", "\ufffd")
    assert "".join(w["text"] for w in result["words"]) == as_read
    assert result["words"][-1]["end"] == len(text)


def test_concurrent_clients_are_batched(server, float32_nlp):
    batch = [f"{t}第{i}次。" for i, t in enumerate(texts()[:5] * 4)]
    expected = reference(float32_nlp, batch)
    before = metric_values(server)
    answers = post_at_once(server + "/v1/analyze", batch)
    assert [a.status_code for a in answers] == [200] * len(batch)
    assert_same([a.json()["results"][0] for a in answers], expected)
    after = metric_values(server)
    batches = after["hanzi_serve_batch_size_count"] - before.get(
        "hanzi_serve_batch_size_count", 0
    )
    assert 1 <= batches < len(batch)  # some batch held several requests
    docs = after["hanzi_serve_documents_total"] - before["hanzi_serve_documents_total"]
    assert docs == len(batch)


def test_health_ready_metrics(server):
    assert httpx.get(server + "/health").json() == {"status": "alive"}
    ready = httpx.get(server + "/ready").json()
    assert ready["status"] == "ready" and ready["model"].startswith("zh_")
    post_json(server + "/v1/analyze", {"text": "北京"})
    response = httpx.get(server + "/metrics")
    assert response.headers["content-type"].startswith("text/plain")
    values = metric_values(server)
    ok = 'hanzi_serve_requests_total{path="/v1/analyze",status="200"}'
    assert values[ok] >= 1
    assert values['hanzi_serve_request_seconds_count{path="/v1/analyze"}'] >= 1
    assert values["hanzi_serve_characters_total"] >= 2
    assert "hanzi_serve_queue_texts" in values


def test_openapi_and_docs(server):
    schema = httpx.get(server + "/openapi.json").json()
    assert {"/v1/analyze", "/v1/render", "/health", "/ready"} <= set(schema["paths"])
    components = schema["components"]["schemas"]
    assert {"AnalyzeRequest", "AnalyzeResponse", "TextResult", "Word"} <= set(
        components
    )
    fields = components["AnalyzeRequest"]["properties"]["fields"]
    assert set(fields["items"]["enum"]) == set(FIELDS)
    docs = httpx.get(server + "/docs")
    assert docs.status_code == 200 and "openapi.json" in docs.text


def test_render_colours_every_label(server):
    text = "江泽民在北京会见了代表团。"
    analysis = {
        "words": [
            {"start": 0, "end": 3, "text": "江泽民", "tag": "nr", "upos": "PROPN"}
        ],
        "entities": [
            {"start": 0, "end": 3, "label": "PER", "text": "江泽民"},
            {"start": 4, "end": 6, "label": "LOC", "text": "北京"},
            {"start": 9, "end": 12, "label": "NEWLABEL", "text": "代表团"},
        ],
    }
    response = post_json(server + "/v1/render", {"text": text, "analysis": analysis})
    views = response.json()
    assert views["entities"].count("<mark") == 3
    assert "background: #" in views["entities"]  # every mark has a colour
    assert "ddd" not in views["entities"]  # displaCy's grey for unknown labels
    assert "PROPN" in views["words"] and "nr" in views["words"]


def test_page_is_served(server):
    response = httpx.get(server + "/")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert "/v1/analyze" in response.text
    assert "://" not in response.text  # nothing from elsewhere: no CDN


def test_render_takes_lone_surrogates(server):
    text = "北京\ud800上海"
    analysis = {
        "words": [{"start": 2, "end": 3, "text": "\ud800", "tag": "x", "upos": "X"}],
        "entities": [{"start": 0, "end": 2, "label": "LOC", "text": "北京"}],
    }
    response = post_json(server + "/v1/render", {"text": text, "analysis": analysis})
    assert response.status_code == 200
    assert "\ufffd" in response.json()["entities"]
