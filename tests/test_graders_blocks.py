"""The graders of notebooks 02-04 accept the reference and reject each common mistake with
its own message.

Every mistaken implementation below is a copy of the reference in resnets_reference.py with
one mistake; the test requires the grader to fail with the message that names it.
"""

import re

import keras
import pytest
import tensorflow as tf
from keras.initializers import glorot_uniform
from keras.layers import (
    Activation,
    Add,
    AveragePooling2D,
    BatchNormalization,
    Conv2D,
    Dense,
    Flatten,
    Input,
    MaxPooling2D,
    ZeroPadding2D,
)

import resnets_reference
from resnets_graders.blocks import (
    check_convolutional_block,
    check_identity_block,
    check_resnet50,
)


def _conv(filters, kernel, strides, padding, name, initializer=None):
    return Conv2D(
        filters=filters,
        kernel_size=kernel,
        strides=strides,
        padding=padding,
        name=name,
        kernel_initializer=initializer or glorot_uniform(seed=0),
    )


def make_identity_block(
    padding_2b="same",
    kernel_2a=(1, 1),
    kernel_2b=None,
    relu_2b=True,
    relu_2c=False,
    final_relu=True,
    add_before_bn=False,
    axis=3,
    name_2b="2b",
    filters_2c=None,
    initializer_2b=None,
    add_self=False,
    ops_relu=False,
    tf_relu=False,
    tf_add=False,
):
    """The reference identity block, with one change given by the keyword arguments."""

    def identity_block(X, f, filters, stage, block):
        conv_name_base = "res" + str(stage) + block + "_branch"
        bn_name_base = "bn" + str(stage) + block + "_branch"
        F1, F2, F3 = filters
        X_shortcut = X
        X = _conv(
            F1, kernel_2a, (1, 1), "same" if kernel_2a != (1, 1) else "valid", conv_name_base + "2a"
        )(X)
        X = BatchNormalization(axis=3, name=bn_name_base + "2a")(X)
        X = Activation("relu")(X)
        X = _conv(
            F2, kernel_2b or (f, f), (1, 1), padding_2b, conv_name_base + name_2b, initializer_2b
        )(X)
        X = BatchNormalization(axis=axis, name=bn_name_base + "2b")(X)
        if relu_2b:
            X = keras.ops.relu(X) if ops_relu else Activation("relu")(X)
        X = _conv(filters_2c or F3, (1, 1), (1, 1), "valid", conv_name_base + "2c")(X)
        if add_before_bn:
            X = Add()([X, X_shortcut])
            X = BatchNormalization(axis=3, name=bn_name_base + "2c")(X)
        else:
            X = BatchNormalization(axis=3, name=bn_name_base + "2c")(X)
            if relu_2c:
                X = Activation("relu")(X)
            if tf_add:
                X = tf.add(X, X_shortcut)
            else:
                X = Add()([X, X]) if add_self else X_shortcut + X
        if final_relu:
            X = tf.nn.relu(X) if tf_relu else Activation("relu")(X)
        return X

    return identity_block


def make_convolutional_block(stride_on="2a", shortcut_bn=True, kernel_2b=None, relu_shortcut=False):
    """The reference convolutional block, with one change given by the keyword arguments."""

    def convolutional_block(X, f, filters, stage, block, s=2):
        conv_name_base = "res" + str(stage) + block + "_branch"
        bn_name_base = "bn" + str(stage) + block + "_branch"
        F1, F2, F3 = filters
        X_shortcut = X
        strides = {k: (s, s) if stride_on == k else (1, 1) for k in ("2a", "2b")}
        X = _conv(F1, (1, 1), strides["2a"], "valid", conv_name_base + "2a")(X)
        X = BatchNormalization(axis=3, name=bn_name_base + "2a")(X)
        X = Activation("relu")(X)
        X = _conv(F2, kernel_2b or (f, f), strides["2b"], "same", conv_name_base + "2b")(X)
        X = BatchNormalization(axis=3, name=bn_name_base + "2b")(X)
        X = Activation("relu")(X)
        X = _conv(F3, (1, 1), (1, 1), "valid", conv_name_base + "2c")(X)
        X = BatchNormalization(axis=3, name=bn_name_base + "2c")(X)
        X_shortcut = _conv(F3, (1, 1), (s, s), "valid", conv_name_base + "1")(X_shortcut)
        if shortcut_bn:
            X_shortcut = BatchNormalization(axis=3, name=bn_name_base + "1")(X_shortcut)
        if relu_shortcut:
            X_shortcut = Activation("relu")(X_shortcut)
        X = Add()([X_shortcut, X])
        X = Activation("relu")(X)
        return X

    return convolutional_block


