"""Notebook 01's laboratory: deep plain and residual networks, and their gradients measured.

The networks are thin convolutional networks of the same layers, with or without identity
shortcuts, so that the only difference between a "plain" network and its "residual" twin
is the addition of the shortcut (He et al., 2015). They use the pre-activation order of
He et al. (2016), ``[BatchNorm] -> activation -> convolution``, so that a shortcut carries
its gradient back unchanged. Every layer with a kernel is seeded by its position, so a
plain network and its residual twin start from exactly the same weights.

Layers with weights are named ``conv1`` (the stem, stride 2), ``conv2`` ... ``conv{depth-1}``
(the body, two per residual block) and ``fc`` (the softmax classifier); ``depth`` counts
them all, as "ResNet-34" counts its 33 convolutions and one dense layer.
"""

import numpy as np

import resnets_utils


# ------------------------------------------------------------------------------ data


def prepare_signs(n_train=None, image_size=32, seed=0, path=None, split="train"):
    """Load SIGNS, scale pixels to [0, 1], shrink the images and one-hot encode the labels.

    Arguments:
    n_train -- number of training images kept (a random subset, the same for a given
               ``seed``); all 1080 when None
    image_size -- side of the returned images in pixels; 64 must be a multiple of it
                  (images are shrunk by averaging blocks of pixels)
    seed -- seed of the subset's choice
    path -- folder of the SIGNS files, passed to ``resnets_utils.load_dataset``
    split -- "train" (1080 images) or "test" (120 images)

    Returns:
    X -- float32 array (n_train, image_size, image_size, 3), values in [0, 1]
    Y -- float32 array (n_train, 6), one-hot labels
    """
    if split not in ("train", "test"):
        raise ValueError(f"split must be 'train' or 'test'; got {split!r}.")
    X_train, Y_train, X_test, Y_test, classes = resnets_utils.load_dataset(path)
    X_orig, Y_orig = (X_train, Y_train) if split == "train" else (X_test, Y_test)
    factor = X_orig.shape[1] // image_size
    if factor * image_size != X_orig.shape[1]:
        raise ValueError(f"image_size must divide {X_orig.shape[1]}; got {image_size}.")
    X = X_orig.astype(np.float32) / 255.0
    m = len(X)
    X = X.reshape(m, image_size, factor, image_size, factor, 3).mean(axis=(2, 4))
    Y = resnets_utils.convert_to_one_hot(Y_orig, len(classes)).T.astype(np.float32)
    if n_train is not None:
        keep = np.sort(np.random.default_rng(seed).choice(m, size=n_train, replace=False))
        X, Y = X[keep], Y[keep]
    return X, Y


# ---------------------------------------------------------------------------- models


def build_network(
    depth,
    residual,
    activation="relu",
    batchnorm=True,
    width=16,
    input_shape=(32, 32, 3),
    classes=6,
    seed=0,
):
    """Build a thin deep convolutional network, plain or with identity shortcuts.

    Layout: ``conv1`` (3x3, ``width`` filters, stride 2), then ``(depth - 2) / 2`` blocks of
    two units ``[BatchNorm] -> activation -> Conv2D 3x3`` (``width`` filters, padding
    'same'), then ``[BatchNorm] -> activation -> global average pooling -> fc`` (softmax).
    With ``residual=True`` each block's input is added to its output (an identity
    shortcut); otherwise the blocks are simply chained.

    Arguments:
    depth -- number of layers with weights (convolutions + the dense layer), even, >= 4
    residual -- True for identity shortcuts around every block of two convolutions
    activation -- "relu", "sigmoid" or "tanh"
    batchnorm -- True to put a BatchNormalization before each activation
    width -- number of channels of every convolution
    input_shape -- (height, width, channels) of the images
    classes -- number of classes
    seed -- the layer with weights number k (1-based) is initialised with
            ``glorot_uniform(seed=seed + k)``: the plain and residual twins start equal

    Returns:
    a ``keras.Model`` mapping (m, *input_shape) images to (m, classes) probabilities
    """
    import keras
    from keras import layers
    from keras.initializers import glorot_uniform

    if depth < 4 or depth % 2:
        raise ValueError(f"depth must be an even number >= 4; got {depth}.")
    n_blocks = (depth - 2) // 2
    kind = "residual" if residual else "plain"
    name = f"{kind}_{depth}_{activation}{'_bn' if batchnorm else ''}"

    inputs = keras.Input(shape=input_shape, name="images")
    x = layers.Conv2D(
        width,
        3,
        strides=2,
        padding="same",
        kernel_initializer=glorot_uniform(seed=seed + 1),
        name="conv1",
    )(inputs)
    k = 1
    for b in range(n_blocks):
        shortcut = x
        x = _pre_activation_unit(x, k + 1, width, activation, batchnorm, seed)
        x = _pre_activation_unit(x, k + 2, width, activation, batchnorm, seed)
        k += 2
        if residual:
            x = layers.Add(name=f"add{b + 1}")([shortcut, x])
    outputs = _classifier_head(x, classes, activation, batchnorm, seed + depth)
    return keras.Model(inputs, outputs, name=name)


