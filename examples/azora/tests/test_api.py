from prometheus_client.parser import text_string_to_metric_families


def test_health(api_client):
    response = api_client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_catalog(api_client):
    response = api_client.get("/catalog")
    assert response.status_code == 200
    assert {item["sku"] for item in response.json()} >= {"AZ-100", "AZ-200"}


def test_create_and_list_users(api_client):
    created = api_client.post("/users", json={"email": "ada@azora.test", "name": "Ada"})
    assert created.status_code == 201
    assert created.json()["email"] == "ada@azora.test"
    emails = [u["email"] for u in api_client.get("/users").json()]
    assert "ada@azora.test" in emails
    duplicate = api_client.post("/users", json={"email": "ada@azora.test", "name": "Ada"})
    assert duplicate.status_code == 409


def test_create_user_rejects_bad_email(api_client):
    response = api_client.post("/users", json={"email": "not-an-email", "name": "X"})
    assert response.status_code == 422


def test_metrics_count_requests(api_client):
    api_client.get("/catalog")
    text = api_client.get("/metrics").text
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert "azora_http_requests" in families
    assert "azora_http_request_duration_seconds" in families
    samples = families["azora_http_requests"].samples
    assert any(s.labels.get("path") == "/catalog" and s.value >= 1 for s in samples)
