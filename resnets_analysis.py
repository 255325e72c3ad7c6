"""Notebook 05's laboratory: why residual networks work, measured on the course's networks.

Three experiments, each a published result reproduced at course scale:

* **Lesion study** (Veit, Wilber and Belongie, 2016): remove one residual block at a time
  and measure the test accuracy that is left. :func:`lesion_study` does it for the
  pretrained ResNet-50; :func:`twin_lesion_study` for a plain network and its residual twin
  from ``resnets_vanishing``, where "removing a block" passes its input straight on.
* **Loss landscape** (Li, Xu, Taylor, Studer and Goldstein, 2018): the training loss on a
  2-D slice through the trained weights along two filter-normalised random directions,
  :func:`loss_surface`, drawn by :func:`plot_loss_surfaces`.
* **Grad-CAM** (Selvaraju et al., 2017): which places of a picture raise a class's score,
  :func:`grad_cam`, drawn by :func:`plot_grad_cam`.

Sources: Veit, A., Wilber, M., Belongie, S. (2016), "Residual Networks Behave Like Ensembles
of Relatively Shallow Networks", NeurIPS, arXiv:1605.06431. Li, H., Xu, Z., Taylor, G.,
Studer, C., Goldstein, T. (2018), "Visualizing the Loss Landscape of Neural Nets",
NeurIPS, arXiv:1712.09913. Selvaraju, R. R. et al. (2017), "Grad-CAM: Visual Explanations
from Deep Networks via Gradient-based Localization", ICCV, arXiv:1610.02391.
"""

import numpy as np

#: The 16 residual blocks of ResNet-50 as (stage, block), from the input to the output;
#: the first block of each stage ("a") is a convolutional block, the others identity blocks.
RESNET50_BLOCKS = tuple(
    (stage, block)
    for stage, count in ((2, 3), (3, 4), (4, 6), (5, 3))
    for block in "abcdef"[:count]
)


# ------------------------------------------------------------------------ accuracy


def accuracy(probabilities, Y):
    """Share of examples whose most probable class is the labelled one.

    Arguments:
    probabilities -- array (m, C) of class probabilities (or scores)
    Y -- one-hot labels (m, C)

    Returns:
    a Python float in [0, 1]
    """
    return float(np.mean(np.argmax(probabilities, axis=1) == np.argmax(Y, axis=1)))


def predictor(model, batch_size=40):
    """A function ``X -> probabilities`` running ``model`` in inference mode, compiled once.

    The compiled function reads the model's weights when it is called, so it sees weights
    changed later with ``set_weights`` (as the lesion study does) without being traced again.

    Arguments:
    model -- a keras.Model with inputs (m, H, W, C)
    batch_size -- examples per call of the compiled function

    Returns:
    predict -- function taking a float32 array (m, H, W, C), returning a NumPy array (m, classes)
    """
    import tensorflow as tf

    call = tf.function(lambda x: model(x, training=False), reduce_retracing=True)

    def predict(X):
        X = np.asarray(X, dtype=np.float32)
        return np.concatenate(
            [call(tf.constant(X[i : i + batch_size])).numpy() for i in range(0, len(X), batch_size)]
        )

    return predict


# --------------------------------------------------------------------- lesion study


def cross_entropy(probabilities, Y):
    """Mean categorical cross-entropy in nats (natural log), probabilities clipped at 1e-7
    as Keras clips them.

    Arguments: probabilities -- array (m, C); Y -- one-hot labels (m, C).
    Returns a Python float >= 0.
    """
    p = np.clip(np.asarray(probabilities, dtype=np.float64), 1e-7, 1.0)
    return float(-np.mean(np.sum(np.asarray(Y) * np.log(p), axis=1)))


