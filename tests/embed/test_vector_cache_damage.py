"""A damaged embedding cache: an unreadable file is the one-line input error (path, what SQLite
found, the fix) through every entry point, never a traceback or an "analyzer failed" warning with
exit 0; a damaged vector inside a readable cache is embedded afresh."""

from __future__ import annotations

import hashlib
import sqlite3

import numpy as np
import pytest
from click.testing import CliRunner

import advisor.embed
from advisor.cli.main import cli
from advisor.core.errors import InputError
from advisor.core.paths import advisor_home
from advisor.embed.cache import VectorCache, encode_with_cache
from advisor.embed.fake import FakeEmbedder
from tests.hostile.corpus import GOOD_CSV

DIM = 8


def _embed(texts, progress=None):
    return FakeEmbedder(dim=DIM).encode(texts)


class CachedFake:
    """A fake model that goes through the real on-disk vector cache, as both real back ends do."""

    model_id, dim = "fake-cached", DIM

    def encode(self, texts, progress=None):
        return encode_with_cache(texts, _embed, model_id=self.model_id, dim=DIM, use_cache=True, progress=progress)


def _garbage_cache() -> VectorCache:
    path = advisor_home() / "embeddings" / "fake-cached.sqlite"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not a database" * 200)
    return path


def test_an_unreadable_cache_file_is_a_one_line_input_error():
    path = _garbage_cache()
    with pytest.raises(InputError) as err:
        VectorCache("fake-cached", DIM)
    message = str(err.value)
    assert str(path) in message and "not a database" in message and "delete it" in message
    assert "\n" not in message


def test_analyze_with_an_unreadable_cache_exits_2_with_one_line(tmp_path, monkeypatch):
    _garbage_cache()
    monkeypatch.setattr(advisor.embed, "default_embedder", lambda *a, **k: CachedFake())
    log = tmp_path / "calls.csv"
    log.write_text(GOOD_CSV)
    res = CliRunner().invoke(cli, ["analyze", str(log), "--analyzers", "cache", "--no-store", "--json"])
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: ") and "fake-cached.sqlite" in lines[0]
    assert "Traceback" not in res.output


def test_a_damaged_vector_in_a_readable_cache_is_embedded_afresh():
    texts = ["cancel my order", "what is my balance"]
    first = CachedFake().encode(texts)
    cache = VectorCache("fake-cached", DIM)
    digest = hashlib.sha256(b"cancel my order").digest()
    with sqlite3.connect(cache.path) as con:
        nan = np.full(DIM, np.nan, np.float32).tobytes()
        assert con.execute("UPDATE vectors SET vec = ? WHERE hash = ?", (nan, digest)).rowcount == 1
    assert digest not in cache.get([digest])  # the NaN vector is not served
    again = CachedFake().encode(texts)
    assert np.isfinite(again).all()
    np.testing.assert_array_equal(again, first)  # the fake model is deterministic: the same vector comes back
    assert digest in cache.get([digest])  # and the repaired vector replaced the damaged one
