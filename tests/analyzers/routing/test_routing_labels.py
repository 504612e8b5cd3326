import numpy as np
import pytest
from routing_helpers import single_thread_blas  # noqa: F401  (autouse fixture)

from advisor.analyzers.routing.labels import load_labels, parse_score
from advisor.core.errors import InputError


def test_labels_file_with_verdicts_and_numbers_becomes_a_query_by_model_table(tmp_path):
    p = tmp_path / "labels.csv"
    p.write_text("query,model,score\nhi,gpt-4o,pass\nhi,gpt-4o-mini,0.5\nbye,gpt-4o-mini,FAIL\nhi,gpt-4o-mini,1\n")
    labels = load_labels(p)
    assert labels.models == ("gpt-4o", "gpt-4o-mini")
    assert list(labels.for_texts(["hi", "bye", "other"], "gpt-4o-mini")[:2]) == [0.75, 0.0]
    assert np.isnan(labels.for_texts(["bye"], "gpt-4o")[0])
    assert labels.n_labelled("gpt-4o-mini") == 2
    assert "averaged" in labels.warnings[0]


def test_labels_jsonl_is_read(tmp_path):
    p = tmp_path / "labels.jsonl"
    p.write_text('{"query": "a", "model": "m", "score": true}\n{"query": "b", "model": "m", "score": 0.2}\n')
    assert list(load_labels(p).for_texts(["a", "b"], "m")) == [1.0, 0.2]


def test_score_out_of_range_names_file_row_and_column(tmp_path):
    p = tmp_path / "labels.csv"
    p.write_text("query,model,score\nhi,m,1\nho,m,7\n")
    with pytest.raises(
        InputError, match=r"labels.csv, row 2, column 'score': expected a score in 0..1, found '7'. Rescale"
    ):
        load_labels(p)


def test_unrecognised_verdict_is_an_input_error():
    with pytest.raises(InputError, match=r"expected a score in 0\.\.1 or pass/fail, found 'maybe'"):
        parse_score("maybe", file="f.csv", row=3)


def test_missing_column_lists_the_columns_found(tmp_path):
    p = tmp_path / "labels.csv"
    p.write_text("text,model,score\nhi,m,1\n")
    with pytest.raises(
        InputError, match="column 'query': expected columns query, model, score, found columns text, model, score"
    ):
        load_labels(p)


def test_missing_labels_file_says_so(tmp_path):
    with pytest.raises(InputError, match="labels file not found"):
        load_labels(tmp_path / "nope.csv")


def test_empty_model_cell_is_an_input_error(tmp_path):
    p = tmp_path / "labels.csv"
    p.write_text("query,model,score\nhi,,1\n")
    with pytest.raises(InputError, match="row 1, column 'model': expected a non-empty value"):
        load_labels(p)