def lesion_study(
    model, X, Y, remove_residual_branch, blocks=RESNET50_BLOCKS, batch_size=40, with_loss=False
):
    """Test accuracy of ``model`` with each residual block's branch removed in turn.

    For each (stage, block), ``remove_residual_branch(model, stage, block)`` silences the
    branch; the accuracy is measured, and the layer ``bn{stage}{block}_branch2c`` gets back
    the weights it had before the call (kept here, whatever the function returns, and put
    back even when the function raises). Only that layer's weights are restored: a function
    that changes other layers leaves them changed.

    Arguments:
    model -- the course's ResNet-50 (layer names as in ``resnets_reference``)
    X -- float32 images (m, 64, 64, 3) in [0, 1]
    Y -- one-hot labels (m, 6)
    remove_residual_branch -- notebook 05's exercise: (model, stage, block) -> saved weights
                              of the layer ``bn{stage}{block}_branch2c``
    blocks -- the (stage, block) pairs to remove, by default all 16
    batch_size -- images per forward pass
    with_loss -- also measure the test loss (cross-entropy, nats), which still moves when
                 the accuracy sits at its ceiling

    Returns:
    baseline -- accuracy of the intact model (float in [0, 1])
    accuracies -- dict {"2a": accuracy, ...}, one entry per block, in the order of ``blocks``
    and, with ``with_loss``, two more: the intact model's loss and a dict {"2a": loss, ...}

    Raises:
    ValueError -- from ``model.get_layer`` when the model has no layer
                  ``bn{stage}{block}_branch2c`` (not the course's ResNet-50)
    """
    predict = predictor(model, batch_size)
    intact = predict(X)
    baseline, baseline_loss = accuracy(intact, Y), cross_entropy(intact, Y)
    accuracies, losses = {}, {}
    for stage, block in blocks:
        layer = model.get_layer(f"bn{stage}{block}_branch2c")
        saved = layer.get_weights()
        try:
            remove_residual_branch(model, stage, block)
            probabilities = predict(X)
            accuracies[f"{stage}{block}"] = accuracy(probabilities, Y)
            losses[f"{stage}{block}"] = cross_entropy(probabilities, Y)
        finally:
            layer.set_weights(saved)
    if with_loss:
        return baseline, accuracies, baseline_loss, losses
    return baseline, accuracies


def forward_skipping(model, X, skip=None):
    """Run a network of ``resnets_vanishing.build_network`` with one block left out.

    Leaving block b out (1-based, b = 1 .. (depth - 2) / 2) passes its input straight on
    to the next block. In a residual network that deletes the block's branch and keeps the
    shortcut; in a plain network, whose blocks have no shortcut, it deletes the block's
    two layers. Inference mode (BatchNorm uses its moving averages).

    Arguments:
    model -- a network built by ``resnets_vanishing.build_network`` with batchnorm=True
             (layers named conv1, bn2, relu2, conv2, ..., bn_final, avg_pool, fc)
    X -- float32 images (m, H, W, 3), run as one batch
    skip -- the block to leave out (1 .. number of blocks), or None for the whole network

    Returns:
    probabilities -- NumPy array (m, classes)

    Raises:
    ValueError -- when ``skip`` is not None and not a block number of the network
    """
    residual = any(layer.name.startswith("add") for layer in model.layers)
    n_blocks = _block_count(model)
    if skip is not None and not 1 <= skip <= n_blocks:
        raise ValueError(
            f"skip must be a block number from 1 to {n_blocks}, or None; got {skip!r}."
        )
    act = next(
        layer
        for layer in model.layers
        if layer.name.endswith("_final") and not layer.name.startswith("bn")
    )
    x = model.get_layer("conv1")(X)
    for b in range(1, n_blocks + 1):
        if b == skip:
            continue
        h = x
        for k in (2 * b, 2 * b + 1):
            h = model.get_layer(f"bn{k}")(h, training=False)
            h = model.get_layer(act.name.replace("_final", str(k)))(h)
            h = model.get_layer(f"conv{k}")(h)
        x = x + h if residual else h
    x = act(model.get_layer("bn_final")(x, training=False))
    x = model.get_layer("avg_pool")(x)
    return np.asarray(model.get_layer("fc")(x))


