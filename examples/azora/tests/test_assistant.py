from sqlalchemy import func, select


def test_suggest_records_question(assistant_client):
    from azora_common.db import Conversation, session

    response = assistant_client.get("/assistant/suggest", params={"q": "How do I pay?"})
    assert response.status_code == 200
    data = response.json()
    assert data["query"] == "How do I pay?"
    assert data["suggestions"]
    with session() as db:
        count = db.scalar(
            select(func.count())
            .select_from(Conversation)
            .where(Conversation.question == "How do I pay?")
        )
    assert count == 1


def test_suggest_requires_query(assistant_client):
    assert assistant_client.get("/assistant/suggest").status_code == 422


def test_assistant_health(assistant_client):
    assert assistant_client.get("/health").json() == {"status": "ok"}