def _pre_activation_unit(x, k, width, activation, batchnorm, seed):
    """``[bn{k}] -> {activation}{k} -> conv{k}`` (3x3, ``width`` filters, padding 'same',
    ``glorot_uniform(seed=seed + k)``) applied to the tensor ``x``; returns its output, of
    ``x``'s height and width with ``width`` channels."""
    from keras import layers
    from keras.initializers import glorot_uniform

    if batchnorm:
        x = layers.BatchNormalization(name=f"bn{k}")(x)
    x = layers.Activation(activation, name=f"{activation}{k}")(x)
    return layers.Conv2D(
        width,
        3,
        padding="same",
        kernel_initializer=glorot_uniform(seed=seed + k),
        name=f"conv{k}",
    )(x)


def _classifier_head(x, classes, activation, batchnorm, kernel_seed):
    """``[bn_final] -> {activation}_final -> avg_pool -> fc`` (softmax, its kernel
    ``glorot_uniform(seed=kernel_seed)``) applied to the feature maps ``x`` (m, H, W, width);
    returns the probabilities (m, classes)."""
    from keras import layers
    from keras.initializers import glorot_uniform

    if batchnorm:
        x = layers.BatchNormalization(name="bn_final")(x)
    x = layers.Activation(activation, name=f"{activation}_final")(x)
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    return layers.Dense(
        classes,
        activation="softmax",
        name="fc",
        kernel_initializer=glorot_uniform(seed=kernel_seed),
    )(x)


def kernel_layers(model):
    """The layers of ``model`` that have a kernel (Conv2D, Dense), from input to output."""
    return [layer for layer in model.layers if hasattr(layer, "kernel")]


# ----------------------------------------------------------------------- measurement


def train_recording_gradients(
    model,
    X,
    Y,
    steps=200,
    batch_size=32,
    learning_rate=1e-3,
    seed=0,
    record_every=1,
    optimizer="adam",
):
    """Train ``model`` with Adam on (X, Y) and record the loss and each kernel's gradient norm.

    Each step draws a batch of ``batch_size`` examples (a fixed random order per epoch,
    given by ``seed``), computes the mean categorical cross-entropy in training mode, and
    applies Adam. Before the update, the Euclidean (Frobenius) norm of the loss's gradient
    with respect to every layer's kernel is recorded. The update is that of
    ``keras.optimizers.Adam`` (or ``SGD``), applied by TensorFlow's fused kernels; see
    ``fused_optimizer_update``.

    Arguments:
    model -- a compiled or uncompiled ``keras.Model`` with softmax outputs (m, C)
    X -- float32 array (m, H, W, channels)
    Y -- float32 one-hot array (m, C)
    steps -- number of training steps
    batch_size -- examples per step
    learning_rate -- Adam's learning rate
    seed -- seed of the batches' order
    record_every -- record the norms every this many steps (the loss is recorded always)
    optimizer -- "adam" (Adam) or "sgd" (SGD with momentum 0.9), at ``learning_rate``

    Returns:
    dict with
      "layers" -- list of the kernel layers' names, input to output (n_layers,)
      "loss" -- float array (steps,), the training loss of each step's batch
      "steps" -- int array (n_records,), the steps at which norms were recorded
      "grad_norms" -- float array (n_records, n_layers), gradient norms, no unit
      "kernel_change" -- float array (n_layers,), how far each kernel moved in training:
                         ||W_after - W_before|| / ||W_before|| (Frobenius norms), no unit

    Raises:
    ValueError -- if a layer with a kernel is frozen (``trainable=False``), or as
                  ``fused_optimizer_update`` says
    """
    import tensorflow as tf

    train_step = _recording_train_step(model, optimizer, learning_rate)
    initial_kernels = [layer.kernel.numpy() for layer in kernel_layers(model)]
    losses, records, norms = [], [], []
    for step, batch in enumerate(_batches(len(X), batch_size, steps, seed)):
        loss, grad_norms = train_step(tf.constant(X[batch]), tf.constant(Y[batch]))
        losses.append(float(loss))
        if step % record_every == 0:
            records.append(step)
            norms.append(grad_norms.numpy())
    return {
        "layers": [layer.name for layer in kernel_layers(model)],
        "loss": np.array(losses),
        "steps": np.array(records),
        "grad_norms": np.array(norms),
        "kernel_change": _relative_kernel_changes(model, initial_kernels),
    }