def recalibrate_batchnorm(model, X, batch_size=None):
    """Set every BatchNormalization's moving mean and variance to the statistics of X.

    After a short training the moving averages lag behind the weights (each step moves them
    only 1% of the way with Keras' momentum of 0.99), so a network can fit its training data
    in training mode and still guess in inference mode. One pass over ``X`` in training mode
    with the momentum set to 0 replaces them with the statistics the current weights
    produce, then the momentum is put back. The kernels, gamma and beta do not change.

    Arguments:
    model -- a keras.Model with BatchNormalization layers
    X -- float32 inputs (m, H, W, C), typically the training images
    batch_size -- use only the first ``batch_size`` examples of X (to save memory); None
                  for all of X, which gives the exact statistics of X

    Returns nothing: the model's BatchNormalization layers are changed in place.
    """
    import keras

    norms = [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]
    momenta = [layer.momentum for layer in norms]
    for layer in norms:
        layer.momentum = 0.0
    try:
        model(np.asarray(X[:batch_size] if batch_size else X, dtype=np.float32), training=True)
    finally:
        for layer, momentum in zip(norms, momenta):
            layer.momentum = momentum


def _block_count(model):
    """Blocks of a ``resnets_vanishing.build_network`` network: its convolutions are the
    stem ``conv1`` and two per block."""
    return sum(1 for layer in model.layers if layer.name.startswith("conv")) // 2


def twin_lesion_study(model, X, Y):
    """Test accuracy of a ``resnets_vanishing`` network with each of its blocks left out.

    Arguments:
    model -- a network built by ``resnets_vanishing.build_network`` with batchnorm=True
    X -- float32 images (m, H, W, 3)
    Y -- one-hot labels (m, classes)

    Returns:
    baseline -- accuracy of the whole network (float in [0, 1])
    accuracies -- dict {"block 1": accuracy, ...}, one entry per block, input to output
    """
    n_blocks = _block_count(model)
    baseline = accuracy(forward_skipping(model, X), Y)
    return baseline, {
        f"block {b}": accuracy(forward_skipping(model, X, skip=b), Y)
        for b in range(1, n_blocks + 1)
    }


def plot_lesions(panels, chance=1 / 6, title="Test accuracy with one block removed"):
    """Bar charts of lesion studies, one panel per study, side by side.

    Arguments:
    panels -- dict {panel title: (baseline, {block name: accuracy})}, accuracies in [0, 1]
    chance -- accuracy of guessing (drawn as a dotted line)
    title -- the figure's title

    Shows the figure (plt.show()); returns nothing.
    """
    import matplotlib.pyplot as plt

    from matplotlib.patches import Patch

    widths = [max(len(acc), 5) for _, acc in panels.values()]
    fig, axes = plt.subplots(
        1,
        len(panels),
        figsize=(4 + 0.45 * sum(widths), 4.8),
        gridspec_kw={"width_ratios": widths},
        squeeze=False,
    )
    first_blocks = False
    for ax, (name, (baseline, acc)) in zip(axes[0], panels.items()):
        labels = [label.replace("block ", "") for label in acc]
        values = 100 * np.array(list(acc.values()))
        is_first = [label[0].isdigit() and label.endswith("a") for label in labels]
        first_blocks = first_blocks or any(is_first)
        ax.bar(
            range(len(labels)), values, color=["tab:orange" if f else "tab:blue" for f in is_first]
        )
        ax.axhline(100 * baseline, color="black", lw=1.2)
        ax.axhline(100 * chance, color="grey", ls=":", lw=1.2)
        ax.set_xticks(range(len(labels)), labels)
        ax.set_ylim(0, 100)
        ax.set_ylabel("test accuracy (%)")
        ax.set_xlabel("block removed")
        ax.set_title(f"{name}\nnothing removed: {100 * baseline:.0f}%")
    handles = [
        plt.Line2D([], [], color="black", lw=1.2, label="nothing removed"),
        plt.Line2D([], [], color="grey", ls=":", lw=1.2, label=f"guessing ({100 * chance:.0f}%)"),
        Patch(color="tab:blue", label="block removed"),
    ]
    if first_blocks:
        handles.append(
            Patch(
                color="tab:orange", label="a stage's first block (1x1 convolution on its shortcut)"
            )
        )
    fig.legend(handles=handles, loc="lower center", ncol=len(handles), fontsize=9, frameon=False)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.06, 1, 1))
    plt.show()


