"""azora assistant (not core): canned suggestions for a question."""

from azora_common.db import Conversation, session
from azora_common.web import add_observability
from fastapi import FastAPI, Query

SUGGESTIONS = {
    "pay": ["How do I update my card?", "Where can I download invoices?"],
    "plan": ["Compare the Starter and Team plans", "How do I upgrade my plan?"],
    "account": ["How do I change my email?", "How do I delete my account?"],
}
DEFAULT = ["Browse the catalog", "Contact support"]

app = FastAPI(title="azora assistant")
add_observability(app, "assistant")


@app.get("/assistant/suggest")
def suggest(q: str = Query(min_length=1, max_length=500)) -> dict:
    with session() as db:
        db.add(Conversation(question=q))
        db.commit()
    lowered = q.lower()
    hits = [s for word, items in SUGGESTIONS.items() if word in lowered for s in items]
    return {"query": q, "suggestions": hits or DEFAULT}
