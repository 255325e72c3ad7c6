"""The fixed inputs the graders call a learner's function on: small networks and batches.

They hold no reference code, so that the process running a learner's code while
``make grade`` collects what it builds (resnets_graders/kernel.py) can use them without
having any reference within reach. Every network is seeded: each call builds the same one.
"""

import numpy as np

# Notebooks 02 and 03: the blocks are built on these inputs, one model per case.
IDENTITY_BLOCK_CASES = (
    dict(input_shape=(4, 4, 6), f=2, filters=[2, 4, 6], stage=1, block="a"),
    dict(input_shape=(5, 5, 8), f=3, filters=[3, 5, 8], stage=2, block="b"),
)
CONVOLUTIONAL_BLOCK_CASES = (
    dict(input_shape=(4, 4, 6), f=2, filters=[2, 4, 6], stage=1, block="a"),
    dict(input_shape=(5, 5, 4), f=3, filters=[3, 5, 7], stage=3, block="a", s=1),
    dict(input_shape=(6, 6, 3), f=3, filters=[2, 3, 4], stage=4, block="a", s=3),
)
# Notebook 04: ResNet50(**RESNET50_ARGUMENTS).
RESNET50_ARGUMENTS = dict(input_shape=(64, 64, 3), classes=6)
# Notebook 05: remove_residual_branch(model, stage, block) for each of these blocks.
LESION_BLOCKS = ((2, "b"), (2, "c"), (3, "b"), (2, "a"), (3, "a"))


def gradients_model():
    """Notebook 01's network: conv_a -> bn_a -> relu -> conv_b -> relu -> conv_c -> pool -> fc.

    Its initialisers are seeded, so every call builds the same weights. bn_a makes training
    and inference mode differ; conv_b and conv_c have no BatchNorm after them, so their
    biases get a gradient of their own (which shows when a bias is included).
    """
    import keras
    from keras import layers
    from keras.initializers import RandomNormal, glorot_uniform

    inputs = keras.Input(shape=(8, 8, 3), name="images")
    x = layers.Conv2D(
        4, 3, padding="same", name="conv_a", kernel_initializer=glorot_uniform(seed=1)
    )(inputs)
    x = layers.BatchNormalization(name="bn_a")(x)
    x = layers.Activation("relu", name="relu_a")(x)
    x = layers.Conv2D(
        5,
        3,
        padding="same",
        name="conv_b",
        kernel_initializer=glorot_uniform(seed=2),
        bias_initializer=RandomNormal(stddev=0.1, seed=3),
    )(x)
    x = layers.Activation("relu", name="relu_b")(x)
    x = layers.Conv2D(4, 1, name="conv_c", kernel_initializer=glorot_uniform(seed=4))(x)
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    outputs = layers.Dense(
        3, activation="softmax", name="fc", kernel_initializer=glorot_uniform(seed=5)
    )(x)
    return keras.Model(inputs, outputs, name="grader_net")


def gradients_batch():
    """Notebook 01's batch: X float32 (6, 8, 8, 3) in [0, 1), Y one-hot (6, 3)."""
    rng = np.random.default_rng(0)
    X = rng.random((6, 8, 8, 3)).astype(np.float32)
    Y = np.eye(3, dtype=np.float32)[[0, 1, 2, 0, 1, 2]]
    return X, Y


def lesion_model():
    """Notebook 05's network of the course's blocks: stage 2 (blocks a, b, c), stage 3 (a, b).

    Every BatchNormalization gets gamma, beta, moving mean and moving variance drawn away
    from 0 and 1, so that each mistake leaves a trace.
    """
    import keras

    from resnets_reference import convolutional_block, identity_block

    inputs = keras.Input((6, 6, 4))
    x = convolutional_block(inputs, f=3, filters=[2, 2, 8], stage=2, block="a", s=1)
    x = identity_block(x, 3, [2, 2, 8], stage=2, block="b")
    x = identity_block(x, 3, [2, 2, 8], stage=2, block="c")
    x = convolutional_block(x, f=3, filters=[2, 2, 6], stage=3, block="a", s=2)
    x = identity_block(x, 3, [2, 2, 6], stage=3, block="b")
    model = keras.Model(inputs, x, name="grader")
    rng = np.random.default_rng(0)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            n = layer.gamma.shape[0]
            layer.set_weights(
                [
                    rng.uniform(0.5, 1.5, n),
                    rng.uniform(0.2, 0.6, n) * rng.choice([-1, 1], n),
                    rng.uniform(-0.3, 0.3, n),
                    rng.uniform(0.5, 2.0, n),
                ]
            )
    return model


def lesion_input():
    """Notebook 05's input: float32 (2, 6, 6, 4) in [0, 1)."""
    return np.random.default_rng(1).uniform(0.0, 1.0, (2, 6, 6, 4)).astype(np.float32)


def layer_weights(model):
    """{layer name: [its weight arrays]} for every layer of ``model`` that has weights."""
    return {
        layer.name: [np.array(w) for w in layer.get_weights()]
        for layer in model.layers
        if layer.get_weights()
    }