# ------------------------------------------------------------------- loss landscape


def filter_normalized_direction(weights, rng):
    """A random direction in weight space, scaled filter by filter (Li et al., 2018, Sec. 4).

    Every convolution filter (one output channel of a kernel (kh, kw, c_in, c_out)) and
    every column of a Dense kernel (n_in, n_out) gets Gaussian entries rescaled to the norm
    of the same filter of the weights. One-dimensional arrays (biases, BatchNorm's gamma,
    beta and moving statistics) get zeros: Li et al. leave them where they are.

    Arguments:
    weights -- list of NumPy arrays, as ``model.get_weights()`` returns them
    rng -- a ``numpy.random.Generator``

    Returns:
    direction -- list of float32 arrays of the same shapes
    """
    direction = []
    for w in weights:
        if w.ndim < 2:
            direction.append(np.zeros_like(w))
            continue
        d = rng.standard_normal(w.shape).astype(np.float32)
        axes = tuple(range(w.ndim - 1))  # everything but the output channel
        scale = np.sqrt(np.sum(np.square(w), axis=axes, keepdims=True)) / (
            np.sqrt(np.sum(np.square(d), axis=axes, keepdims=True)) + 1e-10
        )
        direction.append(d * scale)
    return direction


def loss_surface(model, X, Y, span=1.0, steps=21, seed=0, batch_size=256):
    """Training loss on the plane through the weights spanned by two random directions.

    The loss at grid point (alpha, beta) is that of the weights w + alpha * d1 + beta * d2,
    d1 and d2 from :func:`filter_normalized_direction`, in inference mode (BatchNorm's
    moving averages). The model's weights are put back afterwards.

    Arguments:
    model -- a trained keras.Model with softmax outputs
    X -- float32 inputs (m, H, W, C); Y -- one-hot labels (m, classes)
    span -- the grid covers alpha, beta in [-span, span]; since each filter of d1 and d2
            has the norm of the same filter of w, a step of 1 changes every filter by its
            own norm (a relative unit, no physical one)
    steps -- grid points per axis
    seed -- seed of the two directions
    batch_size -- examples per forward pass

    Returns:
    dict with "alphas" and "betas" (steps,) and "loss" (steps, steps), mean categorical
    cross-entropy in nats; loss[i, j] is at (alphas[j], betas[i])
    """
    import keras
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    weights = model.get_weights()
    d1 = filter_normalized_direction(weights, rng)
    d2 = filter_normalized_direction(weights, rng)
    origin = [tf.constant(w) for w in weights]
    d1 = [tf.constant(d) for d in d1]
    d2 = [tf.constant(d) for d in d2]
    X = tf.constant(np.asarray(X, dtype=np.float32))
    Y = tf.constant(np.asarray(Y, dtype=np.float32))

    @tf.function
    def loss_at(alpha, beta):
        for variable, w, a, b in zip(model.weights, origin, d1, d2):
            variable.assign(w + alpha * a + beta * b)
        total = 0.0
        for i in range(0, X.shape[0], batch_size):
            p = model(X[i : i + batch_size], training=False)
            total += tf.reduce_sum(keras.losses.categorical_crossentropy(Y[i : i + batch_size], p))
        return total / X.shape[0]

    grid = np.linspace(-span, span, steps)
    loss = np.empty((steps, steps))
    try:
        for i, beta in enumerate(grid):
            for j, alpha in enumerate(grid):
                loss[i, j] = float(
                    loss_at(tf.constant(alpha, tf.float32), tf.constant(beta, tf.float32))
                )
    finally:
        model.set_weights(weights)
    return {"alphas": grid, "betas": grid, "loss": loss}


