"""The course's reference solutions: every graded function of notebooks 01 to 05, here
and nowhere else.

| notebook | function | what it is |
|---|---|---|
| 01 | ``layer_gradient_norms`` | the norm of the loss's gradient at each layer's kernel |
| 02 | ``identity_block`` | ResNet's block whose shortcut is the identity |
| 03 | ``convolutional_block`` | the block whose shortcut is a 1x1 projection |
| 04 | ``ResNet50`` | ResNet-50 (He et al., 2015) in the original assignment's layout |
| 05 | ``remove_residual_branch`` | the lesion: a block's residual branch silenced |

Everything that needs "the answer" imports it from here: the graders (``resnets_graders``
compare a learner's function with these on the same input), the training command
(``tools/train_pretrained.py``), the benchmarks, and notebooks 03 to 05, which build on the
blocks of the notebooks before them. Each function's ``### BEGIN SOLUTION`` ...
``### END SOLUTION`` region is what the learners' notebooks leave out, and the instructors'
notebooks hold the same lines (``tests/test_solutions_match_reference.py`` keeps them
equal, so change both together).

The blocks and the model follow the original assignment (deeplearning.ai, 2018): one small
function per idea, with its layer names (``conv1``, ``bn_conv1``, ``res2a_branch2a``,
``bn2a_branch1``, ``avg_pool``, ``fc6``, ...), so that a learner's model and this one share
every layer name.
"""

import keras
import numpy as np
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


def identity_block(X, f, filters, stage, block):
    """Identity block: three convolutions on the main path, the input added back unchanged.

    Arguments:
    X -- input tensor of shape (m, n_H_prev, n_W_prev, n_C_prev)
    f -- integer, the kernel size of the middle convolution of the main path
    filters -- list of 3 integers, the number of filters of the three convolutions
    stage -- integer, names the layers by their position in the network
    block -- string or character, names the layers by their position in the stage

    Returns:
    X -- output tensor of shape (m, n_H_prev, n_W_prev, F3); F3 must equal n_C_prev
    """
    conv_name_base = "res" + str(stage) + block + "_branch"
    bn_name_base = "bn" + str(stage) + block + "_branch"
    F1, F2, F3 = filters

    X_shortcut = X

    # First component of main path
    X = Conv2D(
        filters=F1,
        kernel_size=(1, 1),
        strides=(1, 1),
        padding="valid",
        name=conv_name_base + "2a",
        kernel_initializer=glorot_uniform(seed=0),
    )(X)
    X = BatchNormalization(axis=3, name=bn_name_base + "2a")(X)
    X = Activation("relu")(X)

    ### BEGIN SOLUTION
    # Second component of main path
    X = Conv2D(
        filters=F2,
        kernel_size=(f, f),
        strides=(1, 1),
        padding="same",
        name=conv_name_base + "2b",
        kernel_initializer=glorot_uniform(seed=0),
    )(X)
    X = BatchNormalization(axis=3, name=bn_name_base + "2b")(X)
    X = Activation("relu")(X)

    # Third component of main path
    X = Conv2D(
        filters=F3,
        kernel_size=(1, 1),
        strides=(1, 1),
        padding="valid",
        name=conv_name_base + "2c",
        kernel_initializer=glorot_uniform(seed=0),
    )(X)
    X = BatchNormalization(axis=3, name=bn_name_base + "2c")(X)

    # Final step: add the shortcut to the main path, then a ReLU
    X = Add()([X, X_shortcut])
    X = Activation("relu")(X)
    ### END SOLUTION

    return X


