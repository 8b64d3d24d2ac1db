"""Export a fitted pipeline to ONNX (one graph input per feature column)."""

from __future__ import annotations

from typing import Any

from shared import features

TARGET_OPSET = 17


def onnx_input_types(spec: str) -> list[tuple[str, Any]]:
    """The ONNX graph's inputs: a ``[batch, 1]`` tensor per feature column, typed like the column."""
    from skl2onnx.common.data_types import FloatTensorType, Int64TensorType, StringTensorType

    kinds = {column: StringTensorType([None, 1]) for column in features.CATEGORICAL}
    kinds |= {column: Int64TensorType([None, 1]) for column in features.CALENDAR}
    return [(column, kinds.get(column, FloatTensorType([None, 1]))) for column in features.feature_columns(spec)]


def export(pipeline: Any, spec: str) -> bytes:
    """Serialize the fitted ``pipeline`` to an ONNX model whose only output is P(late)."""
    from skl2onnx import to_onnx

    onnx_model = to_onnx(
        pipeline,
        initial_types=onnx_input_types(spec),
        target_opset=TARGET_OPSET,
        options={id(pipeline.steps[-1][1]): {"zipmap": False}},
    )
    return onnx_model.SerializeToString()