def _recording_train_step(model, optimizer, learning_rate):
    """A ``tf.function`` of a batch (x, y) that applies one training step to ``model``
    (mean categorical cross-entropy in training mode, ``fused_optimizer_update``) and
    returns (the batch's loss, a scalar; the gradient norm of each kernel layer's kernel
    before the update, float32 (n_layers,)). Raises as ``train_recording_gradients`` says.
    """
    import keras
    import tensorflow as tf

    variables = model.trainable_variables
    kernel_index = _kernel_positions(model, variables)
    apply_update = fused_optimizer_update(optimizer, variables, learning_rate)

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            probs = model(x, training=True)
            loss = tf.reduce_mean(keras.losses.categorical_crossentropy(y, probs))
        grads = tape.gradient(loss, variables)
        apply_update(grads)
        return loss, tf.stack([tf.norm(grads[i]) for i in kernel_index])

    return train_step


def _relative_kernel_changes(model, initial_kernels):
    """||W_now - W_before|| / ||W_before|| (Frobenius norms, no unit) of each kernel layer
    of ``model``, against ``initial_kernels`` in the same order: a float array (n_layers,)."""
    return np.array(
        [
            np.linalg.norm(layer.kernel.numpy() - before) / np.linalg.norm(before)
            for layer, before in zip(kernel_layers(model), initial_kernels)
        ]
    )


def _kernel_positions(model, variables):
    """The position in ``variables`` (a model's ``trainable_variables``) of each kernel
    layer's kernel, input to output: a list of ints (n_layers,).

    Raises:
    ValueError -- if a layer with a kernel is frozen (its kernel is not in ``variables``)
    """
    positions = []
    for layer in kernel_layers(model):
        index = next((i for i, v in enumerate(variables) if v is layer.kernel), None)
        if index is None:
            raise ValueError(
                f"train_recording_gradients records the gradient of every layer's kernel, but "
                f"layer {layer.name!r} is frozen (trainable=False): make it trainable again."
            )
        positions.append(index)
    return positions


