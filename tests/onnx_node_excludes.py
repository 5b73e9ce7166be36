"""The reviewed exclusion lists of tests/test_onnx_backend.py (onnx 1.23's node tests).

UNSUPPORTED_OP_TYPES: op types the importer has no converter for; node tests whose graph uses one are skipped.
KNOWN_FAILURES: node tests of supported op types that tessel cannot run yet, by reason. They run as expected
failures, so a test that starts passing fails the suite until its entry is removed. Each entry is a regex
matched in full against a test name without its device suffix; all but the Cast and CastLike ones are
exact names, and test_onnx_backend checks that every entry matches tests of a single op type.
COMPILED_KNOWN_FAILURES: the same for node tests that pass interpreted but not compiled (compiled runs only).
"""

from __future__ import annotations

UNSUPPORTED_OP_TYPES: tuple[str, ...] = (
    # Elementwise math
    "Abs",
    "Acos",
    "Acosh",
    "Asin",
    "Asinh",
    "Atan",
    "Atanh",
    "Ceil",
    "Cos",
    "Cosh",
    "Floor",
    "IsInf",
    "IsNaN",
    "Mod",
    "Neg",
    "Reciprocal",
    "Round",
    "Sign",
    "Sin",
    "Sinh",
    "Tan",
    # Comparison, logical and bitwise
    "And",
    "BitShift",
    "BitwiseAnd",
    "BitwiseNot",
    "BitwiseOr",
    "BitwiseXor",
    "Equal",
    "Greater",
    "GreaterOrEqual",
    "Less",
    "LessOrEqual",
    "Not",
    "Or",
    "Xor",
    # Activations
    "Celu",
    "Elu",
    "HardSigmoid",
    "HardSwish",
    "Hardmax",
    "Mish",
    "PRelu",
    "Selu",
    "Shrink",
    "Softplus",
    "Softsign",
    "SwiGLU",
    "Swish",
    "ThresholdedRelu",
    # Normalization
    "GroupNormalization",
    "InstanceNormalization",
    "LpNormalization",
    "MeanVarianceNormalization",
    "RMSNormalization",
    # Reductions, scans and arg-reductions
    "ArgMax",
    "ArgMin",
    "CumProd",
    "CumSum",
    "Det",
    "Mean",
    "ReduceL1",
    "ReduceL2",
    "ReduceLogSum",
    "ReduceLogSumExp",
    "ReduceMin",
    "ReduceProd",
    "ReduceSumSquare",
    # Shape, indexing and data movement
    "BitCast",
    "CastLike",
    "CenterCropPad",
    "Compress",
    "DepthToSpace",
    "Einsum",
    "EyeLike",
    "GatherElements",
    "GatherND",
    "NonZero",
    "OneHot",
    "Range",
    "ReverseSequence",
    "Scatter",
    "ScatterElements",
    "ScatterND",
    "Size",
    "SpaceToDepth",
    "TensorScatter",
    "Tile",
    "TopK",
    "Trilu",
    "Unique",
    # Convolution and pooling variants
    "CausalConvWithState",
    "Col2Im",
    "ConvInteger",
    "ConvTranspose",
    "DeformConv",
    "LpPool",
    "MaxUnpool",
    # Resampling and vision
    "AffineGrid",
    "GridSample",
    "ImageDecoder",
    "NonMaxSuppression",
    "Resize",
    "RoiAlign",
    "Upsample",
    # Recurrent
    "GRU",
    "LSTM",
    "RNN",
    # Attention
    "Attention",
    "LinearAttention",
    "RotaryEmbedding",
    # Control flow (subgraphs)
    "If",
    "Loop",
    "Scan",
    # Sequences and optionals
    "OptionalGetElement",
    "OptionalHasElement",
    "SequenceEmpty",
    "SequenceInsert",
    "SequenceLength",
    "SequenceMap",
    "SplitToSequence",
    # Quantization
    "DequantizeLinear",
    "DynamicQuantizeLinear",
    "MatMulInteger",
    "QLinearConv",
    "QLinearMatMul",
    "QuantizeLinear",
    # Signal processing
    "BlackmanWindow",
    "DFT",
    "HammingWindow",
    "HannWindow",
    "MelWeightMatrix",
    "STFT",
    # Random
    "Bernoulli",
    "RandomUniformLike",
    # Strings
    "RegexFullMatch",
    "StringConcat",
    "StringNormalizer",
    "StringSplit",
    "TfIdfVectorizer",
    # Losses
    "NegativeLogLikelihoodLoss",
    "SoftmaxCrossEntropyLoss",
    # Domain ai.onnx.ml
    "ArrayFeatureExtractor",
    "Binarizer",
    "LabelEncoder",
    "TreeEnsemble",
    # Domain ai.onnx.preview
    "FlexAttention",
    # Domain ai.onnx.preview.training
    "Adagrad",
    "Adam",
    "Momentum",
)