def plot_loss_surfaces(surfaces, title="Training loss around the trained weights", classes=6):
    """Contour plots of :func:`loss_surface` results side by side, log10 of the loss, same levels.

    A red line marks the loss of guessing, ln(classes).

    Arguments:
    surfaces -- dict {panel title: loss_surface(...) result}
    title -- the figure's title
    classes -- number of classes, for the guessing line

    Shows the figure (plt.show()); returns nothing.
    """
    import matplotlib.pyplot as plt

    logs = {name: np.log10(np.maximum(s["loss"], 1e-3)) for name, s in surfaces.items()}
    low = min(float(v.min()) for v in logs.values())
    high = max(float(v.max()) for v in logs.values())
    levels = np.arange(np.floor(low * 4) / 4, np.ceil(high * 4) / 4 + 0.125, 0.25)
    fig, axes = plt.subplots(
        1, len(surfaces), figsize=(5.4 * len(surfaces) + 1.2, 5.0), squeeze=False
    )
    for ax, (name, s) in zip(axes[0], surfaces.items()):
        filled = ax.contourf(s["alphas"], s["betas"], logs[name], levels=levels, cmap="viridis")
        ax.contour(
            s["alphas"], s["betas"], logs[name], levels=levels, colors="white", linewidths=0.4
        )
        ax.contour(
            s["alphas"],
            s["betas"],
            s["loss"],
            levels=[np.log(classes)],
            colors="red",
            linewidths=1.5,
        )
        ax.plot([0], [0], marker="*", color="red", ms=12, ls="none", label="trained weights")
        ax.plot([], [], color="red", lw=1.5, label=f"loss = ln {classes} (guessing)")
        ax.set_xlabel("step along direction 1")
        ax.set_ylabel("step along direction 2")
        ax.set_title(name)
        ax.set_aspect("equal")
        ax.grid(False)
        ax.legend(loc="upper right", fontsize=9, framealpha=0.9)
    bar = fig.colorbar(
        filled, ax=axes[0].tolist(), label="training loss (cross-entropy, nats; log scale)"
    )
    ticks = np.arange(np.ceil(levels[0]), levels[-1] + 1e-9)
    bar.set_ticks(ticks, labels=[f"{10**t:g}" for t in ticks])
    fig.suptitle(title)
    plt.show()


def basin_share(surface, level=float(np.log(6))):
    """Share of the grid of a :func:`loss_surface` result where the loss is below ``level``.

    With the default level ln 6 (the loss of guessing among 6 classes), it measures how wide
    the basin around the trained weights is, in filter-normalised steps.

    Arguments:
    surface -- a :func:`loss_surface` result
    level -- loss threshold in nats

    Returns:
    a Python float in [0, 1]
    """
    return float(np.mean(surface["loss"] < level))


def edge_loss(surface):
    """Median loss along the edge of a :func:`loss_surface` grid, in nats.

    The edge is every grid point at the largest step along either direction (a square
    ring of ``4 * (steps - 1)`` points). Its median says how high the loss climbs a fixed
    distance away from the trained weights, and varies far less between runs than the
    single highest point of the grid, which depends on one corner of two random
    directions.

    Arguments:
    surface -- a :func:`loss_surface` result; its ``"loss"`` is a square array, at least 2x2

    Returns:
    a Python float; NaN when a loss on the edge is NaN (a diverged evaluation)

    Raises:
    ValueError -- when ``surface["loss"]`` is not a square 2-D array of at least 2x2
    """
    loss = np.asarray(surface["loss"])
    if loss.ndim != 2 or loss.shape[0] != loss.shape[1] or loss.shape[0] < 2:
        raise ValueError(
            f"edge_loss needs a square grid of losses, at least 2x2, not the shape {loss.shape}"
        )
    ring = np.concatenate([loss[0], loss[-1], loss[1:-1, 0], loss[1:-1, -1]])
    return float(np.median(ring))