def _batches(m, batch_size, steps, seed):
    """Yield the example indices of ``steps`` batches, int arrays (batch_size,) into m
    examples: a random order of all m, seeded by ``seed``, cut into batches, and a fresh
    order whenever fewer than ``batch_size`` examples are left in it."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(m)
    position = 0
    for _ in range(steps):
        if position + batch_size > m:
            order, position = rng.permutation(m), 0
        yield order[position : position + batch_size]
        position += batch_size


def fused_optimizer_update(optimizer, variables, learning_rate):
    """A function that applies one Adam or SGD-with-momentum step to ``variables``.

    The update is ``keras.optimizers.Adam(learning_rate)``'s (beta_1 0.9, beta_2 0.999,
    epsilon 1e-7 added to the square root of the second moment, bias correction folded
    into the step size; Kingma & Ba, 2015, section 2) or
    ``keras.optimizers.SGD(learning_rate, momentum=0.9)``'s, computed by TensorFlow's
    fused training kernels ``ResourceApplyAdam`` and ``ResourceApplyKerasMomentum``: one
    kernel per variable. Keras' Adam adds about forty graph operations per variable to a
    step that ``tf.function`` traces (this adds about five), and for notebook 01's 32-layer
    networks (126 variables) tracing it took as long as the 200 training steps that follow.
    Each step agrees with Keras' to float32 rounding, not bit for bit (TensorFlow's kernel
    computes 1 - beta_1 in float32, Keras in float64 before rounding); over hundreds of
    steps such differences grow, as they do between two CPUs. A gradient of ``None`` (a
    variable the loss does not depend on) leaves that variable and its moments unchanged,
    as in Keras. Keras' variable constraints and learning-rate schedules are not supported.

    Arguments:
    optimizer -- "adam" or "sgd"
    variables -- list of the float32 variables to train (a model's ``trainable_variables``)
    learning_rate -- the step size, a positive float

    Returns:
    update -- a function of the list of gradients (same order and shapes as ``variables``)
              that applies one step; call it eagerly or inside a ``tf.function``. Its
              moment estimates are zero-initialised variables made here, before any
              tracing, so each call of this function starts a fresh optimizer.

    Raises:
    ValueError -- if ``optimizer`` is neither "adam" nor "sgd", or a variable is not float32
    """
    import tensorflow as tf

    if optimizer not in ("adam", "sgd"):
        raise ValueError(f"optimizer must be 'adam' or 'sgd'; got {optimizer!r}.")
    _check_float32(variables)
    lr = tf.constant(learning_rate, tf.float32)
    if optimizer == "sgd":
        return _fused_momentum_update(variables, lr)
    return _fused_adam_update(variables, lr)


def _check_float32(variables):
    """Raise ValueError naming the first of ``variables`` that is not float32."""
    for variable in variables:
        if variable.dtype != "float32":
            name = getattr(variable, "path", variable.name)
            dtype = getattr(variable.dtype, "name", variable.dtype)
            raise ValueError(
                f"fused_optimizer_update trains float32 variables, but {name!r} is "
                f"{dtype}: give its layer dtype='float32' (Keras' default)."
            )


def _fused_momentum_update(variables, lr):
    """``fused_optimizer_update``'s "sgd": a function of the gradients that applies one
    step of SGD with momentum 0.9 at the float32 constant ``lr`` to ``variables``."""
    import tensorflow as tf

    velocities = [tf.Variable(tf.zeros(v.shape, tf.float32), trainable=False) for v in variables]
    momentum = tf.constant(0.9, tf.float32)

    def update(grads):
        for variable, velocity, grad in zip(variables, velocities, grads):
            if grad is None:
                continue
            tf.raw_ops.ResourceApplyKerasMomentum(
                var=variable.handle, accum=velocity.handle, lr=lr, grad=grad, momentum=momentum
            )

    return update


def _fused_adam_update(variables, lr):
    """``fused_optimizer_update``'s "adam": a function of the gradients that applies one
    Adam step (beta_1 0.9, beta_2 0.999, epsilon 1e-7) at the float32 constant ``lr`` to
    ``variables``."""
    import tensorflow as tf

    first_moments = [tf.Variable(tf.zeros(v.shape, tf.float32), trainable=False) for v in variables]
    second_moments = [
        tf.Variable(tf.zeros(v.shape, tf.float32), trainable=False) for v in variables
    ]
    iterations = tf.Variable(0.0, trainable=False)
    beta_1, beta_2, epsilon = (tf.constant(x, tf.float32) for x in (0.9, 0.999, 1e-7))

    def update(grads):
        iterations.assign_add(1.0)
        beta_1_power, beta_2_power = tf.pow(beta_1, iterations), tf.pow(beta_2, iterations)
        for variable, m, v, grad in zip(variables, first_moments, second_moments, grads):
            if grad is None:
                continue
            tf.raw_ops.ResourceApplyAdam(
                var=variable.handle,
                m=m.handle,
                v=v.handle,
                beta1_power=beta_1_power,
                beta2_power=beta_2_power,
                lr=lr,
                beta1=beta_1,
                beta2=beta_2,
                epsilon=epsilon,
                grad=grad,
            )

    return update


def first_to_last_ratio(norms):
    """Gradient norm of the first convolution over that of the last one (a float).

    Arguments:
    norms -- dict {layer name: gradient norm}, input to output, as ``layer_gradient_norms``
             returns it; its last entry (the dense layer ``fc``) is left out
    """
    values = list(norms.values())
    return values[0] / values[-2]


def smooth(values, window=10):
    """Moving average of a 1-D array over ``window`` steps (shorter at the start)."""
    values = np.asarray(values, dtype=float)
    cumulative = np.cumsum(np.insert(values, 0, 0.0))
    out = np.empty_like(values)
    for i in range(len(values)):
        lo = max(0, i + 1 - window)
        out[i] = (cumulative[i + 1] - cumulative[lo]) / (i + 1 - lo)
    return out


# -------------------------------------------------------------------------- figures


def _save(fig, save_as):
    if save_as is not None:
        fig.savefig(save_as, bbox_inches="tight")


def plot_gradient_norms_by_layer(panels, title="Gradient norms at initialisation", save_as=None):
    """Plot each layer's gradient norm against its depth, on a log scale.

    Arguments:
    panels -- dict {panel title: {curve label: {layer name: gradient norm}}}: one subplot
              per panel, one line per network
    title -- the figure's title
    save_as -- a path to also save the figure to (PNG), or None
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(panels), figsize=(6 * len(panels), 4.5), squeeze=False)
    for ax, (panel, curves) in zip(axes[0], panels.items()):
        for (label, norms), style in zip(curves.items(), ("o-", "s-", "^--", "v--")):
            ax.semilogy(
                np.arange(1, len(norms) + 1), list(norms.values()), style, markersize=4, label=label
            )
        ax.set_title(panel)
        ax.set_xlabel("layer (1 = next to the input)")
        ax.set_ylabel("norm of dL/dW (log scale)")
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    _save(fig, save_as)
    plt.show()


