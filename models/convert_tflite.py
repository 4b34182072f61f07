"""Converts a MediaPipe .tflite model to ONNX, with the same bytes every run.

Usage: python convert_tflite.py MODEL.tflite MODEL.onnx

Run by `neurograde models fetch` in its private venv (tflite2onnx and its
pinned dependencies). tflite2onnx writes the graph's initializers in an order
that changes from run to run; they are sorted by name here (the graph itself
is untouched), so the result can be checked against a pinned SHA-256.
"""

import sys

import onnx
import tflite2onnx


def main(src, dst):
    tflite2onnx.convert(src, dst)
    model = onnx.load(dst)
    for field in (model.graph.initializer, model.graph.value_info):
        ordered = sorted(field, key=lambda item: item.name)
        del field[:]
        field.extend(ordered)
    onnx.save(model, dst)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