def surface_roughness(surface):
    """How far the loss surface is from a single bowl: a number >= 0, 0 for a convex-looking one.

    Counts, along every row and column of the grid, how often the loss turns from falling
    to rising or back, beyond the one turn a bowl has, and divides by the number of rows
    and columns. It is a crude count of the "chaotic" ridges that Li et al. (2018, Fig. 5)
    see in deep plain networks.

    Arguments:
    surface -- a :func:`loss_surface` result

    Returns:
    a Python float: extra turns per line of the grid
    """
    loss = surface["loss"]
    turns = []
    for line in list(loss) + list(loss.T):
        slope = np.sign(np.diff(line))
        slope = slope[slope != 0]
        turns.append(max(int(np.sum(slope[1:] != slope[:-1])) - 1, 0))
    return float(np.mean(turns))


# -------------------------------------------------------------------------- Grad-CAM


def grad_cam(model, X, layer_input_of="avg_pool", class_index=None):
    """Grad-CAM heat maps (Selvaraju et al., 2017, Eq. 1 and 2).

    For the activations A (n_H, n_W, K) that feed the layer ``layer_input_of``, each
    channel k gets the weight alpha_k = mean over positions of d y_c / d A_k, y_c the score
    of class c before the softmax; the map is ReLU(sum_k alpha_k A_k), divided by its
    maximum (a map that is zero everywhere stays zero).

    Arguments:
    model -- the course's ResNet-50 (its last layer a Dense softmax named like "fc6",
             preceded by a Flatten)
    X -- float32 images (m, 64, 64, 3) in [0, 1]
    layer_input_of -- the name of the layer whose input is explained: "avg_pool" for the
                      output of stage 5 (2x2 positions for 64x64 images), "res5a_branch2a"
                      for the output of stage 4 (4x4)
    class_index -- int or array (m,) of classes to explain; None for each image's
                   predicted class

    Returns:
    maps -- float32 array (m, n_H, n_W) in [0, 1]
    explained -- int array (m,), the class explained for each image
    probabilities -- float array (m, number of classes), the model's output

    Raises:
    ValueError -- from ``model.get_layer`` when there is no layer ``layer_input_of``
    """
    import keras
    import tensorflow as tf

    dense = model.layers[-1]
    head = keras.Model(model.inputs, [model.get_layer(layer_input_of).input, dense.input])
    X = tf.constant(np.asarray(X, dtype=np.float32))
    with tf.GradientTape() as tape:
        activations, penultimate = head(X, training=False)
        # The scores before the softmax: the last Dense layer without its activation.
        logits = tf.matmul(penultimate, dense.kernel) + dense.bias
        probabilities = tf.nn.softmax(logits)
        if class_index is None:
            classes = tf.argmax(logits, axis=1)
        else:
            classes = tf.constant(np.broadcast_to(class_index, (X.shape[0],)), dtype=tf.int64)
        score = tf.gather(logits, classes, axis=1, batch_dims=1)
    gradients = tape.gradient(score, activations)
    alphas = tf.reduce_mean(gradients, axis=(1, 2), keepdims=True)
    maps = tf.nn.relu(tf.reduce_sum(alphas * activations, axis=-1)).numpy()
    peak = maps.max(axis=(1, 2), keepdims=True)
    maps = np.where(peak > 0, maps / np.where(peak > 0, peak, 1.0), 0.0).astype(np.float32)
    return maps, classes.numpy().astype(int), probabilities.numpy()