def plot_gradient_heatmaps(histories, title="Gradient norms during training", save_as=None):
    """Show each layer's gradient norm at each training step as a heatmap (log colours).

    Arguments:
    histories -- dict {network label: history from ``train_recording_gradients``}; all
                 share one colour scale, so the panels can be compared
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import LogNorm
    from matplotlib.ticker import MaxNLocator

    all_norms = np.concatenate([h["grad_norms"].ravel() for h in histories.values()])
    positive = all_norms[all_norms > 0]
    norm = LogNorm(vmin=max(positive.min(), 1e-16), vmax=positive.max())
    fig, axes = plt.subplots(1, len(histories), figsize=(6 * len(histories), 4.5), squeeze=False)
    for ax, (label, history) in zip(axes[0], histories.items()):
        grads = np.maximum(history["grad_norms"].T, norm.vmin)
        steps = history["steps"]
        image = ax.imshow(
            grads,
            aspect="auto",
            origin="lower",
            norm=norm,
            cmap="viridis",
            extent=(steps[0], steps[-1] + 1, 0.5, grads.shape[0] + 0.5),
            interpolation="nearest",
        )
        ax.set_title(label)
        ax.set_xlabel("training step")
        ax.set_ylabel("layer (1 = next to the input)")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(False)
    fig.colorbar(image, ax=axes[0].tolist(), label="norm of dL/dW (log scale)")
    fig.suptitle(title)
    _save(fig, save_as)
    plt.show()


def plot_gradient_lines(
    histories,
    layers=(1, None, -2),
    title="Gradient norms of a few layers during training",
    save_as=None,
):
    """Plot the gradient norm of a few layers over the training steps, one panel per net.

    Arguments:
    histories -- dict {network label: history from ``train_recording_gradients``}
    layers -- 1-based layer numbers to show (negative counts from the output; None is the
              middle layer)
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        1, len(histories), figsize=(6 * len(histories), 4.2), squeeze=False, sharey=True
    )
    for ax, (label, history) in zip(axes[0], histories.items()):
        n = len(history["layers"])
        for number in layers:
            index = n // 2 if number is None else (number - 1 if number > 0 else n + number)
            ax.semilogy(
                history["steps"],
                history["grad_norms"][:, index],
                label=f"layer {index + 1} ({history['layers'][index]})",
            )
        ax.set_title(label)
        ax.set_xlabel("training step")
        ax.set_ylabel("norm of dL/dW (log scale)")
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    _save(fig, save_as)
    plt.show()


