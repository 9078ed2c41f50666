"""The OpenAPI document is public, valid 3.1 in shape, and describes every API route."""

import re


def _api_routes(app):
    routes = set()
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1"):
            path = re.sub(r"<(?:[^:>]+:)?([^>]+)>", r"{\1}", rule.rule)
            for method in rule.methods - {"HEAD", "OPTIONS"}:
                routes.add((path, method.lower()))
    return routes


def test_document_is_public_and_lists_every_route(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.get_json()
    assert document["openapi"] == "3.1.0"
    described = {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method in {"get", "put", "post", "patch", "delete"}
    }
    assert described == _api_routes(app)


def test_every_reference_resolves(client):
    document = client.get("/api/v1/openapi.json").get_json()
    text = str(document)
    for name in re.findall(r"#/components/schemas/(\w+)", text):
        assert name in document["components"]["schemas"], name


def test_every_operation_documents_its_answers(client):
    document = client.get("/api/v1/openapi.json").get_json()
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            assert operation["responses"], (path, method)
            if path != "/api/v1/openapi.json":
                assert "401" in operation["responses"], (path, method)


def test_questionnaire_shapes_are_typed(client):
    schemas = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"]
    response = schemas["QuestionnaireResponse"]
    assert set(response["required"]) == {
        "id",
        "instrument",
        "instrument_version",
        "answered_at",
        "local_date",
        "answers",
        "score",
        "urgent",
        "version",
        "created_at",
        "updated_at",
    }
    assert response["properties"]["answers"]["additionalProperties"] == {
        "type": ["integer", "boolean"]
    }
    assert set(schemas["QuestionnaireResponseInput"]["required"]) == {"instrument", "answers"}
    trends = schemas["Trends"]
    assert "questionnaires" in trends["required"]
    assert set(trends["properties"]["questionnaires"]["required"]) == {"peg", "rmdq", "pgic"}
    assert set(schemas["QuestionnaireTrend"]["required"]) == {
        "points",
        "baseline",
        "latest",
        "change",
        "percent",
        "meaningful",
    }
    assert "responses" in schemas["Backup"]["required"]