def make_resnet50(
    stage4_blocks="bcdef",
    stage3_s=2,
    pool="avg",
    pool_size=(2, 2),
    stage5_filters=(512, 512, 2048),
    stage3_first="conv",
):
    """The reference ResNet-50, with one change given by the keyword arguments."""
    identity_block = resnets_reference.identity_block
    convolutional_block = resnets_reference.convolutional_block

    def ResNet50(input_shape=(64, 64, 3), classes=6):
        X_input = Input(input_shape)
        X = ZeroPadding2D((3, 3))(X_input)
        X = Conv2D(
            64, (7, 7), strides=(2, 2), name="conv1", kernel_initializer=glorot_uniform(seed=0)
        )(X)
        X = BatchNormalization(axis=3, name="bn_conv1")(X)
        X = Activation("relu")(X)
        X = MaxPooling2D((3, 3), strides=(2, 2))(X)
        X = convolutional_block(X, f=3, filters=[64, 64, 256], stage=2, block="a", s=1)
        X = identity_block(X, 3, [64, 64, 256], stage=2, block="b")
        X = identity_block(X, 3, [64, 64, 256], stage=2, block="c")
        if stage3_first == "conv":
            X = convolutional_block(X, f=3, filters=[128, 128, 512], stage=3, block="a", s=stage3_s)
        else:
            X = identity_block(X, 3, [128, 128, 512], stage=3, block="a")
        X = identity_block(X, 3, [128, 128, 512], stage=3, block="b")
        X = identity_block(X, 3, [128, 128, 512], stage=3, block="c")
        X = identity_block(X, 3, [128, 128, 512], stage=3, block="d")
        X = convolutional_block(X, f=3, filters=[256, 256, 1024], stage=4, block="a", s=2)
        for letter in stage4_blocks:
            X = identity_block(X, 3, [256, 256, 1024], stage=4, block=letter)
        X = convolutional_block(X, f=3, filters=list(stage5_filters), stage=5, block="a", s=2)
        X = identity_block(X, 3, list(stage5_filters), stage=5, block="b")
        X = identity_block(X, 3, list(stage5_filters), stage=5, block="c")
        if pool == "avg":
            X = AveragePooling2D(pool_size=pool_size, name="avg_pool")(X)
        elif pool == "max":
            X = MaxPooling2D(pool_size=pool_size, name="avg_pool")(X)
        X = Flatten()(X)
        X = Dense(
            classes,
            activation="softmax",
            name="fc" + str(classes),
            kernel_initializer=glorot_uniform(seed=0),
        )(X)
        return keras.Model(inputs=X_input, outputs=X, name="ResNet50")

    return ResNet50


def not_written(*args, **kwargs):
    # YOUR CODE HERE
    raise NotImplementedError()


# ------------------------------------------------------------------------ identity block


def test_identity_block_reference_passes(capsys):
    check_identity_block(resnets_reference.identity_block)
    assert capsys.readouterr().out.strip() == "All tests passed."


def test_identity_block_accepts_ops_relu_and_plus(capsys):
    check_identity_block(make_identity_block(ops_relu=True))
    assert capsys.readouterr().out.strip() == "All tests passed."


@pytest.mark.parametrize(
    "mistake, message",
    [
        (
            dict(padding_2b="valid"),
            r"the second convolution of the main path, res1a_branch2b, should use padding "
            r"'same', not 'valid'",
        ),
        (
            dict(kernel_2a=(2, 2), kernel_2b=(1, 1)),
            r"the first convolution of the main path, res1a_branch2a, should use kernel_size "
            r"\(1, 1\), not \(2, 2\)",
        ),
        (
            dict(relu_2b=False),
            r"a ReLU is missing between the second BatchNorm of the main path 'bn1a_branch2b' "
            r"and the third convolution of the main path 'res1a_branch2c'",
        ),
        (
            dict(relu_2c=True),
            r"there should be no ReLU between the third BatchNorm of the main path "
            r"'bn1a_branch2c' and the addition",
        ),
        (dict(final_relu=False), r"a ReLU is missing at the end"),
        (dict(add_before_bn=True), r"the addition is in the wrong place"),
        (
            dict(axis=1),
            r"the second BatchNorm of the main path, bn1a_branch2b, should normalise the "
            r"channels axis, axis=3, not axis=1",
        ),
        (
            dict(name_2b="2B"),
            r"the second convolution of the main path should be named 'res1a_branch2b', not "
            r"'res1a_branch2B'",
        ),
        (
            dict(filters_2c=4),
            r"the third convolution of the main path, res1a_branch2c, should use filters 6, "
            r"not 4",
        ),
        (
            dict(initializer_2b="he_normal"),
            r"res1a_branch2b, should use kernel_initializer=glorot_uniform\(seed=0\)",
        ),
        (dict(add_self=True), r"the addition adds a tensor to itself"),
    ],
)
def test_identity_block_mistakes(mistake, message):
    with pytest.raises(AssertionError, match=r"^Exercise identity_block.*" + message):
        check_identity_block(make_identity_block(**mistake))


@pytest.mark.parametrize(
    "mistake", [dict(tf_relu=True), dict(tf_add=True)], ids=["tf.nn.relu", "tf.add"]
)
def test_identity_block_with_tensorflow_functions_says_use_keras_layers(mistake):
    """tf.* functions cannot take the symbolic tensors of a functional model (Keras 3)."""
    with pytest.raises(
        AssertionError,
        match=r"^Exercise identity_block calls a TensorFlow "
        r"function .* use keras\.layers .* or keras\.ops .*not tf\.\*\.$",
    ):
        check_identity_block(make_identity_block(**mistake))


