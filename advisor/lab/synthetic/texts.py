"""Query texts for the sample generator: real CLINC150 utterances -> per-call user messages.

First turns are real customer questions drawn from the CLINC150 intents a bank / card /
travel support agent receives, with a Zipf-like intent popularity (FAQ repeats) and a
uniform choice among each intent's utterances (paraphrases). A share carry entity values
(order numbers, e-mails, amounts, dates), so a cached answer would be wrong for them.
Out-of-scope utterances are the no-repeat controls. Later turns are follow-ups whose
answer depends on the conversation: CLINC150's own dialogue intents (yes, no, repeat, ...),
another question on the same topic, or a short context-dependent reply.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from advisor.core.paths import data_dir

# Support intents by product line; the product line picks the system prompt variant.
# Complexity (0 simple FAQ, 0.5 needs account reasoning, 1 multi-step / judgement) drives how
# much worse a cheaper model does on the topic.
_INTENTS: dict[str, dict[str, float]] = {
    "banking": {
        "balance": 0.0,
        "routing": 0.0,
        "bill_due": 0.0,
        "direct_deposit": 0.0,
        "order_checks": 0.0,
        "pin_change": 0.0,
        "bill_balance": 0.0,
        "min_payment": 0.0,
        "interest_rate": 0.5,
        "pay_bill": 0.5,
        "transfer": 0.5,
        "transactions": 0.5,
        "spending_history": 0.5,
        "freeze_account": 0.5,
        "account_blocked": 1.0,
        "report_fraud": 1.0,
    },
    "cards": {
        "expiration_date": 0.0,
        "rewards_balance": 0.0,
        "replacement_card_duration": 0.0,
        "new_card": 0.0,
        "report_lost_card": 0.5,
        "damaged_card": 0.5,
        "redeem_rewards": 0.5,
        "credit_limit": 0.5,
        "apr": 0.5,
        "international_fees": 0.5,
        "application_status": 0.5,
        "card_declined": 1.0,
        "credit_limit_change": 1.0,
        "credit_score": 1.0,
        "improve_credit_score": 1.0,
    },
    "travel": {
        "carry_on": 0.0,
        "flight_status": 0.0,
        "order_status": 0.0,
        "confirm_reservation": 0.0,
        "exchange_rate": 0.0,
        "travel_notification": 0.5,
        "cancel_reservation": 0.5,
        "book_hotel": 0.5,
        "book_flight": 0.5,
        "order": 0.5,
        "insurance": 0.5,
        "lost_luggage": 1.0,
        "insurance_change": 1.0,
    },
    "general": {"what_can_i_ask_you": 0.0, "who_do_you_work_for": 0.0, "are_you_a_bot": 0.0},
}
PRODUCT_LINES = tuple(_INTENTS)
OOS = "oos"
# Dialogue-act intents of CLINC150 used as follow-up turns.
_DIALOGUE_INTENTS = ("yes", "no", "maybe", "thank_you", "repeat", "cancel", "goodbye")
_CLOSING_INTENTS = ("thank_you", "goodbye")
# Follow-ups that only make sense with the conversation before them (written for this generator).
_CONTEXT_FOLLOWUPS = (
    "that didn't work, what else can i try",
    "can you explain the second step again",
    "how long will that take",
    "ok and what happens after that",
    "is there a fee for that",
    "can you do it for me now",
    "what do i need to bring",
    "i already tried that",
    "which option is cheaper",
    "can i do this from the app",
    "will that affect my other accounts",
    "so what should i do next",
    "can you send me a confirmation",
    "what if it happens again",
    "is that the earliest date",
    "why was it like that in the first place",
)
_CONTEXT_ENTITY_FOLLOWUPS = (
    "my order number is {order}",
    "the amount was {amount}",
    "it happened on {date}",
    "you can reach me at {email}",
    "the reference is {order}, charged {amount}",
)
_FIRST_TURN_ENTITY_TEMPLATES = (
    ("{text}, order {order}", "order"),
    ("{text} - my email is {email}", "email"),
    ("{text} for {amount}", "amount"),
    ("{text}, it was on {date}", "date"),
    ("{text}. reference {order}", "order"),
)
_NAMES = (
    "anna",
    "li",
    "omar",
    "sofia",
    "john",
    "maria",
    "kenji",
    "fatima",
    "lucas",
    "emma",
    "raj",
    "olga",
    "pierre",
    "zoe",
    "diego",
    "amara",
)
_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_CLINC_FILE = "clinc150/clinc150.csv"
_INTENT_ORDER_SEED = 20261001  # fixed: intent popularity and difficulty are properties of the
# simulated business, not of a run, so every seed describes the same traffic mix.


@dataclass(frozen=True)
class IntentCatalog:
    """The support intents with their utterances, popularity and difficulty."""

    names: tuple[str, ...]  # intent names; index = intent id
    product_line: tuple[str, ...]  # per intent
    complexity: np.ndarray  # per intent, 0..1
    popularity: np.ndarray  # per intent, sums to 1 (Zipf-like)
    utterances: tuple[tuple[str, ...], ...]  # per intent
    oos_utterances: tuple[str, ...]
    dialogue: tuple[tuple[str, str], ...]  # (text, intent) for follow-ups


@lru_cache(maxsize=2)
def load_catalog(zipf_exponent: float = 1.1) -> IntentCatalog:
    """Read data/clinc150/clinc150.csv into the catalog; popularity order is fixed (seeded)."""
    df = pd.read_csv(data_dir() / _CLINC_FILE, dtype=str, keep_default_na=False)
    by_intent = df.groupby("intent")["text"].apply(lambda s: tuple(dict.fromkeys(s)))
    names, lines, cplx = [], [], []
    for line, table in _INTENTS.items():
        for name, c in table.items():
            names.append(name)
            lines.append(line)
            cplx.append(c)
    rank = np.random.default_rng(_INTENT_ORDER_SEED).permutation(len(names))
    weights = 1.0 / (rank + 1.0) ** zipf_exponent
    dialogue = tuple((t, i) for i in _DIALOGUE_INTENTS for t in by_intent[i])
    return IntentCatalog(
        names=tuple(names),
        product_line=tuple(lines),
        complexity=np.array(cplx),
        popularity=weights / weights.sum(),
        utterances=tuple(by_intent[n] for n in names),
        oos_utterances=by_intent[OOS],
        dialogue=dialogue,
    )


def _entities(rng: np.random.Generator, n: int) -> dict[str, list[str]]:
    """n values of each entity kind, as customers type them."""
    order = [f"a{v}" for v in rng.integers(100000, 999999, n)]
    email = [
        f"{_NAMES[a]}.{_NAMES[b]}{d}@example.com"
        for a, b, d in zip(rng.integers(0, len(_NAMES), n), rng.integers(0, len(_NAMES), n), rng.integers(1, 99, n))
    ]
    amount = [f"${v / 100:.2f}" for v in np.round(rng.lognormal(8.5, 1.2, n))]
    date = [f"{_MONTHS[m]} {d}" for m, d in zip(rng.integers(0, 12, n), rng.integers(1, 29, n))]
    return {"order": order, "email": email, "amount": amount, "date": date}


@dataclass(frozen=True)
class FirstTurns:
    intent_id: np.ndarray  # int64, -1 for out-of-scope
    text: np.ndarray  # object (str)
    entity_kind: np.ndarray  # object: "" or order / email / amount / date


def draw_first_turns(
    rng: np.random.Generator, n: int, catalog: IntentCatalog, *, oos_share: float, entity_share: float
) -> FirstTurns:
    """Opening questions: intent by popularity, a real utterance of it, some with entities."""
    intent = rng.choice(len(catalog.names), size=n, p=catalog.popularity).astype(np.int64)
    is_oos = rng.random(n) < oos_share
    intent[is_oos] = -1
    text = np.empty(n, dtype=object)
    pick = rng.random(n)
    for i, utts in enumerate(catalog.utterances):
        rows = np.flatnonzero(intent == i)
        text[rows] = np.asarray(utts, dtype=object)[(pick[rows] * len(utts)).astype(np.int64)]
    # Out-of-scope questions are drawn without replacement while the pool lasts, so they
    # stay non-repeating controls for the cache analyzer.
    oos_rows = np.flatnonzero(is_oos)
    pool = np.asarray(catalog.oos_utterances, dtype=object)
    order = np.concatenate([rng.permutation(len(pool)) for _ in range(len(oos_rows) // len(pool) + 1)])
    text[oos_rows] = pool[order[: len(oos_rows)]]

    kind = np.full(n, "", dtype=object)
    with_entity = np.flatnonzero((~is_oos) & (rng.random(n) < entity_share))
    template = rng.integers(0, len(_FIRST_TURN_ENTITY_TEMPLATES), len(with_entity))
    values = _entities(rng, len(with_entity))
    for j, (row, t) in enumerate(zip(with_entity, template)):
        fmt, k = _FIRST_TURN_ENTITY_TEMPLATES[t]
        text[row] = fmt.format(text=text[row], **{k: values[k][j]})
        kind[row] = k
    return FirstTurns(intent_id=intent, text=text, entity_kind=kind)


def draw_followups(
    rng: np.random.Generator, topic: np.ndarray, is_last: np.ndarray, catalog: IntentCatalog
) -> tuple[np.ndarray, np.ndarray]:
    """Texts and their own labels for later turns on each conversation's topic intent.

    40 % dialogue acts (CLINC150; thanks and goodbyes only on a conversation's last turn),
    30 % another question on the same topic (CLINC150), 30 % short context-dependent
    replies, a fifth of them giving an entity value.
    """
    n = len(topic)
    text = np.empty(n, dtype=object)
    label = np.empty(n, dtype=object)
    kind = rng.random(n)
    closing = np.array([i in _CLOSING_INTENTS for _, i in catalog.dialogue])
    pools = {True: np.flatnonzero(closing), False: np.flatnonzero(~closing)}
    dia = np.flatnonzero(kind < 0.4)
    pick = rng.random(len(dia))
    for last in (True, False):
        rows = is_last[dia] == last
        pool = pools[True] if last else pools[False]
        if last:  # a last turn mostly closes the conversation, sometimes with a plain yes / no
            pool = np.concatenate([pools[True], pools[True], pools[False]])
        chosen = pool[(pick[rows] * len(pool)).astype(np.int64)]
        text[dia[rows]] = [catalog.dialogue[i][0] for i in chosen]
        label[dia[rows]] = [catalog.dialogue[i][1] for i in chosen]
    same = np.flatnonzero((kind >= 0.4) & (kind < 0.7) & (topic >= 0))
    pick = rng.random(len(same))
    for j, row in enumerate(same):
        utts = catalog.utterances[topic[row]]
        text[row] = utts[int(pick[j] * len(utts))]
        label[row] = catalog.names[topic[row]]
    ctx = np.flatnonzero([t is None for t in text])
    ent = rng.random(len(ctx)) < 0.2
    plain_idx = rng.integers(0, len(_CONTEXT_FOLLOWUPS), len(ctx))
    ent_idx = rng.integers(0, len(_CONTEXT_ENTITY_FOLLOWUPS), len(ctx))
    values = _entities(rng, len(ctx))
    for j, row in enumerate(ctx):
        if ent[j]:
            text[row] = _CONTEXT_ENTITY_FOLLOWUPS[ent_idx[j]].format(**{k: v[j] for k, v in values.items()})
            label[row] = "followup_entity"
        else:
            text[row] = _CONTEXT_FOLLOWUPS[plain_idx[j]]
            label[row] = "followup"
    return text, label
