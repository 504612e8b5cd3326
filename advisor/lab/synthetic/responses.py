"""Logged answers for a generated log: SampleLog -> the same log with a `response` column.

    answer_classes(truth) -> per-call class: two calls of one class get the same right answer
    with_responses(log, seed=None) -> SampleLog (frame gains S.RESPONSE; nothing else changes)

The true answer class of a support-chat opening is its intent when it is in scope and carries
no entity value (an order number, e-mail, amount or date makes the answer its own); every other
call is a class of its own. This is the generator's notion of a true repeat (truth.py), so a
cached answer is right exactly when the two calls share a class.

Each answer is written from its class's content (a topic sentence and the steps of that intent,
fixed per intent) in one of several phrasings, so answers of one class are similar and answers
of different classes differ, but not perfectly: intents of a product line share steps, an answer
to an opening with an entity value is the intent's answer with that value in it (close to the
intent's plain answer, yet a different class), out-of-scope openings all get a refusal, and a
share of answers are clarifying questions that look alike whatever was asked. The draws come
from their own generator seeded by (seed, a fixed stream number), so turning answers on changes
no other column, and a seed gives the same answers on every machine.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from advisor.core import schema as S
from advisor.lab.synthetic.generator import SampleLog
from advisor.lab.synthetic.truth import SampleTruth

_STREAM = 7_302_023  # fixed: the answers' own random stream, apart from the log's draws
CLARIFY_SHARE = 0.08  # answers that ask a question back instead of answering

_STEPS = {
    "banking": (
        "open the mobile app and sign in",
        "go to Accounts and pick the account",
        "check the Activity tab for the last 90 days",
        "confirm with the one-time code we text you",
        "the change shows within one business day",
        "you can also call the number on the back of your card",
        "visit any branch with a photo id",
        "set up an alert under Settings > Notifications",
        "transfers over $10,000 need a second confirmation",
        "fees are listed in the account agreement",
    ),
    "cards": (
        "open Cards in the app and select the card",
        "tap Manage card",
        "a replacement arrives in 5 to 7 business days",
        "your rewards post at the end of each statement cycle",
        "we review requests within 2 business days",
        "the new limit applies from your next statement",
        "foreign transaction fees are 3% of each purchase",
        "lock the card right away from the app",
        "your credit score is not affected by checking it",
        "the annual percentage rate is shown on your statement",
    ),
    "travel": (
        "open My Trips and choose the booking",
        "changes are free up to 24 hours before departure",
        "check the airline's site for live gate information",
        "a carry-on must fit 22 x 14 x 9 inches",
        "file a claim with the reference from your boarding pass",
        "coverage starts the day after purchase",
        "confirmation e-mails can take 15 minutes",
        "cancellations refund to the original payment method",
        "exchange rates update every business day",
        "add the trip under Travel notices so your card keeps working",
    ),
    "general": (
        "I can help with accounts, cards and travel bookings",
        "I am a virtual assistant for this company",
        "a human agent is available from 8 am to 8 pm",
        "ask me about balances, payments, cards or trips",
    ),
}
_OPENERS = ("Sure!", "Happy to help.", "Thanks for reaching out.", "Of course.", "Good question.", "")
_FRAMES = (
    "Here is how {topic} works:",
    "About {topic}:",
    "For {topic}, here's what to do:",
    "Let me walk you through {topic}.",
)
_CLOSERS = ("Anything else I can help with?", "Hope that helps!", "Let me know if you have other questions.", "")
_CLARIFY = (
    "Could you tell me a bit more about what you need so I can point you to the right place?",
    "I want to make sure I get this right: which account or booking is this about?",
    "Can you share a few more details about your request?",
)
_REFUSAL = "I'm sorry, I can only help with banking, cards and travel questions, so I can't help with: {query}"
_ENTITY_NOTE = "I've looked up {value} for you."
_FOLLOWUP = ("Got it.", "Understood.", "Thanks for confirming.", "Okay.")


def answer_classes(truth: SampleTruth) -> np.ndarray:
    """Per call (the frame's rows): the intent for an in-scope, entity-free support-chat opening,
    else a class of the call's own ("call:<row>")."""
    per = truth.per_call
    opening = (per[S.TURN].to_numpy() == 1) & per["intent"].notna().to_numpy()
    clean = opening & ~per["is_oos"].to_numpy(bool) & (per["entity_kind"].fillna("").to_numpy() == "")
    own = np.array([f"call:{i}" for i in range(len(per))], dtype=object)
    return np.where(clean, per["intent"].astype(object).to_numpy(), own)


def _intent_content(rng: np.random.Generator) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Per intent: its topic phrase and three steps from its product line's pool (fixed per seed)."""
    from advisor.lab.synthetic.texts import load_catalog

    catalog = load_catalog()
    out = {}
    for name, line in zip(catalog.names, catalog.product_line):
        pool = _STEPS[line]
        picks = rng.choice(len(pool), size=min(3, len(pool)), replace=False)
        out[name] = (name.replace("_", " "), tuple(pool[int(k)] for k in picks))
    return out


def _answer(rng: np.random.Generator, topic: str, steps: tuple[str, ...]) -> str:
    """One phrasing of an intent's answer: opener, frame, the steps (one maybe left out), closer."""
    kept = [s for s in steps if rng.random() > 0.25] or [steps[0]]
    body = "; ".join(kept)
    parts = (
        _OPENERS[rng.integers(len(_OPENERS))],
        _FRAMES[rng.integers(len(_FRAMES))].format(topic=topic),
        body[0].upper() + body[1:] + ".",
        _CLOSERS[rng.integers(len(_CLOSERS))],
    )
    return " ".join(p for p in parts if p)


def _entity_value(text: str, kind: str) -> str:
    """The entity value an opening carries, as the answer would repeat it (the text's tail)."""
    words = str(text).replace(",", " ").split()
    return f"{kind} {words[-1]}" if words else kind


def _response(rng: np.random.Generator, row: pd.Series, content: dict, query: object) -> str:
    intent, kind = row["intent"], row["entity_kind"] or ""
    if intent is None or intent != intent:  # background jobs
        return "Summary and fields extracted as requested."
    if row["is_oos"]:
        return _REFUSAL.format(query=query)
    if rng.random() < CLARIFY_SHARE:
        return _CLARIFY[rng.integers(len(_CLARIFY))]
    topic, steps = content[intent]
    text = _answer(rng, topic, steps)
    if row[S.TURN] != 1:
        return f"{_FOLLOWUP[rng.integers(len(_FOLLOWUP))]} {text}"
    if kind:
        return f"{_ENTITY_NOTE.format(value=_entity_value(str(query), kind))} {text}"
    return text


def with_responses(log: SampleLog, seed: int | None = None) -> SampleLog:
    """`log` with a response per call consistent with its true answer class (see the module doc)."""
    rng = np.random.default_rng([log.settings.seed if seed is None else seed, _STREAM])
    content = _intent_content(rng)
    per = log.truth.per_call
    queries = log.frame[S.QUERY].to_numpy(dtype=object)
    responses = [_response(rng, row, content, queries[i]) for i, (_, row) in enumerate(per.iterrows())]
    frame = log.frame.copy()
    frame[S.RESPONSE] = np.asarray(responses, dtype=object)
    return dataclasses.replace(log, frame=frame)