_EXOTIC_TYPES = r"(BFLOAT16|FLOAT8\w*|U?INT4|U?INT2|FLOAT4E2M1)"

KNOWN_FAILURES: dict[str, tuple[str, ...]] = {
    "Cast: bfloat16/float8/float4/int4/int2 have no graph-dialect element type": (
        rf"test_cast_(no_saturate_|e8m0_)?\w*{_EXOTIC_TYPES}\w*",
    ),
    "CastLike (expanded to Cast): bfloat16/float8/float4/int4/int2 have no graph-dialect element type": (
        rf"test_castlike_(no_saturate_)?\w*{_EXOTIC_TYPES}\w*_expanded",
    ),
    "Add: uint16/32/64 have no graph-dialect element type": (
        "test_add_uint16",
        "test_add_uint32",
        "test_add_uint64",
    ),
    "Sub: uint16/32/64 have no graph-dialect element type": (
        "test_sub_uint16",
        "test_sub_uint32",
        "test_sub_uint64",
    ),
    "Mul: uint16/32/64 have no graph-dialect element type": (
        "test_mul_uint16",
        "test_mul_uint32",
        "test_mul_uint64",
    ),
    "Div: uint16/32/64 have no graph-dialect element type": (
        "test_div_uint16",
        "test_div_uint32",
        "test_div_uint64",
    ),
    "Max: uint16/32/64 have no graph-dialect element type": (
        "test_max_uint16",
        "test_max_uint32",
        "test_max_uint64",
    ),
    "Min: uint16/32/64 have no graph-dialect element type": (
        "test_min_uint16",
        "test_min_uint32",
        "test_min_uint64",
    ),
    "Pow: uint32/uint64 exponents have no graph-dialect element type": (
        "test_pow_types_float32_uint64",
        "test_pow_types_float32_uint32",
    ),
    "AveragePool: only 2-D (NCHW) pooling is supported, these are 1-D/3-D": (
        "test_averagepool_1d_default",
        "test_averagepool_3d_default",
        "test_averagepool_3d_dilations_small",
        "test_averagepool_3d_dilations_large_count_include_pad_is_0_ceil_mode_is_True",
        "test_averagepool_3d_dilations_large_count_include_pad_is_0_ceil_mode_is_False",
        "test_averagepool_3d_dilations_large_count_include_pad_is_1_ceil_mode_is_True",
        "test_averagepool_3d_dilations_large_count_include_pad_is_1_ceil_mode_is_False",
    ),
    "AveragePool: pooling dilations are not supported": ("test_averagepool_2d_dilations",),
    "MaxPool: only 2-D (NCHW) pooling is supported, these are 1-D/3-D": (
        "test_maxpool_1d_default",
        "test_maxpool_3d_default",
        "test_maxpool_3d_dilations",
        "test_maxpool_3d_dilations_use_ref_impl",
        "test_maxpool_3d_dilations_use_ref_impl_large",
    ),
    "MaxPool: pooling dilations are not supported": ("test_maxpool_2d_dilations",),
    "MaxPool: the optional Indices output is not supported": (
        "test_maxpool_with_argmax_2d_precomputed_pads",
        "test_maxpool_with_argmax_2d_precomputed_strides",
    ),
    "CausalConvWithState (expanded): its Conv is 1-D; only 2-D (NCHW) convolution is supported": (
        "test_causal_conv_with_state_with_past_state_expanded",
        "test_causal_conv_with_state_decode_step_expanded",
        "test_causal_conv_with_state_with_bias_and_past_state_expanded",
    ),
    "BatchNormalization: training mode is not supported (inference import only)": (
        "test_batchnorm_example_training_mode",
        "test_batchnorm_epsilon_training_mode",
    ),
    "Dropout: training mode is not supported (inference import only)": (
        "test_training_dropout_default",
        "test_training_dropout_default_mask",
        "test_training_dropout",
        "test_training_dropout_mask",
        "test_training_dropout_zero_ratio",
        "test_training_dropout_zero_ratio_mask",
    ),
    "LayerNormalization: the optional Mean and InvStdDev outputs are not supported": (
        "test_layer_normalization_4d_axis0",
        "test_layer_normalization_4d_axis_negative_4",
        "test_layer_normalization_4d_axis1",
        "test_layer_normalization_4d_axis_negative_3",
        "test_layer_normalization_4d_axis2",
        "test_layer_normalization_4d_axis_negative_2",
        "test_layer_normalization_4d_axis3",
        "test_layer_normalization_4d_axis_negative_1",
        "test_layer_normalization_default_axis",
        "test_layer_normalization_2d_axis0",
        "test_layer_normalization_2d_axis_negative_2",
        "test_layer_normalization_2d_axis1",
        "test_layer_normalization_2d_axis_negative_1",
        "test_layer_normalization_3d_axis0_epsilon",
        "test_layer_normalization_3d_axis_negative_3_epsilon",
        "test_layer_normalization_3d_axis1_epsilon",
        "test_layer_normalization_3d_axis_negative_2_epsilon",
        "test_layer_normalization_3d_axis2_epsilon",
        "test_layer_normalization_3d_axis_negative_1_epsilon",
    ),
    "Identity: sequence and optional inputs are not supported": (
        "test_identity_sequence",
        "test_identity_opt",
    ),
    "Pad: only mode 'constant' is supported": (
        "test_edge_pad",
        "test_reflect_pad",
        "test_wrap_pad",
    ),
    "ReduceMax: reducing over an empty set (identity -inf/False) is not supported": (
        "test_reduce_max_empty_set",
        "test_reduce_max_empty_set_bool",
    ),
}