def plot_kernel_changes(
    histories, title="How far each layer's kernel moved in training", save_as=None
):
    """Plot how far each kernel moved in training, by layer and against its gradient norm.

    Left: each layer's relative change ``kernel_change`` against its depth. Right: the
    same change against the layer's gradient norm (its median over the recorded steps),
    both on log scales. A change of exactly 0 (a kernel that did not move at all in float32)
    cannot be drawn on a log scale and is left out.

    Arguments:
    histories -- dict {network label: history from ``train_recording_gradients``}
    """
    import matplotlib.pyplot as plt

    fig, (by_layer, by_gradient) = plt.subplots(1, 2, figsize=(12, 4.5))
    for (label, history), style in zip(histories.items(), ("o", "s", "^", "v")):
        change = np.where(history["kernel_change"] > 0, history["kernel_change"], np.nan)
        grad = np.median(history["grad_norms"], axis=0)
        by_layer.semilogy(
            np.arange(1, len(change) + 1), change, style + "-", markersize=4, label=label
        )
        by_gradient.loglog(grad, change, style, markersize=5, label=label)
    by_layer.set_xlabel("layer (1 = next to the input)")
    by_layer.set_ylabel("||W_after - W_before|| / ||W_before|| (log)")
    by_layer.set_title("relative change of each kernel")
    by_gradient.set_xlabel("median norm of dL/dW during training (log scale)")
    by_gradient.set_ylabel("||W_after - W_before|| / ||W_before|| (log)")
    by_gradient.set_title("the same change against the layer's gradient")
    for ax in (by_layer, by_gradient):
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    _save(fig, save_as)
    plt.show()


def check_claims(claims):
    """Print each claim with whether it holds; raise if any does not.

    Arguments:
    claims -- dict {claim, a sentence: whether it holds, a bool}

    Raises:
    AssertionError -- naming every claim that does not hold
    """
    for claim, holds in claims.items():
        print(f"{claim}: {bool(holds)}")
    failed = [claim for claim, holds in claims.items() if not holds]
    assert not failed, (
        "This does not hold in your run: " + "; ".join(failed) + ". If your function "
        "passed its check, run the notebook again from the top (Kernel > Restart Kernel "
        "and Run All Cells): cells run out of order can change the numbers."
    )


def plot_losses(histories, window=10, title="Training loss", save_as=None):
    """Plot the training loss of each network over the steps (moving average of ``window``).

    Arguments:
    histories -- dict {network label: history from ``train_recording_gradients``}
    """
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 4.5))
    for (label, history), style in zip(histories.items(), ("-", "-", "--", "--")):
        ax.plot(smooth(history["loss"], window), style, label=label)
    ax.axhline(np.log(6), color="grey", linestyle=":", label="chance: ln 6 = 1.79")
    ax.set_xlabel("training step")
    ax.set_ylabel(f"cross-entropy (moving average of {window} steps)")
    ax.set_title(title)
    ax.legend()
    fig.tight_layout()
    _save(fig, save_as)
    plt.show()


def plot_degradation(
    histories, window=20, title="Training loss of shallow and deep networks", save_as=None
):
    """Plot training losses as He et al. (2015) Fig. 1 and 4: plain on the left, residual on
    the right, one line per depth (moving average over ``window`` steps).

    Arguments:
    histories -- dict {"plain, 8 layers": history, "residual, 32 layers": history, ...}
                 from ``train_recording_gradients``; the label's first word says the panel
    """
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5), sharey=True)
    for ax, kind in zip(axes, ("plain", "residual")):
        runs = [(label, h) for label, h in histories.items() if label.startswith(kind)]
        for (label, history), width in zip(runs, (1.5, 2.5, 3.0)):
            ax.plot(smooth(history["loss"], window), linewidth=width, label=label)
        ax.axhline(np.log(6), color="grey", linestyle=":", label="chance: ln 6 = 1.79")
        ax.set_title(f"{kind} networks")
        ax.set_xlabel("training step")
        ax.set_ylabel(f"training loss (moving average of {window} steps)")
        ax.legend()
    fig.suptitle(title)
    fig.tight_layout()
    _save(fig, save_as)
    plt.show()