def cell_centres(model, layer_input_of="avg_pool", size=64):
    """Where each position of Grad-CAM's activations looks, in the input picture.

    Position i (along either axis) of the activations that feed ``layer_input_of`` is
    computed from a region of the picture centred on pixel ``start + i * step`` (pixels
    counted from 0). It follows the padding, kernel size and stride of every convolution
    and pooling on the main path from the input (the shortcuts ``*_branch1`` see the same
    centres). For the course's ResNet-50 on 64x64 pictures: stage 5 (2x2) start 2, step 32;
    stage 4 (4x4) start 2, step 16. A plain resize would put them at 16 and 48, up to 14
    pixels away.

    Arguments: model -- the course's ResNet-50; layer_input_of -- as for ``grad_cam``;
    size -- the picture's side in pixels.
    Returns (start, step), floats in pixels. Raises ValueError when there is no such layer.
    """
    import math

    import keras

    start, step, n = 0.0, 1.0, size
    for layer in model.layers:
        if layer.name == layer_input_of:
            return start, step
        if layer.name.endswith("branch1"):
            continue
        if isinstance(layer, keras.layers.ZeroPadding2D):
            before, after = layer.padding[0]
            start, n = start - before * step, n + before + after
        elif isinstance(
            layer, (keras.layers.Conv2D, keras.layers.MaxPooling2D, keras.layers.AveragePooling2D)
        ):
            k = (layer.kernel_size if hasattr(layer, "kernel_size") else layer.pool_size)[0]
            s = layer.strides[0]
            if layer.padding == "same":
                out = math.ceil(n / s)
                pad = max((out - 1) * s + k - n, 0) // 2
            else:
                out, pad = (n - k) // s + 1, 0
            start, step, n = start + ((k - 1) / 2 - pad) * step, step * s, out
    raise ValueError(f"the model has no layer {layer_input_of!r}")


def place_map(cam, start, step, size):
    """Enlarge a Grad-CAM map to the picture, each value at the centre of the region its
    position sees (``cell_centres``), bilinear in between and constant beyond the outer
    centres.

    Arguments: cam -- array (h, w); start, step -- from ``cell_centres``; size -- side of
    the picture in pixels.
    Returns float32 (size, size).
    """
    cam = np.asarray(cam, dtype=np.float64)
    pixels = np.arange(size, dtype=np.float64)
    rows = np.stack([np.interp(pixels, start + step * np.arange(cam.shape[1]), row) for row in cam])
    return np.stack(
        [np.interp(pixels, start + step * np.arange(cam.shape[0]), column) for column in rows.T],
        axis=1,
    ).astype(np.float32)


def plot_grad_cam(images, maps, titles, title="Where the network looks (Grad-CAM)", centres=None):
    """Each image beside its Grad-CAM map laid over it, in one row.

    Arguments:
    images -- float images (m, H, W, 3) in [0, 1] (or uint8)
    maps -- m heat maps (h, w) in [0, 1], from :func:`grad_cam` (an array (m, h, w) or a
            list of arrays of different sizes)
    titles -- m strings, one per image
    title -- the figure's title
    centres -- (start, step) from :func:`cell_centres`, or a list of m of them, one per
               map: each map value is placed at the centre of the region it sees
               (:func:`place_map`). None stretches the map over the picture instead,
               which places its values only approximately.

    Shows the figure (plt.show()); returns nothing.
    """
    import matplotlib.pyplot as plt
    import tensorflow as tf

    images = np.asarray(images)
    if images.dtype == np.uint8:
        images = images / 255.0
    m, height, width = images.shape[:3]
    if centres is not None and np.ndim(centres) == 1:
        centres = [centres] * m
    # Maps may differ in size (one per layer); each is enlarged on its own.
    if centres is None:
        large = [
            tf.image.resize(
                np.asarray(h, dtype=np.float32)[..., None], (height, width), method="bilinear"
            ).numpy()[..., 0]
            for h in maps
        ]
    else:
        large = [place_map(h, start, step, height) for h, (start, step) in zip(maps, centres)]
    fig, axes = plt.subplots(2, m, figsize=(2.3 * m, 5.2), squeeze=False)
    for i in range(m):
        axes[0, i].imshow(images[i])
        axes[0, i].set_title(titles[i], fontsize=9)
        axes[1, i].imshow(images[i])
        shown = axes[1, i].imshow(large[i], cmap="jet", alpha=0.45, vmin=0, vmax=1)
        for ax in axes[:, i]:
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
            for spine in ax.spines.values():
                spine.set_visible(False)
    axes[0, 0].set_ylabel("picture")
    axes[1, 0].set_ylabel("Grad-CAM")
    fig.colorbar(shown, ax=axes.ravel().tolist(), fraction=0.02, label="importance (0 to 1)")
    fig.suptitle(title)
    plt.show()
