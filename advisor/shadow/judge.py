"""The LLM-as-judge rubric: judge prompts for one request and its answers, and the verdict
a judge's reply ends with -> a score.

Pairwise (the log has the served answer): the judge compares the served answer with the
candidate's, in a seeded random order (judges favour a position), and ends with
`VERDICT: 1`, `VERDICT: 2` or `VERDICT: TIE`. Scores are relative: the served answer is 0.5,
the candidate 1 when it is better, 0.5 when tied, 0 when worse, so "good enough" (at least the
served score) means "not worse" and a better answer counts as a gain.
Absolute (no served answer in the log): the judge grades each answer alone and ends with
`VERDICT: PASS` or `VERDICT: FAIL` (score 1 or 0); the serving model is asked again in the
first batch so its answer is graded the same way.
"""

from __future__ import annotations

import re

PAIRWISE, ABSOLUTE = "pairwise", "absolute"
JUDGE_MAX_TOKENS = 400  # room for a short reason and the verdict line
SERVED_SCORE = 0.5  # the served answer's score in pairwise mode

SYSTEM = (
    "You are a strict, impartial grader of answers to a user's request. Judge correctness "
    "first, then whether the answer fully does what was asked, then clarity. Do not reward "
    "length, confidence or style for their own sake. Give a reason of at most three sentences, "
    "then end with the verdict line exactly as instructed."
)
_PAIRWISE_ASK = (
    "Which answer serves the user better? If they are equally good (or equally bad), say so. "
    "End with exactly one line: VERDICT: 1, VERDICT: 2 or VERDICT: TIE."
)
_ABSOLUTE_ASK = (
    "Is this answer correct and does it fully serve the request? "
    "End with exactly one line: VERDICT: PASS or VERDICT: FAIL."
)
_VERDICT = re.compile(r"VERDICT\s*:\s*\**\s*(1|2|TIE|PASS|FAIL)\b", re.IGNORECASE)


def _block(title: str, text: str) -> str:
    return f"{title}:\n<<<\n{text}\n>>>"


def pairwise_prompt(query: str, first: str, second: str) -> str:
    return "\n\n".join([_block("Request", query), _block("Answer 1", first), _block("Answer 2", second), _PAIRWISE_ASK])


def absolute_prompt(query: str, answer: str) -> str:
    return "\n\n".join([_block("Request", query), _block("Answer", answer), _ABSOLUTE_ASK])


def verdict(text: str | None) -> str | None:
    """The last verdict in a judge's reply (upper case), or None when there is none."""
    found = _VERDICT.findall(text or "")
    return found[-1].upper() if found else None


def pairwise_scores(v: str, *, served_first: bool) -> tuple[float, float] | None:
    """(served score, candidate score) from a pairwise verdict; None if it is not one."""
    if v == "TIE":
        return SERVED_SCORE, SERVED_SCORE
    if v not in ("1", "2"):
        return None
    served_won = (v == "1") == served_first
    return SERVED_SCORE, 0.0 if served_won else 1.0


def absolute_score(v: str) -> float | None:
    return {"PASS": 1.0, "FAIL": 0.0}.get(v)
