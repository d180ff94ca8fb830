import pytest


def test_charge_roundtrip(payments_client):
    body = {"amount_cents": 1999, "currency": "eur", "customer": "smoke@azora.test"}
    created = payments_client.post("/charges", json=body)
    assert created.status_code == 201
    charge = created.json()
    assert charge["status"] == "succeeded"
    assert charge["currency"] == "EUR"
    fetched = payments_client.get(f"/charges/{charge['id']}")
    assert fetched.status_code == 200
    assert fetched.json()["amount_cents"] == 1999


def test_charge_validation(payments_client):
    invalid = [
        {"amount_cents": 0, "currency": "EUR", "customer": "a@azora.test"},
        {"amount_cents": 100, "currency": "EURO", "customer": "a@azora.test"},
        {"amount_cents": 100, "currency": "EUR"},
    ]
    for body in invalid:
        assert payments_client.post("/charges", json=body).status_code == 422, body


def test_unknown_charge_is_404(payments_client):
    assert payments_client.get("/charges/ch_missing").status_code == 404


def test_refuses_test_key_in_production(monkeypatch, capsys, load_service):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("PAYMENT_SECRET_KEY", "sk_test_do_not_print_me")
    with pytest.raises(SystemExit) as exc:
        load_service("payments", "azora_payments_refusing")
    assert exc.value.code != 0
    err = capsys.readouterr().err
    assert "refusing to start" in err
    assert "do_not_print_me" not in err


def test_starts_with_live_key_in_production(monkeypatch, load_service):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("PAYMENT_SECRET_KEY", "sk_live_abc")
    module = load_service("payments", "azora_payments_live")
    assert module.app.title == "azora payments"
