#!/usr/bin/env python3
"""Build the ONNX conformance cases that `sluice infer`'s executor is checked against.

    python3 tools/onnx/make_test_models.py OUTDIR

For every case this writes
    OUTDIR/<case>.onnx         a small model built with onnx.helper (fixed-seed weights)
    OUTDIR/<case>.input.npy    float32, fed to the single graph input `x`
    OUTDIR/<case>.output.npy   onnxruntime's (CPU) result for the single graph output `y`
and OUTDIR/cases.json, a list of {"name", "ops", "input_shape", "output_shape", "opset"}.
It also writes OUTDIR/unsupported.onnx: a graph with one `Erf` node named `erf_node`, which
the Swift loader must refuse, naming both the operator and the node.

Why it is built this way:
- onnxruntime is the oracle. Every case is small and uses odd sizes (7, 9, 11…) so that
  off-by-one errors in padding, striding or broadcasting show up instead of cancelling out.
- Each case draws its numbers from its own generator seeded by a CRC of its name, so adding
  or removing a case never changes the bytes of another (the Swift tests can pin files).
- onnxruntime runs with one intra-op thread so its float reductions happen in one order and
  the .output.npy files are the same from run to run.
"""
import argparse
import json
import os
import sys
import zlib

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

# ONNX IR version 8 is what opset 13–17 exporters wrote; every runtime of interest reads it,
# and pinning it keeps the bytes stable across onnx releases (whose default keeps moving).
IR_VERSION = 8


class Case:
    """One model under construction: nodes and initializers, built with a per-case generator."""

    def __init__(self, name, input_shape, opset=17, input_dims=None):
        self.name = name
        self.opset = opset
        self.input_shape = list(input_shape)
        # The dims written into the graph input; a string makes that dim symbolic (e.g. "N").
        self.input_dims = list(input_dims) if input_dims is not None else list(input_shape)
        self.rng = np.random.default_rng(zlib.crc32(name.encode()))
        self.nodes = []
        self.inits = []
        self._count = 0

    # -- values -----------------------------------------------------------------------------
    def const(self, name, array):
        """An initializer holding exactly `array` (its dtype decides float32 or int64)."""
        self.inits.append(numpy_helper.from_array(np.asarray(array), name))
        return name

    def rand(self, name, shape, scale=1.0, positive=False):
        """A float32 initializer of random values; `positive` keeps them away from zero
        (variances, divisors)."""
        if positive:
            a = self.rng.uniform(0.5, 1.5, size=shape)
        else:
            a = self.rng.normal(0.0, scale, size=shape)
        return self.const(name, a.astype(np.float32))

    def conv_weights(self, prefix, out_ch, in_per_group, kernel, bias=True):
        """He-scaled conv weights so activations neither vanish nor explode through a network."""
        fan_in = in_per_group * int(np.prod(kernel))
        w = self.rand(prefix + "_W", [out_ch, in_per_group, *kernel], scale=np.sqrt(2.0 / fan_in))
        b = self.rand(prefix + "_B", [out_ch], scale=0.1) if bias else None
        return w, b

    # -- nodes ------------------------------------------------------------------------------
    def node(self, op, inputs, n_out=1, **attrs):
        """Append a node; return its output name (or names when n_out > 1)."""
        self._count += 1
        outs = [f"t{self._count}" if n_out == 1 else f"t{self._count}_{i}" for i in range(n_out)]
        self.nodes.append(helper.make_node(op, list(inputs), outs, name=f"{op.lower()}_{self._count}", **attrs))
        return outs[0] if n_out == 1 else outs

    def model(self, last):
        """Close the graph: the tensor `last` becomes the graph output `y`."""
        for n in self.nodes:
            for seq in (n.input, n.output):
                for i, t in enumerate(seq):
                    if t == last:
                        seq[i] = "y"
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, self.input_dims)
        # The output's shape is filled in after onnxruntime has run (see build_case).
        y = helper.make_tensor_value_info("y", TensorProto.FLOAT, None)
        graph = helper.make_graph(self.nodes, self.name, [x], [y], initializer=self.inits)
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", self.opset)],
                              producer_name="sluice-make-test-models", producer_version="1")
        m.ir_version = IR_VERSION
        return m


# ---------------------------------------------------------------------------------------------
# The cases. Each function takes a Case, adds nodes, and returns the name of its last tensor.
# They are listed in CASES below as (name, input shape, opset, builder[, symbolic input dims]).
# ---------------------------------------------------------------------------------------------

