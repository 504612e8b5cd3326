"""The int8 recipe of the ONNX export: smooth each quantized MatMul's input per channel, then
dynamically quantize every constant-weight MatMul except the FFN outputs (kept fp32).

Smoothing divides a MatMul's input by per-channel factors and multiplies its weight rows by the
same factors (exact in fp32), so int8's per-tensor activation range is not set by a few large
channels. The factors come from activation maxima on a fixed sample of CLINC150 training
utterances shipped in data/. Re-measured by `advisor bench` (BENCHMARKS.md, ONNX section).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from advisor.core.errors import InputError

# quantize_dynamic settings: int8 weights with one scale per output channel, MatMuls only
# (quantizing the embedding Gather moved vectors by up to 0.27 in cosine for no speed).
QUANT_OPTIONS = {"per_channel": True, "op_types_to_quantize": ["MatMul"], "weight_type": "QInt8"}
# Chosen in a one-off sweep (2026-11-29, all MatMuls int8, mean cosine to fp32 on CLINC150: alpha 0.5
# 0.988, 0.85 0.998, 0.95-1.0 0.997); no repo command reruns that sweep, `advisor bench` checks the result.
SMOOTH_ALPHA = 0.85
CALIBRATION_TEXTS = 500  # CLINC150 training utterances (data/clinc150, CC BY 3.0)
CALIBRATION_SEED = 1
CALIBRATION_FILE = "clinc150/clinc150.csv"


def quantize_int8(fp32: Path, dest: Path, tokenizer: Path, max_len: int, intermediate_size: int) -> dict:
    """Smooth, then dynamically quantize every constant-weight MatMul except the FFN outputs.

    Returns what the model card records about it."""
    import logging

    import onnx
    from onnx import numpy_helper
    from onnxruntime.quantization import QuantType, quantize_dynamic

    model = onnx.load(str(fp32))
    weights = {w.name: w for w in model.graph.initializer}
    matmuls = [n for n in model.graph.node if n.op_type == "MatMul" and n.input[1] in weights]
    # The FFN output is the MatMul whose weight has intermediate_size rows (GELU output in).
    keep_fp32 = [n.name for n in matmuls if weights[n.input[1]].dims[0] == intermediate_size]
    groups: dict[str, list] = {}
    for n in matmuls:
        if n.name not in keep_fp32:
            groups.setdefault(n.input[0], []).append(n)  # Q, K and V share one input
    texts = calibration_texts()
    maxima = _activation_maxima(model, list(groups), texts, tokenizer, max_len)
    for i, (tensor, nodes) in enumerate(groups.items()):
        ws = [numpy_helper.to_array(weights[n.input[1]]) for n in nodes]
        w_max = np.max([np.abs(w).max(axis=1) for w in ws], axis=0)
        scale = (
            np.maximum(maxima[tensor], 1e-5) ** SMOOTH_ALPHA / np.maximum(w_max, 1e-5) ** (1 - SMOOTH_ALPHA)
        ).astype(np.float32)
        inv_name, out_name = f"smooth_{i}_inv", f"smooth_{i}_out"
        model.graph.initializer.append(numpy_helper.from_array((1.0 / scale).astype(np.float32), inv_name))
        mul = onnx.helper.make_node("Mul", [tensor, inv_name], [out_name], name=f"smooth_{i}")
        for n, w in zip(nodes, ws):
            weights[n.input[1]].CopyFrom(numpy_helper.from_array((w * scale[:, None]).astype(np.float32), n.input[1]))
            n.input[0] = out_name
        # ONNX wants nodes in topological order: the Mul goes right before its first consumer.
        nodes_list = list(model.graph.node)
        at = min(nodes_list.index(n) for n in nodes)
        model.graph.node.insert(at, mul)
    smoothed = dest.with_name(dest.stem + "_smoothed.onnx")
    onnx.save(model, str(smoothed))
    # quantize_dynamic warns on the root logger that no pre-processing was run; the export
    # needs none (it was measured as it is), so keep the user's console clean.
    quiet = logging.root.manager.disable
    logging.disable(logging.WARNING)
    try:
        options = dict(QUANT_OPTIONS, weight_type=QuantType.QInt8)
        quantize_dynamic(str(smoothed), str(dest), nodes_to_exclude=keep_fp32, **options)
    finally:
        logging.disable(quiet)
        smoothed.unlink(missing_ok=True)
    return {"fp32_matmuls": keep_fp32, "smoothed_inputs": len(groups), "calibration_texts": len(texts)}


def calibration_texts() -> list[str]:
    """A fixed sample of CLINC150 training utterances, normalized as the embedder does."""
    import csv

    from advisor.core.paths import data_dir
    from advisor.embed.text import normalize_text

    path = data_dir() / CALIBRATION_FILE
    try:
        with path.open(newline="", encoding="utf-8") as fh:
            train = [row["text"] for row in csv.DictReader(fh) if row.get("split") == "train"]
    except (OSError, KeyError) as exc:
        raise InputError.at(
            str(path),
            expected="the CLINC150 CSV with text and split columns",
            found=str(exc),
            fix="Reinstall advisor with its data folder.",
        ) from None
    if len(train) < CALIBRATION_TEXTS:
        raise InputError.at(
            str(path),
            expected=f"at least {CALIBRATION_TEXTS} rows with split 'train'",
            found=f"{len(train)}",
            fix="Reinstall advisor with its data folder.",
        )
    pick = np.random.default_rng(CALIBRATION_SEED).permutation(len(train))[:CALIBRATION_TEXTS]
    return [normalize_text(train[i]) for i in pick]


def _activation_maxima(model, tensors: list[str], texts: list[str], tokenizer: Path, max_len: int) -> dict:
    """Per-channel max |x| of each named tensor over the texts (fp32 model, batches of 64)."""
    import onnx
    import onnxruntime as ort

    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    for name in tensors:
        probe.graph.output.append(onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None))
    opts = ort.SessionOptions()
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL  # keep the tensors addressable
    session = ort.InferenceSession(probe.SerializeToString(), opts, providers=["CPUExecutionProvider"])
    tok = load_tokenizer(tokenizer, max_len)
    maxima: dict[str, np.ndarray] = {}
    for start in range(0, len(texts), 64):
        enc = tok.encode_batch(texts[start : start + 64])
        ids = np.asarray([e.ids for e in enc], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in enc], dtype=np.int64)
        outs = session.run(tensors, {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)})
        for name, x in zip(tensors, outs):
            # Padding rows count too: the run-time per-tensor range sees them as well.
            cur = np.abs(x).reshape(-1, x.shape[-1]).max(axis=0)
            maxima[name] = cur if name not in maxima else np.maximum(maxima[name], cur)
    return maxima


def load_tokenizer(path: Path, max_len: int):
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(path))
    tok.enable_truncation(max_len)
    tok.enable_padding(pad_id=tok.token_to_id("[PAD]") or 0, pad_token="[PAD]")
    return tok
