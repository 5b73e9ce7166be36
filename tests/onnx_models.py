"""A small ONNX model zoo for whole-model tests and benchmarks: opset 17, float32, static shapes, seeded weights.

Small models (mlp, small_cnn, resnet_block, mobilenet_block, transformer_encoder) compile in seconds;
resnet50, mobilenet_v2 and bert_layer are the full-size benchmark architectures with random weights
(He-initialised convolutions, batch-norm statistics near identity) so activations stay finite.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OPSET = 17


class ModelBuilder:
    """Collects nodes and initializers; each helper returns the name of its output value."""

    def __init__(self, name: str, seed: int):
        self.name = name
        self.rng = np.random.default_rng(seed)
        self.nodes: list[onnx.NodeProto] = []
        self.initializers: list[onnx.TensorProto] = []
        self.counts: dict[str, int] = {}

    def fresh(self, prefix: str) -> str:
        self.counts[prefix] = self.counts.get(prefix, -1) + 1
        return f"{prefix}{self.counts[prefix]}"

    def const(self, value: np.ndarray, prefix: str = "c") -> str:
        name = self.fresh(prefix)
        self.initializers.append(numpy_helper.from_array(np.asarray(value), name))
        return name

    def normal(self, shape: Sequence[int], scale: float, prefix: str = "w") -> str:
        return self.const((self.rng.standard_normal(shape) * scale).astype(np.float32), prefix)

    def node(self, op_type: str, inputs: Sequence[str], **attrs: object) -> str:
        output = self.fresh(op_type.lower())
        self.nodes.append(helper.make_node(op_type, list(inputs), [output], **attrs))
        return output

    # Convolutional blocks.

    def conv(self, x: str, cin: int, cout: int, kernel: int, stride: int = 1, group: int = 1, bias: bool = False) -> str:
        fan_in = cin // group * kernel * kernel
        inputs = [x, self.normal((cout, cin // group, kernel, kernel), math.sqrt(2.0 / fan_in))]
        if bias:
            inputs.append(self.normal((cout,), 0.1, "b"))
        pad = kernel // 2
        return self.node("Conv", inputs, kernel_shape=[kernel, kernel], strides=[stride, stride], pads=[pad] * 4, group=group)

    def batch_norm(self, x: str, channels: int, gamma: float = 1.0) -> str:
        scale = (self.rng.uniform(0.8, 1.2, channels) * gamma).astype(np.float32)
        params = [
            self.const(scale, "gamma"),
            self.normal((channels,), 0.1, "beta"),
            self.normal((channels,), 0.1, "mean"),
            self.const(self.rng.uniform(0.8, 1.2, channels).astype(np.float32), "var"),
        ]
        return self.node("BatchNormalization", [x, *params], epsilon=1e-5)

    def activation(self, x: str, kind: str | None) -> str:
        if kind == "relu":
            return self.node("Relu", [x])
        if kind == "relu6":  # Clip(0, 6), the opset-11+ form with min/max inputs
            return self.node("Clip", [x, self.const(np.float32(0.0), "lo"), self.const(np.float32(6.0), "hi")])
        return x

    def conv_bn(
        self,
        x: str,
        cin: int,
        cout: int,
        kernel: int,
        stride: int = 1,
        group: int = 1,
        act: str | None = "relu",
        gamma: float = 1.0,
    ) -> str:
        return self.activation(self.batch_norm(self.conv(x, cin, cout, kernel, stride, group), cout, gamma), act)

    def basic_block(self, x: str, cin: int, cout: int, stride: int) -> str:
        """ResNet basic block: two 3x3 conv-bn, residual (1x1 conv-bn downsample when the shape changes), relu."""
        y = self.conv_bn(x, cin, cout, 3, stride)
        y = self.conv_bn(y, cout, cout, 3, act=None, gamma=0.5)
        shortcut = x if stride == 1 and cin == cout else self.conv_bn(x, cin, cout, 1, stride, act=None)
        return self.node("Relu", [self.node("Add", [y, shortcut])])

    def bottleneck(self, x: str, cin: int, width: int, stride: int) -> str:
        """ResNet v1.5 bottleneck: 1x1, 3x3 (strided), 1x1 (4x width), residual, relu."""
        cout = 4 * width
        y = self.conv_bn(x, cin, width, 1)
        y = self.conv_bn(y, width, width, 3, stride)
        y = self.conv_bn(y, width, cout, 1, act=None, gamma=0.2)  # small last-BN scale keeps the residual sum bounded
        shortcut = x if stride == 1 and cin == cout else self.conv_bn(x, cin, cout, 1, stride, act=None)
        return self.node("Relu", [self.node("Add", [y, shortcut])])

    def inverted_residual(self, x: str, cin: int, cout: int, stride: int, expand: int) -> str:
        """MobileNetV2 block: 1x1 expand-bn-relu6, depthwise 3x3-bn-relu6, 1x1 project-bn, residual when shapes match."""
        hidden = cin * expand
        y = self.conv_bn(x, cin, hidden, 1, act="relu6") if expand != 1 else x
        y = self.conv_bn(y, hidden, hidden, 3, stride, group=hidden, act="relu6")
        y = self.conv_bn(y, hidden, cout, 1, act=None, gamma=0.5)
        return self.node("Add", [x, y]) if stride == 1 and cin == cout else y

    def classifier(self, x: str, channels: int, classes: int) -> str:
        """GlobalAveragePool, Flatten, Gemm (transB)."""
        flat = self.node("Flatten", [self.node("GlobalAveragePool", [x])], axis=1)
        weight = self.normal((classes, channels), math.sqrt(1.0 / channels))
        return self.node("Gemm", [flat, weight, self.normal((classes,), 0.1, "b")], transB=1)

    # Transformer pieces.

    def linear(self, x: str, cin: int, cout: int) -> str:
        """MatMul with a [cin, cout] weight + bias Add."""
        y = self.node("MatMul", [x, self.normal((cin, cout), math.sqrt(1.0 / cin))])
        return self.node("Add", [y, self.normal((cout,), 0.02, "b")])

    def layer_norm(self, x: str, d: int) -> str:
        gamma = self.const(self.rng.uniform(0.8, 1.2, d).astype(np.float32), "gamma")
        return self.node("LayerNormalization", [x, gamma, self.normal((d,), 0.1, "beta")], axis=-1, epsilon=1e-5)

    def gelu(self, x: str) -> str:
        """0.5 x (1 + erf(x / sqrt 2)): the exact Gelu as opset-17 exporters write it."""
        erf = self.node("Erf", [self.node("Div", [x, self.const(np.float32(math.sqrt(2.0)), "c")])])
        one_plus = self.node("Add", [erf, self.const(np.float32(1.0), "c")])
        return self.node("Mul", [self.node("Mul", [x, one_plus]), self.const(np.float32(0.5), "c")])

    def heads(self, x: str, seq: int, heads: int, perm: Sequence[int]) -> str:
        """[1, seq, d] -> [1, seq, heads, d/heads] -> transposed by `perm`."""
        shape = self.const(np.array([1, seq, heads, -1], dtype=np.int64), "shape")
        return self.node("Transpose", [self.node("Reshape", [x, shape])], perm=list(perm))

    def encoder_layer(self, x: str, seq: int, d: int, heads: int, ffn: int) -> str:
        """Post-LN encoder layer (BERT): multi-head self-attention, residual, LayerNorm, Gelu FFN, residual, LayerNorm."""
        q = self.heads(self.linear(x, d, d), seq, heads, [0, 2, 1, 3])  # [1, h, seq, dh]
        k = self.heads(self.linear(x, d, d), seq, heads, [0, 2, 3, 1])  # [1, h, dh, seq]
        v = self.heads(self.linear(x, d, d), seq, heads, [0, 2, 1, 3])
        scores = self.node("Mul", [self.node("MatMul", [q, k]), self.const(np.float32(1.0 / math.sqrt(d // heads)), "c")])
        context = self.node("MatMul", [self.node("Softmax", [scores], axis=-1), v])
        merged = self.node("Transpose", [context], perm=[0, 2, 1, 3])
        merged = self.node("Reshape", [merged, self.const(np.array([1, seq, d], np.int64), "shape")])
        x = self.layer_norm(self.node("Add", [x, self.linear(merged, d, d)]), d)
        hidden = self.linear(self.gelu(self.linear(x, d, ffn)), ffn, d)
        return self.layer_norm(self.node("Add", [x, hidden]), d)

    def model(self, inputs: dict[str, Sequence[int]], output: str, output_shape: Sequence[int]) -> onnx.ModelProto:
        """The checked model with the given inputs and the single output `output` (renamed "y")."""
        self.nodes.append(helper.make_node("Identity", [output], ["y"]))
        graph = helper.make_graph(
            self.nodes,
            self.name,
            [helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape)) for name, shape in inputs.items()],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, list(output_shape))],
            self.initializers,
        )
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)], producer_name="tessel-tests")
        model.ir_version = 8
        onnx.checker.check_model(model, full_check=True)
        return model


def mlp(batch: int = 1, seed: int = 0) -> onnx.ModelProto:
    """x[batch, 64] -> Gemm 128 -> Relu -> MatMul+Add 64 -> Relu -> Gemm 10 -> Softmax."""
    b = ModelBuilder("mlp", seed)
    h = b.node("Gemm", ["x", b.normal((128, 64), 0.125), b.normal((128,), 0.1, "b")], transB=1)
    h = b.node("Relu", [b.linear(b.node("Relu", [h]), 128, 64)])
    logits = b.node("Gemm", [h, b.normal((64, 10), 0.125), b.normal((10,), 0.1, "b")])
    return b.model({"x": (batch, 64)}, b.node("Softmax", [logits], axis=-1), (batch, 10))


def small_cnn(seed: int = 0) -> onnx.ModelProto:
    """x[1, 3, 32, 32] -> Conv-BN-Relu 16 -> MaxPool/2 -> Conv(bias)/2 32 -> Relu -> GlobalAveragePool -> Flatten -> Gemm 10."""
    b = ModelBuilder("small_cnn", seed)
    y = b.node("MaxPool", [b.conv_bn("x", 3, 16, 3)], kernel_shape=[2, 2], strides=[2, 2])
    y = b.node("Relu", [b.conv(y, 16, 32, 3, stride=2, bias=True)])
    return b.model({"x": (1, 3, 32, 32)}, b.classifier(y, 32, 10), (1, 10))


def resnet_block(seed: int = 0) -> onnx.ModelProto:
    """x[1, 8, 16, 16] -> ResNet basic block with a stride-2 1x1-conv downsample path -> [1, 16, 8, 8]."""
    b = ModelBuilder("resnet_block", seed)
    return b.model({"x": (1, 8, 16, 16)}, b.basic_block("x", 8, 16, stride=2), (1, 16, 8, 8))


def mobilenet_block(seed: int = 0) -> onnx.ModelProto:
    """x[1, 16, 16, 16] -> MobileNetV2 inverted residual (expand 4, residual) -> one with stride 2 -> [1, 24, 8, 8]."""
    b = ModelBuilder("mobilenet_block", seed)
    y = b.inverted_residual("x", 16, 16, stride=1, expand=4)
    return b.model({"x": (1, 16, 16, 16)}, b.inverted_residual(y, 16, 24, stride=2, expand=4), (1, 24, 8, 8))


def transformer_encoder(seq: int = 16, d: int = 64, heads: int = 4, ffn: int | None = None, seed: int = 0) -> onnx.ModelProto:
    """x[1, seq, d] -> one post-LN transformer encoder layer (ffn = 4 d by default)."""
    b = ModelBuilder("transformer_encoder", seed)
    return b.model({"x": (1, seq, d)}, b.encoder_layer("x", seq, d, heads, ffn or 4 * d), (1, seq, d))


def bert_layer(seq: int = 128, hidden: int = 768, heads: int = 12, ffn: int = 3072, seed: int = 0) -> onnx.ModelProto:
    """One BERT-base encoder layer: x[1, seq, hidden]."""
    return transformer_encoder(seq, hidden, heads, ffn, seed)


def resnet50(batch: int = 1, seed: int = 0) -> onnx.ModelProto:
    """torchvision ResNet-50 v1.5: 7x7/2 stem, 3x3/2 maxpool, bottlenecks [3, 4, 6, 3] (stride on the 3x3), 1000-way Gemm."""
    b = ModelBuilder("resnet50", seed)
    y = b.conv_bn("x", 3, 64, 7, stride=2)
    y = b.node("MaxPool", [y], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
    channels = 64
    for stage, (blocks, width) in enumerate(zip([3, 4, 6, 3], [64, 128, 256, 512], strict=True)):
        for index in range(blocks):
            y = b.bottleneck(y, channels, width, stride=2 if index == 0 and stage > 0 else 1)
            channels = 4 * width
    return b.model({"x": (batch, 3, 224, 224)}, b.classifier(y, channels, 1000), (batch, 1000))


def mobilenet_v2(seed: int = 0) -> onnx.ModelProto:
    """MobileNetV2, width 1.0, 224x224: 3x3/2 stem 32, 17 inverted residuals, 1x1 conv 1280, 1000-way Gemm."""
    b = ModelBuilder("mobilenet_v2", seed)
    y = b.conv_bn("x", 3, 32, 3, stride=2, act="relu6")
    channels = 32
    settings = [(1, 16, 1, 1), (6, 24, 2, 2), (6, 32, 3, 2), (6, 64, 4, 2), (6, 96, 3, 1), (6, 160, 3, 2), (6, 320, 1, 1)]
    for expand, cout, repeats, stride in settings:
        for index in range(repeats):
            y = b.inverted_residual(y, channels, cout, stride if index == 0 else 1, expand)
            channels = cout
    y = b.conv_bn(y, channels, 1280, 1, act="relu6")
    return b.model({"x": (1, 3, 224, 224)}, b.classifier(y, 1280, 1000), (1, 1000))


SMALL_MODELS = {
    "mlp": mlp,
    "small_cnn": small_cnn,
    "resnet_block": resnet_block,
    "mobilenet_block": mobilenet_block,
    "transformer_encoder": transformer_encoder,
}
BENCHMARK_MODELS = {"resnet50": resnet50, "mobilenet_v2": mobilenet_v2, "bert_layer": bert_layer}


def random_inputs(model: onnx.ModelProto, seed: int = 0) -> dict[str, np.ndarray]:
    """Seeded standard-normal float32 inputs for each graph input of `model` (not initializers)."""
    rng = np.random.default_rng(seed)
    initializers = {t.name for t in model.graph.initializer}
    inputs = {}
    for value in model.graph.input:
        if value.name not in initializers:
            shape = [d.dim_value for d in value.type.tensor_type.shape.dim]
            inputs[value.name] = rng.standard_normal(shape).astype(np.float32)
    return inputs


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m tessel.tests.onnx_models NAME FILE.onnx` writes one zoo model (e.g. resnet50) to FILE.onnx."""
    import argparse

    models = {**SMALL_MODELS, **BENCHMARK_MODELS}
    parser = argparse.ArgumentParser(prog="python -m tessel.tests.onnx_models", description=main.__doc__)
    parser.add_argument("name", choices=sorted(models))
    parser.add_argument("output", help="the .onnx file to write")
    args = parser.parse_args(argv)
    onnx.save(models[args.name](), args.output)
    print(f"wrote {args.name} to {args.output}")


if __name__ == "__main__":
    main()