# Compiled mode only (tessel.compile): node tests the interpreter passes but the compiler cannot run yet. Those
# naming "bug:" are bugs outside the backend (reported, to fix where named); the rest are limits of the
# operator library that the backend reports as CompileError.
COMPILED_KNOWN_FAILURES: dict[str, tuple[str, ...]] = {
    "MatMul: ops' matmul does not take two 1-D operands (CompileError)": ("test_matmul_1d_1d",),
    "ReduceMax: ops' reductions do not take bool tensors (CompileError)": ("test_reduce_max_bool_inputs",),
    "FlexAttention (expanded): its MatMul is float16; ops' matmul takes float32/float64 only (CompileError)": (
        "test_flexattention_fp16_expanded_ver26",
    ),
    "RotaryEmbedding (expanded): a Split with an empty result; te tensors cannot be empty (CompileError)": (
        "test_rotary_embedding_expanded",
        "test_rotary_embedding_3d_input_expanded",
        "test_rotary_embedding_interleaved_expanded",
        "test_rotary_embedding_no_position_ids_expanded",
        "test_rotary_embedding_no_position_ids_interleaved_expanded",
    ),
    "Slice: an empty result; te tensors cannot be empty (CompileError)": ("test_slice_start_out_of_bounds",),
    "Reshape: an empty tensor; te tensors cannot be empty (CompileError)": ("test_reshape_allowzero_reordered",),
    "ReduceSum: an empty input; te tensors cannot be empty (CompileError)": (
        "test_reduce_sum_empty_set",
        "test_reduce_sum_empty_set_non_reduced_axis_zero",
    ),
    "ReduceLogSum (expanded): an empty input; te tensors cannot be empty (CompileError)": (
        "test_reduce_log_sum_empty_set_expanded",
    ),
    "ReduceSumSquare (expanded): an empty input; te tensors cannot be empty (CompileError)": (
        "test_reduce_sum_square_empty_set_expanded",
    ),
    "Split: empty splits; te tensors cannot be empty (CompileError)": (
        "test_split_zero_size_splits_opset13",
        "test_split_zero_size_splits_opset18",
    ),
    "MaxPool: bug: lower-te-to-loop emits arith.constant of type ui8 (unsigned), which fails verification": (
        "test_maxpool_2d_uint8",
    ),
}