def convolutional_block(X, f, filters, stage, block, s=2):
    """Convolutional block: like the identity block, with a 1x1 convolution on the shortcut.

    The first convolution of the main path and the shortcut's convolution both use
    stride ``s``, so that both paths end with the same height, width and channels.

    Arguments:
    X -- input tensor of shape (m, n_H_prev, n_W_prev, n_C_prev)
    f -- integer, the kernel size of the middle convolution of the main path
    filters -- list of 3 integers, the number of filters of the three convolutions
    stage -- integer, names the layers by their position in the network
    block -- string or character, names the layers by their position in the stage
    s -- integer, the stride of the first convolution and of the shortcut

    Returns:
    X -- output tensor of shape (m, ceil(n_H_prev / s), ceil(n_W_prev / s), F3)
    """
    conv_name_base = "res" + str(stage) + block + "_branch"
    bn_name_base = "bn" + str(stage) + block + "_branch"
    F1, F2, F3 = filters

    X_shortcut = X

    ### BEGIN SOLUTION
    # First component of main path
    X = Conv2D(
        filters=F1,
        kernel_size=(1, 1),
        strides=(s, s),
        padding="valid",
        name=conv_name_base + "2a",
        kernel_initializer=glorot_uniform(seed=0),
    )(X)
    X = BatchNormalization(axis=3, name=bn_name_base + "2a")(X)
    X = Activation("relu")(X)

    # Second component of main path
    X = Conv2D(
        filters=F2,
        kernel_size=(f, f),
        strides=(1, 1),
        padding="same",
        name=conv_name_base + "2b",
        kernel_initializer=glorot_uniform(seed=0),
    )(X)
    X = BatchNormalization(axis=3, name=bn_name_base + "2b")(X)
    X = Activation("relu")(X)

    # Third component of main path
    X = Conv2D(
        filters=F3,
        kernel_size=(1, 1),
        strides=(1, 1),
        padding="valid",
        name=conv_name_base + "2c",
        kernel_initializer=glorot_uniform(seed=0),
    )(X)
    X = BatchNormalization(axis=3, name=bn_name_base + "2c")(X)

    # Shortcut path
    X_shortcut = Conv2D(
        filters=F3,
        kernel_size=(1, 1),
        strides=(s, s),
        padding="valid",
        name=conv_name_base + "1",
        kernel_initializer=glorot_uniform(seed=0),
    )(X_shortcut)
    X_shortcut = BatchNormalization(axis=3, name=bn_name_base + "1")(X_shortcut)

    # Final step: add the shortcut to the main path, then a ReLU
    X = Add()([X, X_shortcut])
    X = Activation("relu")(X)
    ### END SOLUTION

    return X


def ResNet50(input_shape=(64, 64, 3), classes=6):
    """ResNet-50 in the original assignment's layout.

    CONV2D -> BATCHNORM -> RELU -> MAXPOOL -> CONVBLOCK -> IDBLOCK*2 -> CONVBLOCK -> IDBLOCK*3
    -> CONVBLOCK -> IDBLOCK*5 -> CONVBLOCK -> IDBLOCK*2 -> AVGPOOL -> FLATTEN -> DENSE

    Arguments:
    input_shape -- shape of one image, (height, width, channels)
    classes -- integer, number of classes

    Returns:
    model -- a keras.Model named "ResNet50" whose output is a softmax over ``classes``
    """
    X_input = Input(input_shape)

    # Zero-Padding
    X = ZeroPadding2D((3, 3))(X_input)

    # Stage 1
    X = Conv2D(64, (7, 7), strides=(2, 2), name="conv1", kernel_initializer=glorot_uniform(seed=0))(
        X
    )
    X = BatchNormalization(axis=3, name="bn_conv1")(X)
    X = Activation("relu")(X)
    X = MaxPooling2D((3, 3), strides=(2, 2))(X)

    # Stage 2
    X = convolutional_block(X, f=3, filters=[64, 64, 256], stage=2, block="a", s=1)
    X = identity_block(X, 3, [64, 64, 256], stage=2, block="b")
    X = identity_block(X, 3, [64, 64, 256], stage=2, block="c")

    ### BEGIN SOLUTION
    # Stage 3
    X = convolutional_block(X, f=3, filters=[128, 128, 512], stage=3, block="a", s=2)
    X = identity_block(X, 3, [128, 128, 512], stage=3, block="b")
    X = identity_block(X, 3, [128, 128, 512], stage=3, block="c")
    X = identity_block(X, 3, [128, 128, 512], stage=3, block="d")

    # Stage 4
    X = convolutional_block(X, f=3, filters=[256, 256, 1024], stage=4, block="a", s=2)
    X = identity_block(X, 3, [256, 256, 1024], stage=4, block="b")
    X = identity_block(X, 3, [256, 256, 1024], stage=4, block="c")
    X = identity_block(X, 3, [256, 256, 1024], stage=4, block="d")
    X = identity_block(X, 3, [256, 256, 1024], stage=4, block="e")
    X = identity_block(X, 3, [256, 256, 1024], stage=4, block="f")

    # Stage 5
    X = convolutional_block(X, f=3, filters=[512, 512, 2048], stage=5, block="a", s=2)
    X = identity_block(X, 3, [512, 512, 2048], stage=5, block="b")
    X = identity_block(X, 3, [512, 512, 2048], stage=5, block="c")

    # AVGPOOL
    X = AveragePooling2D(pool_size=(2, 2), name="avg_pool")(X)
    ### END SOLUTION

    # Output layer
    X = Flatten()(X)
    X = Dense(
        classes,
        activation="softmax",
        name="fc" + str(classes),
        kernel_initializer=glorot_uniform(seed=0),
    )(X)

    # Create model
    model = keras.Model(inputs=X_input, outputs=X, name="ResNet50")

    return model