def test_identity_block_not_written():
    with pytest.raises(
        AssertionError,
        match=re.escape(
            "Exercise identity_block is not written yet: replace `raise "
            "NotImplementedError()` in the cell '# GRADED FUNCTION: identity_block' with "
            "your code and run it again."
        ),
    ):
        check_identity_block(not_written)


def test_identity_block_other_error_is_one_line():
    def broken(X, f, filters, stage, block):
        return Conv2D(filters[0], (f, f), name=undefined_name)(X)  # noqa: F821

    with pytest.raises(
        AssertionError,
        match=r"^Exercise identity_block raised NameError: name "
        r"'undefined_name' is not defined$",
    ) as info:
        check_identity_block(broken)
    assert isinstance(info.value.__cause__, NameError)


def test_identity_block_returning_none():
    def no_return(X, f, filters, stage, block):
        resnets_reference.identity_block(X, f, filters, stage, block)

    with pytest.raises(AssertionError, match=r"identity_block returned None"):
        check_identity_block(no_return)


# ------------------------------------------------------------------- convolutional block


def test_convolutional_block_reference_passes(capsys):
    check_convolutional_block(resnets_reference.convolutional_block)
    assert capsys.readouterr().out.strip() == "All tests passed."


def test_convolutional_block_accepts_the_shortcut_first_in_the_addition(capsys):
    check_convolutional_block(make_convolutional_block())  # Add()([X_shortcut, X])
    assert capsys.readouterr().out.strip() == "All tests passed."


@pytest.mark.parametrize(
    "mistake, message",
    [
        (
            dict(stride_on="2b"),
            r"the first convolution of the main path, res1a_branch2a, should use strides "
            r"\(2, 2\), not \(1, 1\)",
        ),
        (dict(shortcut_bn=False), r"the shortcut's BatchNorm 'bn1a_branch1' is missing"),
        (
            dict(kernel_2b=(1, 1)),
            r"the second convolution of the main path, res1a_branch2b, should use kernel_size "
            r"\(2, 2\), not \(1, 1\)",
        ),
        (
            dict(relu_shortcut=True),
            r"there should be no ReLU between the shortcut's BatchNorm 'bn1a_branch1' and the "
            r"addition: the shortcut path ends with its BatchNorm",
        ),
    ],
)
def test_convolutional_block_mistakes(mistake, message):
    with pytest.raises(AssertionError, match=r"^Exercise convolutional_block.*" + message):
        check_convolutional_block(make_convolutional_block(**mistake))


def test_convolutional_block_hard_coded_stride():
    def hard_coded(X, f, filters, stage, block, s=2):
        return resnets_reference.convolutional_block(X, f, filters, stage, block, s=2)

    with pytest.raises(
        AssertionError,
        match=r"res3a_branch2a, should use strides "
        r"\(1, 1\), not \(2, 2\)",
    ):
        check_convolutional_block(hard_coded)


def test_convolutional_block_not_written():
    with pytest.raises(
        AssertionError,
        match=r"^Exercise convolutional_block is not "
        r"written yet",
    ):
        check_convolutional_block(not_written)


# ----------------------------------------------------------------------------- ResNet-50


def test_resnet50_reference_passes(capsys):
    check_resnet50(resnets_reference.ResNet50)
    assert capsys.readouterr().out.strip() == "All tests passed."


@pytest.mark.parametrize(
    "mistake, message",
    [
        (
            dict(stage4_blocks="bcde"),
            r"stage 4 should have 6 blocks, a convolutional block 'a' then 5 identity blocks "
            r"'b' to 'f'; yours has 5",
        ),
        (
            dict(stage3_first="identity"),
            r"block 3a has no layer named 'res3a_branch1' \(the shortcut's convolution\). "
            r"Block 3a should be a convolutional block",
        ),
        (
            dict(stage3_s=1),
            r"the first convolution of the main path, res3a_branch2a, should use strides "
            r"\(2, 2\), not \(1, 1\)",
        ),
        (
            dict(pool="max"),
            r"the average pooling, avg_pool, should be an AveragePooling2D layer, not "
            r"MaxPooling2D",
        ),
        (
            dict(pool_size=(1, 1)),
            r"the average pooling, avg_pool, should use pool_size \(2, 2\), not \(1, 1\)",
        ),
        (dict(pool=None), r"should take the average pooling 'avg_pool'"),
        (
            dict(stage5_filters=(512, 512, 1024)),
            r"res5a_branch2c, should use filters 2048, not 1024",
        ),
    ],
)
def test_resnet50_mistakes(mistake, message):
    with pytest.raises(AssertionError, match=r"^Exercise ResNet50.*(" + message + ")"):
        check_resnet50(make_resnet50(**mistake))


def test_resnet50_not_written():
    with pytest.raises(
        AssertionError,
        match=re.escape(
            "Exercise ResNet50 is not written yet: replace `raise NotImplementedError()` "
            "in the cell '# GRADED FUNCTION: ResNet50'"
        ),
    ):
        check_resnet50(not_written)
