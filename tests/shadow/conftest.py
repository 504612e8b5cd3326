from __future__ import annotations

import pandas as pd
import pytest

TOPICS = ("billing", "refund", "password", "shipping")


def write_log(path, n: int = 240, *, responses: bool = True, repeats: int = 1) -> str:
    rows = []
    for i in range(n):
        topic = TOPICS[i % 4]
        for r in range(repeats):
            k = i * repeats + r
            row = {
                "timestamp": f"2026-10-{1 + k // 1440:02d}T{(k // 60) % 24:02d}:{k % 60:02d}:00Z",
                "model": "gpt-4o",
                "input_tokens": 100 + i,
                "output_tokens": 40 + i % 30,
                "query": f"question {i} about my {topic}, please help",
                "task": "chat" if i % 3 else "summary",
            }
            if responses:
                row["response"] = f"served answer {i}"
            rows.append(row)
    pd.DataFrame(rows).to_csv(path, index=False)
    return str(path)


@pytest.fixture
def log_file(tmp_path):
    return write_log(tmp_path / "log.csv")