def layer_gradient_norms(model, X, Y, training=True):
    """Norm of the gradient of the loss with respect to each layer's kernel.

    The loss is the mean categorical cross-entropy of the model's predictions on the batch,
    L = -(1/m) * sum_i sum_c Y[i, c] * log(model(X)[i, c]), as
    ``keras.losses.categorical_crossentropy`` computes it for each example, averaged over
    the m examples. The layers measured are those that have a kernel (``Conv2D``,
    ``Dense``: ``hasattr(layer, "kernel")``), their biases left out. The norm is the
    Euclidean (Frobenius) norm of dL/dkernel: the square root of the sum of the squares of
    all its entries.

    Arguments:
    model -- a keras.Model whose outputs are softmax probabilities, shape (m, C)
    X -- a batch of inputs, float32 array (m, n_H, n_W, n_C)
    Y -- the batch's one-hot labels, array (m, C)
    training -- True to run the model as in a training step (BatchNormalization normalises
                with the batch's own statistics, and updates its moving averages),
                False to run it as in prediction

    Returns:
    norms -- dict {layer name: norm as a Python float}, one entry per layer with a kernel,
             in the order of ``model.layers`` (from the input to the output)
    """
    ### BEGIN SOLUTION
    kernel_layers = [layer for layer in model.layers if hasattr(layer, "kernel")]
    with tf.GradientTape() as tape:
        probabilities = model(X, training=training)
        loss = tf.reduce_mean(keras.losses.categorical_crossentropy(Y, probabilities))
    gradients = tape.gradient(loss, [layer.kernel for layer in kernel_layers])
    norms = {
        layer.name: float(tf.norm(gradient)) for layer, gradient in zip(kernel_layers, gradients)
    }
    ### END SOLUTION
    return norms


def remove_residual_branch(model, stage, block):
    """Silence the residual branch of one block of the course's ResNet-50, keeping its shortcut.

    A block computes ReLU(F(x) + shortcut(x)), and its branch F ends with the batch
    normalization ``bn{stage}{block}_branch2c``, which outputs gamma * x_hat + beta. With
    gamma and beta set to zero that layer outputs zeros whatever its input, so F(x) = 0 and
    the block passes on ReLU(shortcut(x)): the input itself for an identity block (its input
    comes out of a ReLU already), the projected input for a convolutional block. The moving
    mean and variance stay as they are (a zero variance would divide by almost nothing).

    Arguments:
    model -- a keras.Model built from the course's blocks (the layer names of ``ResNet50`` above)
    stage -- the stage's number, an int from 2 to 5
    block -- the block's letter within the stage, "a", "b", ...

    Returns:
    saved -- the layer's weights before the change, the list
             [gamma, beta, moving_mean, moving_variance] that ``get_weights()`` returned,
             so that ``layer.set_weights(saved)`` puts the branch back
    """
    ### BEGIN SOLUTION
    layer = model.get_layer(f"bn{stage}{block}_branch2c")
    saved = layer.get_weights()
    gamma, beta, moving_mean, moving_variance = saved
    layer.set_weights([np.zeros_like(gamma), np.zeros_like(beta), moving_mean, moving_variance])
    ### END SOLUTION
    return saved