def conv(c, x, in_ch, out_ch, kernel, group=1, bias=True, prefix=None, **attrs):
    prefix = prefix or f"conv{c._count + 1}"
    w, b = c.conv_weights(prefix, out_ch, in_ch // group, kernel, bias)
    return c.node("Conv", [x, w] + ([b] if b else []), kernel_shape=list(kernel), group=group, **attrs)


def conv_t(c, x, in_ch, out_ch, kernel, group=1, bias=True, **attrs):
    prefix = f"convt{c._count + 1}"
    # ConvTranspose weights are [C_in, C_out / group, kH, kW] (the transpose of Conv's layout).
    w = c.rand(prefix + "_W", [in_ch, out_ch // group, *kernel], scale=np.sqrt(1.0 / (in_ch * np.prod(kernel))))
    ins = [x, w]
    if bias:
        ins.append(c.rand(prefix + "_B", [out_ch], scale=0.1))
    return c.node("ConvTranspose", ins, kernel_shape=list(kernel), group=group, **attrs)


# Conv: every attribute and its default.
def b_conv_basic(c):         return conv(c, "x", 3, 4, [3, 3], pads=[1, 1, 1, 1])
def b_conv_nobias_s2(c):     return conv(c, "x", 3, 5, [3, 3], bias=False, strides=[2, 2])
def b_conv_asym_pads(c):     return conv(c, "x", 2, 3, [3, 2], pads=[0, 1, 2, 0])
def b_conv_same_upper(c):    return conv(c, "x", 3, 4, [4, 3], strides=[2, 2], auto_pad="SAME_UPPER")
def b_conv_same_upper_s1(c): return conv(c, "x", 2, 3, [2, 2], auto_pad="SAME_UPPER")
def b_conv_valid(c):         return conv(c, "x", 3, 2, [3, 5], auto_pad="VALID", strides=[1, 2])
def b_conv_groups(c):        return conv(c, "x", 4, 6, [3, 3], group=2, pads=[1, 1, 1, 1])
def b_conv_depthwise(c):     return conv(c, "x", 5, 5, [3, 3], group=5, pads=[1, 1, 1, 1], strides=[2, 1])
def b_conv_depthwise_x2(c):  return conv(c, "x", 3, 6, [3, 3], group=3, bias=False)  # channel multiplier 2
def b_conv_dilated(c):       return conv(c, "x", 2, 3, [3, 3], dilations=[2, 3], pads=[2, 3, 1, 2])
def b_conv_1x1(c):           return conv(c, "x", 7, 3, [1, 1])
def b_conv_strided_dilated(c): return conv(c, "x", 3, 4, [3, 3], strides=[3, 2], dilations=[2, 1], pads=[1, 0, 2, 1])
def b_conv_big_kernel(c):    return conv(c, "x", 1, 2, [7, 7], strides=[2, 2], pads=[3, 3, 3, 3])
# 16→32 on 33 columns: Kernels' Winograd F(2×2, 3×3) path (Convolution.usesWinograd), fused Relu.
def b_conv_winograd(c):      return c.node("Relu", [conv(c, "x", 16, 32, [3, 3], pads=[1, 1, 1, 1])])


# ConvTranspose: output size = s·(i−1) + op + ((k−1)·d + 1) − pad_begin − pad_end.
def b_convt_basic(c):        return conv_t(c, "x", 3, 2, [3, 3])
def b_convt_s2(c):           return conv_t(c, "x", 4, 3, [3, 3], strides=[2, 2], pads=[1, 1, 1, 1], output_padding=[1, 1])
def b_convt_k2s2(c):         return conv_t(c, "x", 4, 2, [2, 2], strides=[2, 2], bias=False)
def b_convt_asym(c):         return conv_t(c, "x", 2, 3, [3, 4], strides=[2, 3], pads=[0, 1, 1, 2], output_padding=[1, 0])
def b_convt_groups(c):       return conv_t(c, "x", 4, 6, [3, 3], group=2, strides=[2, 1], pads=[1, 0, 0, 1])
def b_convt_dilated(c):      return conv_t(c, "x", 2, 2, [3, 2], dilations=[2, 3], strides=[1, 2])
def b_convt_depthwise(c):    return conv_t(c, "x", 3, 3, [3, 3], group=3, strides=[2, 2], output_padding=[1, 0])


# Elementwise activations.
def b_relu(c):               return c.node("Relu", ["x"])
def b_leaky_relu(c):         return c.node("LeakyRelu", ["x"], alpha=0.2)
def b_leaky_relu_default(c): return c.node("LeakyRelu", ["x"])  # alpha defaults to 0.01
def b_sigmoid(c):            return c.node("Sigmoid", ["x"])
def b_tanh(c):               return c.node("Tanh", ["x"])


# Clip from opset 11 on takes min and max as optional inputs; an empty name skips one.
def b_clip_min_max(c):
    return c.node("Clip", ["x", c.const("lo", np.array(-0.5, np.float32)), c.const("hi", np.array(0.75, np.float32))])
def b_clip_max_only(c):      return c.node("Clip", ["x", "", c.const("hi", np.array(0.3, np.float32))])
def b_clip_min_only(c):      return c.node("Clip", ["x", c.const("lo", np.array(0.1, np.float32))])
def b_clip_none(c):          return c.node("Clip", ["x"])  # no bounds: the identity


# Binary ops with numpy broadcasting, against initializers and between computed tensors.
def b_add_c11(c):            return c.node("Add", ["x", c.rand("bias", [4, 1, 1])])
def b_sub_1(c):              return c.node("Sub", ["x", c.rand("k", [1])])
def b_mul_scalar(c):         return c.node("Mul", ["x", c.const("k", np.array(1.7, np.float32))])
def b_div_c11(c):            return c.node("Div", ["x", c.rand("d", [3, 1, 1], positive=True)])
def b_sub_left_init(c):      return c.node("Sub", [c.rand("row", [7]), "x"])  # initializer on the left, trailing-dim broadcast
def b_add_1c1w(c):           return c.node("Add", ["x", c.rand("b", [1, 3, 1, 5])])
def b_mul_rank_lower(c):     return c.node("Mul", ["x", c.rand("m", [5, 1])])  # rank 2 against rank 4
def b_add_computed(c):       return c.node("Add", [c.node("Relu", ["x"]), c.node("Sigmoid", ["x"])])
def b_mul_computed_bcast(c):
    # Squeeze-and-excitation style: [N,C,1,1] gate times the [N,C,H,W] map.
    return c.node("Mul", ["x", c.node("Sigmoid", [c.node("GlobalAveragePool", ["x"])])])
def b_div_computed(c):
    den = c.node("Add", [c.node("Sigmoid", ["x"]), c.const("one", np.array(1.0, np.float32))])
    return c.node("Div", ["x", den])
def b_sub_computed_bcast(c):
    # x − mean over (H, W), broadcast back over the map: [N,C,H,W] − [N,C,1,1].
    return c.node("Sub", ["x", c.node("GlobalAveragePool", ["x"])])


# MaxPool.
def b_maxpool_k3s2p1(c):     return c.node("MaxPool", ["x"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])
def b_maxpool_k2s2(c):       return c.node("MaxPool", ["x"], kernel_shape=[2, 2], strides=[2, 2])
def b_maxpool_ceil(c):       return c.node("MaxPool", ["x"], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)
def b_maxpool_ceil_pads(c):  return c.node("MaxPool", ["x"], kernel_shape=[2, 3], strides=[2, 2], pads=[1, 0, 0, 1], ceil_mode=1)
def b_maxpool_ceil_drop_last(c):
    # W: (8 + 1 − 2)/2 = 3.5 → ceil gives 5 windows, but the 5th starts in the end padding.
    return c.node("MaxPool", ["x"], kernel_shape=[3, 2], strides=[2, 2], pads=[1, 0, 1, 1], ceil_mode=1)
def b_maxpool_dilated(c):    return c.node("MaxPool", ["x"], kernel_shape=[2, 2], dilations=[2, 2], strides=[1, 1])
def b_maxpool_asym(c):       return c.node("MaxPool", ["x"], kernel_shape=[3, 2], strides=[1, 2], pads=[0, 1, 2, 0])
def b_maxpool_same_upper(c): return c.node("MaxPool", ["x"], kernel_shape=[3, 3], strides=[2, 2], auto_pad="SAME_UPPER")


# AveragePool: whether padded cells count in the divisor is the classic source of mismatches.
def b_avgpool_pad_excl(c):   return c.node("AveragePool", ["x"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=0)
def b_avgpool_pad_incl(c):   return c.node("AveragePool", ["x"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], count_include_pad=1)
def b_avgpool_k2s2(c):       return c.node("AveragePool", ["x"], kernel_shape=[2, 2], strides=[2, 2])
def b_avgpool_ceil(c):       return c.node("AveragePool", ["x"], kernel_shape=[3, 3], strides=[2, 2], ceil_mode=1)
def b_avgpool_ceil_pad_excl(c):
    return c.node("AveragePool", ["x"], kernel_shape=[3, 2], strides=[2, 2], pads=[1, 0, 1, 1], ceil_mode=1, count_include_pad=0)
def b_avgpool_ceil_pad_incl(c):
    return c.node("AveragePool", ["x"], kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1], ceil_mode=1, count_include_pad=1)
def b_avgpool_asym_incl(c):
    return c.node("AveragePool", ["x"], kernel_shape=[2, 3], strides=[1, 2], pads=[0, 1, 1, 2], count_include_pad=1)
def b_global_avgpool(c):     return c.node("GlobalAveragePool", ["x"])


# BatchNormalization in inference mode: y = scale·(x − mean)/sqrt(var + eps) + B.
def bn(c, x, ch, **attrs):
    p = f"bn{c._count + 1}"
    return c.node("BatchNormalization", [x, c.rand(p + "_scale", [ch]), c.rand(p + "_B", [ch], 0.5),
                                         c.rand(p + "_mean", [ch], 0.5), c.rand(p + "_var", [ch], positive=True)], **attrs)
def b_batchnorm(c):          return bn(c, "x", 4)
def b_batchnorm_eps(c):      return bn(c, "x", 3, epsilon=1e-2)


# Gemm: Y = alpha·op(A)·op(B) + beta·C, with C broadcast to [M, N].
def gemm(c, a_is_x, k, n, m=None, trans_a=0, trans_b=0, c_shape=(), **attrs):
    b = c.rand("B", [n, k] if trans_b else [k, n], scale=0.5)
    ins = ["x", b]
    if c_shape is not None:
        ins.append(c.rand("C", list(c_shape)))
    return c.node("Gemm", ins, transA=trans_a, transB=trans_b, **attrs)
def b_gemm_plain(c):         return gemm(c, True, 6, 4, c_shape=[4])
def b_gemm_transb(c):        return gemm(c, True, 6, 3, trans_b=1, c_shape=[1, 3])
def b_gemm_transa(c):        return gemm(c, True, 5, 4, trans_a=1, c_shape=[7, 1])  # x is [K, M] = [5, 7]
def b_gemm_transab_alpha_beta(c): return gemm(c, True, 5, 2, trans_a=1, trans_b=1, c_shape=[3, 2], alpha=0.5, beta=2.0)
def b_gemm_scalar_c(c):      return gemm(c, True, 4, 5, c_shape=[], beta=-1.0)
def b_gemm_no_c(c):          return gemm(c, True, 8, 3, trans_b=1, c_shape=None, alpha=1.5)


# MatMul follows numpy.matmul: batch dims broadcast, the last two multiply.
def b_matmul_2d(c):          return c.node("MatMul", ["x", c.rand("W", [7, 3])])
def b_matmul_3d(c):          return c.node("MatMul", ["x", c.rand("W", [3, 6, 5])])
def b_matmul_bcast(c):       return c.node("MatMul", ["x", c.rand("W", [6, 4])])         # [2,3,5,6]·[6,4]
def b_matmul_bcast_left(c):  return c.node("MatMul", [c.rand("W", [2, 1, 3, 5]), "x"])   # [2,1,3,5]·[4,5,6]
def b_matmul_computed(c):
    # x·xᵀ between two computed tensors (a Gram matrix per batch item).
    return c.node("MatMul", ["x", c.node("Transpose", ["x"], perm=[0, 2, 1])])


# Shape ops.
def b_flatten_axis0(c):      return c.node("Flatten", ["x"], axis=0)
def b_flatten_axis1(c):      return c.node("Flatten", ["x"])  # default axis 1
def b_flatten_axis2(c):      return c.node("Flatten", ["x"], axis=2)
def b_flatten_axis_neg1(c):  return c.node("Flatten", ["x"], axis=-1)
def b_reshape_0_neg1(c):     return c.node("Reshape", ["x", c.const("shape", np.array([0, -1], np.int64))])
def b_reshape_0_0_neg1(c):   return c.node("Reshape", ["x", c.const("shape", np.array([0, 0, -1, 2], np.int64))])
def b_reshape_neg1_first(c): return c.node("Reshape", ["x", c.const("shape", np.array([-1, 5, 3], np.int64))])
def b_transpose_nhwc(c):     return c.node("Transpose", ["x"], perm=[0, 2, 3, 1])
def b_transpose_mixed(c):    return c.node("Transpose", ["x"], perm=[3, 1, 0, 2])
def b_transpose_default(c):  return c.node("Transpose", ["x"])  # no perm: reverse the axes
def b_concat_axis1(c):
    # Three inputs with different channel counts: x (2), Relu(x) (2), a 1×1 conv of x (3).
    return c.node("Concat", ["x", c.node("Relu", ["x"]), conv(c, "x", 2, 3, [1, 1])], axis=1)
def b_concat_axis_neg1(c):
    return c.node("Concat", [c.rand("left", [2, 3, 4, 2]), "x", c.node("Tanh", ["x"])], axis=-1)
def b_concat_axis_neg3(c):
    return c.node("Concat", [c.node("Sigmoid", ["x"]), "x", c.rand("extra", [1, 1, 4, 5])], axis=-3)


# Softmax with opset 13 semantics: normalise along one axis only.
def b_softmax_last(c):       return c.node("Softmax", ["x"], axis=-1)
def b_softmax_axis1(c):      return c.node("Softmax", ["x"], axis=1)
def b_softmax_default(c):    return c.node("Softmax", ["x"])  # default axis −1 from opset 13
def b_softmax_2d(c):         return c.node("Softmax", ["x"], axis=1)


# Resize (opset ≥ 11): inputs X, roi, scales, sizes; an empty name leaves an optional one out.
def resize(c, scales=None, sizes=None, empty_scales_tensor=False, **attrs):
    ins = ["x", ""]
    if scales is not None:
        ins.append(c.const("scales", np.array(scales, np.float32)))
    elif empty_scales_tensor:
        # What PyTorch exports wrote for years: a zero-length scales tensor next to sizes.
        ins[1] = c.const("roi", np.zeros([0], np.float32))
        ins.append(c.const("scales", np.zeros([0], np.float32)))
    else:
        ins.append("")
    if sizes is not None:
        ins.append(c.const("sizes", np.array(sizes, np.int64)))
    return c.node("Resize", ins, **attrs)
def b_resize_nearest_asym_floor(c):
    return resize(c, scales=[1, 1, 2, 2], mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor")
def b_resize_nearest_asym_floor_frac(c):
    return resize(c, scales=[1, 1, 1.5, 2.5], mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor")
def b_resize_nearest_halfpixel_rpf(c):
    return resize(c, scales=[1, 1, 2, 3], mode="nearest", coordinate_transformation_mode="half_pixel",
                  nearest_mode="round_prefer_floor")
def b_resize_nearest_default_sizes(c):
    # Defaults: half_pixel, round_prefer_floor; given by sizes, downscaling one axis.
    return resize(c, sizes=[1, 2, 9, 4], mode="nearest")
def b_resize_nearest_sizes_empty_scales(c):
    return resize(c, sizes=[2, 3, 10, 14], empty_scales_tensor=True, mode="nearest",
                  coordinate_transformation_mode="asymmetric", nearest_mode="floor")
def b_resize_linear_halfpixel(c):
    return resize(c, scales=[1, 1, 2, 2], mode="linear", coordinate_transformation_mode="half_pixel")
def b_resize_linear_halfpixel_down(c):
    return resize(c, scales=[1, 1, 0.5, 0.75], mode="linear", coordinate_transformation_mode="half_pixel")
def b_resize_linear_align_corners(c):
    return resize(c, sizes=[1, 3, 11, 7], mode="linear", coordinate_transformation_mode="align_corners")
def b_resize_linear_align_corners_scales(c):
    return resize(c, scales=[1, 1, 2, 1.5], mode="linear", coordinate_transformation_mode="align_corners")
def b_resize_linear_asymmetric(c):
    return resize(c, scales=[1, 1, 3, 2], mode="linear", coordinate_transformation_mode="asymmetric")
def b_resize_linear_asym_sizes(c):
    return resize(c, sizes=[2, 2, 7, 12], mode="linear", coordinate_transformation_mode="asymmetric")
def b_resize_linear_sizes_empty_scales(c):
    return resize(c, sizes=[1, 2, 8, 8], empty_scales_tensor=True, mode="linear",
                  coordinate_transformation_mode="half_pixel")


# Upsample (opset 9, deprecated since 10): scales is the second input; no coordinate modes.
def b_upsample9_nearest(c):  return c.node("Upsample", ["x", c.const("scales", np.array([1, 1, 2, 3], np.float32))], mode="nearest")
def b_upsample9_linear(c):   return c.node("Upsample", ["x", c.const("scales", np.array([1, 1, 2, 2], np.float32))], mode="linear")


# Identity and Constant.
def b_identity(c):           return c.node("Identity", [c.node("Relu", ["x"])])
def b_constant_add(c):
    k = c.node("Constant", [], value=numpy_helper.from_array(c.rng.normal(size=[3, 1, 1]).astype(np.float32), "k"))
    return c.node("Add", ["x", k])
def b_constant_reshape(c):
    # A Constant node, not an initializer, carrying Reshape's int64 shape.
    shape = c.node("Constant", [], value=numpy_helper.from_array(np.array([0, -1], np.int64), "s"))
    return c.node("Reshape", ["x", shape])


# Small whole networks.
def b_cnn_classifier(c):
    """Conv-BN-Relu stages, MaxPool, then GlobalAveragePool → Flatten → Gemm → Softmax."""
    t = c.node("Relu", [conv(c, "x", 3, 8, [3, 3], strides=[2, 2], pads=[1, 1, 1, 1])])
    t = c.node("MaxPool", [t], kernel_shape=[2, 2], strides=[2, 2])
    t = c.node("Relu", [bn(c, conv(c, t, 8, 16, [3, 3], bias=False, pads=[1, 1, 1, 1]), 16)])
    t = c.node("Relu", [conv(c, t, 16, 16, [3, 3], group=16, pads=[1, 1, 1, 1])])
    t = c.node("Flatten", [c.node("GlobalAveragePool", [t])])
    t = c.node("Gemm", [t, c.rand("fc_W", [5, 16], 0.3), c.rand("fc_B", [5], 0.1)], transB=1)
    return c.node("Softmax", [t], axis=1)


def b_demo_like(c):
    """The shape of the shipped demo model (stride-2 convs, GAP, Gemm, Sigmoid), at 64×64."""
    t = "x"
    for i, (cin, cout, s) in enumerate([(1, 8, 2), (8, 16, 2), (16, 32, 2), (32, 32, 1)]):
        t = c.node("Relu", [conv(c, t, cin, cout, [3, 3], strides=[s, s], pads=[1, 1, 1, 1], prefix=f"c{i}")])
    t = c.node("Flatten", [c.node("GlobalAveragePool", [t])])
    return c.node("Sigmoid", [c.node("Gemm", [t, c.rand("fc_W", [32, 1], 0.3), c.rand("fc_B", [1], 0.1)])])


def b_tiny_unet(c):
    """Two-level U-Net: encoder, MaxPool, bottleneck, ConvTranspose and Resize up, skip Concats."""
    e1 = c.node("LeakyRelu", [conv(c, "x", 1, 4, [3, 3], pads=[1, 1, 1, 1])], alpha=0.1)
    p1 = c.node("MaxPool", [e1], kernel_shape=[2, 2], strides=[2, 2])
    e2 = c.node("Relu", [conv(c, p1, 4, 8, [3, 3], pads=[1, 1, 1, 1])])
    p2 = c.node("AveragePool", [e2], kernel_shape=[2, 2], strides=[2, 2])
    mid = c.node("Relu", [conv(c, p2, 8, 8, [3, 3], auto_pad="SAME_UPPER")])
    u2 = conv_t(c, mid, 8, 8, [2, 2], strides=[2, 2])
    d2 = c.node("Relu", [conv(c, c.node("Concat", [u2, e2], axis=1), 16, 4, [3, 3], pads=[1, 1, 1, 1])])
    u1 = c.node("Resize", [d2, "", c.const("up_scales", np.array([1, 1, 2, 2], np.float32))],
                mode="linear", coordinate_transformation_mode="half_pixel")
    d1 = c.node("Relu", [conv(c, c.node("Concat", [u1, e1], axis=-3), 8, 4, [3, 3], pads=[1, 1, 1, 1])])
    return c.node("Sigmoid", [conv(c, d1, 4, 1, [1, 1])])


CASES = [
    # name, input shape, opset, builder[, symbolic input dims]
    ("conv_basic", [1, 3, 7, 9], 17, b_conv_basic),
    ("conv_nobias_s2", [2, 3, 11, 8], 17, b_conv_nobias_s2),
    ("conv_asym_pads", [1, 2, 6, 7], 17, b_conv_asym_pads),
    ("conv_same_upper_s2", [1, 3, 9, 7], 17, b_conv_same_upper),
    ("conv_same_upper_s1_even_kernel", [1, 2, 5, 6], 17, b_conv_same_upper_s1),
    ("conv_valid_s1x2", [1, 3, 8, 11], 17, b_conv_valid),
    ("conv_groups2", [1, 4, 7, 5], 17, b_conv_groups),
    ("conv_depthwise", [3, 5, 9, 6], 17, b_conv_depthwise),
    ("conv_depthwise_mult2", [1, 3, 6, 7], 17, b_conv_depthwise_x2),
    ("conv_dilated", [1, 2, 9, 11], 17, b_conv_dilated),
    ("conv_1x1", [2, 7, 3, 5], 17, b_conv_1x1),
    ("conv_strided_dilated", [1, 3, 13, 10], 17, b_conv_strided_dilated),
    ("conv_7x7_s2", [1, 1, 17, 15], 17, b_conv_big_kernel),
    ("conv_opset13", [1, 3, 7, 9], 13, b_conv_basic),
    ("conv_winograd_relu", [2, 16, 9, 33], 17, b_conv_winograd),
    ("convt_basic", [1, 3, 5, 4], 17, b_convt_basic),
    ("convt_s2_pads_outpad", [1, 4, 5, 6], 17, b_convt_s2),
    ("convt_k2s2_nobias", [2, 4, 4, 5], 17, b_convt_k2s2),
    ("convt_asym_pads_s2x3", [1, 2, 4, 3], 17, b_convt_asym),
    ("convt_groups2", [1, 4, 5, 5], 17, b_convt_groups),
    ("convt_dilated", [1, 2, 4, 5], 17, b_convt_dilated),
    ("convt_depthwise_outpad", [1, 3, 3, 4], 17, b_convt_depthwise),
    ("convt_opset13", [1, 4, 5, 6], 13, b_convt_s2),
    ("relu", [2, 3, 4, 5], 17, b_relu),
    ("leaky_relu_alpha", [1, 3, 5, 7], 17, b_leaky_relu),
    ("leaky_relu_default", [1, 2, 3, 9], 17, b_leaky_relu_default),
    ("sigmoid", [1, 4, 3, 5], 17, b_sigmoid),
    ("tanh", [2, 3, 3, 3], 17, b_tanh),
    ("clip_min_max_opset13", [1, 3, 5, 4], 13, b_clip_min_max),
    ("clip_max_only_opset13", [1, 2, 4, 6], 13, b_clip_max_only),
    ("clip_min_only", [1, 2, 4, 6], 17, b_clip_min_only),
    ("clip_no_bounds", [1, 2, 3, 4], 17, b_clip_none),
    ("add_bcast_c11", [2, 4, 3, 5], 17, b_add_c11),
    ("sub_bcast_1", [1, 3, 4, 5], 17, b_sub_1),
    ("mul_scalar", [1, 2, 5, 3], 17, b_mul_scalar),
    ("div_bcast_c11", [1, 3, 4, 6], 17, b_div_c11),
    ("sub_init_left_trailing", [2, 3, 5, 7], 17, b_sub_left_init),
    ("add_bcast_1c1w", [2, 3, 4, 5], 17, b_add_1c1w),
    ("mul_bcast_lower_rank", [2, 3, 5, 4], 17, b_mul_rank_lower),
    ("add_two_computed", [1, 3, 4, 5], 17, b_add_computed),
    ("mul_computed_bcast_se", [2, 4, 5, 3], 17, b_mul_computed_bcast),
    ("div_two_computed", [1, 2, 5, 5], 17, b_div_computed),
    ("sub_computed_bcast", [3, 2, 4, 3], 17, b_sub_computed_bcast),
    ("maxpool_k3s2p1", [1, 3, 9, 8], 17, b_maxpool_k3s2p1),
    ("maxpool_k2s2_odd", [2, 2, 7, 9], 17, b_maxpool_k2s2),
    ("maxpool_ceil", [1, 2, 8, 10], 17, b_maxpool_ceil),
    ("maxpool_ceil_pads", [1, 2, 7, 8], 17, b_maxpool_ceil_pads),
    ("maxpool_ceil_drop_last", [1, 2, 7, 8], 17, b_maxpool_ceil_drop_last),
    ("maxpool_dilated", [1, 3, 7, 6], 17, b_maxpool_dilated),
    ("maxpool_asym_pads", [1, 2, 6, 7], 17, b_maxpool_asym),
    ("maxpool_same_upper", [1, 2, 8, 7], 17, b_maxpool_same_upper),
    ("avgpool_pads_exclude", [1, 3, 7, 8], 17, b_avgpool_pad_excl),
    ("avgpool_pads_include", [1, 3, 7, 8], 17, b_avgpool_pad_incl),
    ("avgpool_k2s2_odd", [2, 2, 7, 9], 17, b_avgpool_k2s2),
    ("avgpool_ceil", [1, 2, 8, 10], 17, b_avgpool_ceil),
    ("avgpool_ceil_pads_exclude", [1, 2, 7, 8], 17, b_avgpool_ceil_pad_excl),
    ("avgpool_ceil_pads_include", [1, 2, 8, 8], 17, b_avgpool_ceil_pad_incl),
    ("avgpool_asym_pads_include", [1, 2, 6, 7], 17, b_avgpool_asym_incl),
    ("global_avgpool", [2, 5, 7, 3], 17, b_global_avgpool),
    ("batchnorm", [2, 4, 5, 3], 17, b_batchnorm),
    ("batchnorm_eps_opset13", [1, 3, 4, 7], 13, b_batchnorm_eps),
    ("gemm_plain_c_row", [3, 6], 17, b_gemm_plain),
    ("gemm_transb_c_1n", [4, 6], 17, b_gemm_transb),
    ("gemm_transa_c_m1", [5, 7], 17, b_gemm_transa),
    ("gemm_transab_alpha_beta", [5, 3], 17, b_gemm_transab_alpha_beta),
    ("gemm_scalar_c_beta", [2, 4], 17, b_gemm_scalar_c),
    ("gemm_no_c_alpha", [3, 8], 13, b_gemm_no_c),
    ("matmul_2d", [5, 7], 17, b_matmul_2d),
    ("matmul_3d_batched", [3, 4, 6], 17, b_matmul_3d),
    ("matmul_bcast_4d_2d", [2, 3, 5, 6], 17, b_matmul_bcast),
    ("matmul_bcast_init_left", [4, 5, 6], 17, b_matmul_bcast_left),
    ("matmul_two_computed", [2, 3, 5], 17, b_matmul_computed),
    ("flatten_axis0", [2, 3, 4, 5], 17, b_flatten_axis0),
    ("flatten_axis1", [2, 3, 4, 5], 17, b_flatten_axis1),
    ("flatten_axis2", [2, 3, 4, 5], 17, b_flatten_axis2),
    ("flatten_axis_neg1", [2, 3, 4, 5], 17, b_flatten_axis_neg1),
    ("reshape_0_neg1", [2, 3, 4, 5], 17, b_reshape_0_neg1),
    ("reshape_0_0_neg1_2", [2, 3, 4, 5], 17, b_reshape_0_0_neg1),
    ("reshape_neg1_first", [2, 3, 4, 5], 17, b_reshape_neg1_first),
    ("transpose_nhwc", [2, 3, 4, 5], 17, b_transpose_nhwc),
    ("transpose_3102", [2, 3, 4, 5], 17, b_transpose_mixed),
    ("transpose_default_reverse", [2, 3, 4, 5], 17, b_transpose_default),
    ("concat_axis1_three", [1, 2, 4, 5], 17, b_concat_axis1),
    ("concat_axis_neg1_three", [2, 3, 4, 3], 17, b_concat_axis_neg1),
    ("concat_axis_neg3_three", [1, 2, 4, 5], 17, b_concat_axis_neg3),
    ("softmax_axis_last", [2, 3, 4, 5], 17, b_softmax_last),
    ("softmax_axis1", [2, 3, 4, 5], 17, b_softmax_axis1),
    ("softmax_default_axis_opset13", [2, 3, 4, 5], 13, b_softmax_default),
    ("softmax_2d", [3, 7], 17, b_softmax_2d),
    ("resize_nearest_asym_floor_x2", [1, 2, 3, 4], 17, b_resize_nearest_asym_floor),
    ("resize_nearest_asym_floor_frac", [1, 2, 4, 3], 17, b_resize_nearest_asym_floor_frac),
    ("resize_nearest_halfpixel_rpf", [1, 2, 3, 3], 17, b_resize_nearest_halfpixel_rpf),
    ("resize_nearest_default_sizes_down", [1, 2, 5, 9], 17, b_resize_nearest_default_sizes),
    ("resize_nearest_sizes_empty_scales", [2, 3, 5, 7], 13, b_resize_nearest_sizes_empty_scales),
    ("resize_linear_halfpixel_x2", [1, 3, 4, 5], 17, b_resize_linear_halfpixel),
    ("resize_linear_halfpixel_down", [1, 2, 8, 8], 17, b_resize_linear_halfpixel_down),
    ("resize_linear_align_corners_sizes", [1, 3, 4, 5], 17, b_resize_linear_align_corners),
    ("resize_linear_align_corners_scales", [1, 2, 3, 4], 17, b_resize_linear_align_corners_scales),
    ("resize_linear_asymmetric", [1, 2, 3, 4], 17, b_resize_linear_asymmetric),
    ("resize_linear_asym_sizes", [2, 2, 5, 5], 17, b_resize_linear_asym_sizes),
    ("resize_linear_sizes_empty_scales_opset13", [1, 2, 5, 3], 13, b_resize_linear_sizes_empty_scales),
    ("upsample_opset9_nearest", [1, 2, 3, 4], 9, b_upsample9_nearest),
    ("upsample_opset9_linear", [1, 2, 3, 4], 9, b_upsample9_linear),
    ("identity", [1, 2, 3, 4], 17, b_identity),
    ("constant_add", [1, 3, 4, 4], 17, b_constant_add),
    ("constant_reshape_shape", [2, 3, 2, 5], 17, b_constant_reshape),
    ("cnn_classifier_b1", [1, 3, 32, 28], 17, b_cnn_classifier),
    ("cnn_classifier_b3", [3, 3, 32, 28], 17, b_cnn_classifier),
    ("cnn_classifier_b3_symbolic_batch", [3, 3, 32, 28], 17, b_cnn_classifier, ["N", 3, 32, 28]),
    ("cnn_classifier_opset13", [1, 3, 32, 28], 13, b_cnn_classifier),
    ("demo_like_b1", [1, 1, 64, 64], 17, b_demo_like, ["N", 1, 64, 64]),
    ("demo_like_b3", [3, 1, 64, 64], 17, b_demo_like, ["N", 1, 64, 64]),
    # The demo model's own size: its last conv (32→32 on 32×32) takes the Winograd path.
    ("demo_like_256", [1, 1, 256, 256], 17, b_demo_like, ["N", 1, 256, 256]),
    ("tiny_unet_b1", [1, 1, 24, 20], 17, b_tiny_unet),
    ("tiny_unet_b3", [3, 1, 24, 20], 17, b_tiny_unet),
    ("tiny_unet_opset13", [1, 1, 16, 16], 13, b_tiny_unet),
]


# Cases whose output shape onnx's own shape inference (1.23) gets differently from onnxruntime.
# With ceil_mode, a last window that would *start* inside the end padding is dropped by
# onnxruntime and PyTorch (and the ONNX spec text); onnx's shape inference still counts it.
# onnxruntime is the oracle here, so these are checked without the full (inference) check.
SHAPE_INFERENCE_DISAGREES = {"avgpool_ceil_pads_exclude", "maxpool_ceil_drop_last"}


def make_session(model_bytes):
    import onnxruntime as ort
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = 1  # one reduction order: reproducible .output.npy files
    opts.inter_op_num_threads = 1
    opts.log_severity_level = 3    # the opset-9 Upsample deprecation warning is expected
    return ort.InferenceSession(model_bytes, opts, providers=["CPUExecutionProvider"])


def build_case(name, shape, opset, builder, dims=None):
    """Build, check, run; return (final model bytes, input, output, op list)."""
    c = Case(name, shape, opset, dims)
    # The input is drawn before the weights so its values do not depend on the builder.
    x = c.rng.normal(0.0, 1.0, size=shape).astype(np.float32)
    model = c.model(builder(c))
    # (The checker wants the output's shape, known only after this first run: it checks below.)
    y = make_session(model.SerializeToString()).run(["y"], {"x": x})[0]
    if y.dtype != np.float32:
        raise RuntimeError(f"{name}: output is {y.dtype}, expected float32")
    if not np.all(np.isfinite(y)):
        raise RuntimeError(f"{name}: output has non-finite values")
    # Now the output's shape is known, write it into the graph (a batch dim that is symbolic in
    # the input stays symbolic in the output), and check the final bytes give the same result.
    out_dims = list(y.shape)
    if dims is not None and isinstance(dims[0], str):
        out_dims[0] = dims[0]
    model.graph.ClearField("output")
    model.graph.output.append(helper.make_tensor_value_info("y", TensorProto.FLOAT, out_dims))
    onnx.checker.check_model(model, full_check=name not in SHAPE_INFERENCE_DISAGREES)
    data = model.SerializeToString()
    y2 = make_session(data).run(["y"], {"x": x})[0]
    if not np.array_equal(y, y2):
        raise RuntimeError(f"{name}: onnxruntime is not reproducible on the final model")
    ops = []
    for n in model.graph.node:
        if n.op_type not in ops:
            ops.append(n.op_type)
    return data, x, y, ops


def unsupported_model():
    """x → Relu → Erf(erf_node) → y: valid ONNX that Sluice's executor does not implement."""
    nodes = [helper.make_node("Relu", ["x"], ["r"], name="relu_node"),
             helper.make_node("Erf", ["r"], ["y"], name="erf_node")]
    g = helper.make_graph(nodes, "unsupported",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 1, 4, 4])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 1, 4, 4])])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], producer_name="sluice-make-test-models")
    m.ir_version = IR_VERSION
    onnx.checker.check_model(m, full_check=True)
    return m.SerializeToString()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 epilog="Writes <case>.onnx/.input.npy/.output.npy, cases.json and unsupported.onnx.")
    ap.add_argument("outdir", help="folder to write the cases into (created if missing)")
    ap.add_argument("--only", metavar="NAME", action="append",
                    help="build only this case (repeatable); cases.json then lists only those")
    args = ap.parse_args(argv)

    names = [c[0] for c in CASES]
    if len(set(names)) != len(names):
        raise SystemExit("duplicate case names in CASES")
    selected = CASES
    if args.only:
        unknown = sorted(set(args.only) - set(names))
        if unknown:
            raise SystemExit(f"unknown case(s): {', '.join(unknown)}")
        selected = [c for c in CASES if c[0] in args.only]

    os.makedirs(args.outdir, exist_ok=True)
    index, total = [], 0
    for entry in selected:
        name, shape, opset, builder = entry[:4]
        dims = entry[4] if len(entry) > 4 else None
        try:
            data, x, y, ops = build_case(name, shape, opset, builder, dims)
        except Exception as e:  # name the case: onnx/ort errors alone do not say which one
            print(f"error: case {name}: {e}", file=sys.stderr)
            return 1
        with open(os.path.join(args.outdir, name + ".onnx"), "wb") as f:
            f.write(data)
        np.save(os.path.join(args.outdir, name + ".input.npy"), x)
        np.save(os.path.join(args.outdir, name + ".output.npy"), y)
        total += len(data) + x.nbytes + y.nbytes
        index.append({"name": name, "ops": ops, "input_shape": list(x.shape),
                      "output_shape": list(y.shape), "opset": opset})
    with open(os.path.join(args.outdir, "cases.json"), "w") as f:
        # One case per line: readable, and a diff of two runs shows which case changed.
        f.write("[\n" + ",\n".join(" " + json.dumps(e) for e in index) + "\n]\n")
    with open(os.path.join(args.outdir, "unsupported.onnx"), "wb") as f:
        f.write(unsupported_model())

    covered = sorted({op for e in index for op in e["ops"]})
    print(f"wrote {len(index)} cases (~{total / 1e6:.2f} MB) to {args.outdir}")
    print(f"operators: {', '.join(covered)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
