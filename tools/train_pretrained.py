"""Train the course's reference ResNet-50 on SIGNS and write the pretrained model with its report.

    .venv/bin/python tools/train_pretrained.py --seed 0          (or: make pretrained)

writes, in ``--out`` (default ``models/``):

- ``resnet50_signs.keras``: ``resnets_reference.ResNet50()`` with the trained weights, saved
  uncompiled (no optimizer state, about 87 MB, DEFLATE-compressed), loadable with
  ``keras.models.load_model(path)`` in safe mode. Its layer names are the reference's, so its
  weights also load by name into a learner's model of notebook 04;
- ``report.json`` and ``REPORT.md``: test accuracy and loss, best epoch, time per epoch,
  wall time, seed, versions, machine and the full recipe;
- ``learning_curves.png`` and ``confusion_matrix.png``.

The recipe (models/README.md gives it in full): the training photos less a seeded 10% of
their persons, plus rendered hands from ``signs_renderer``; validation on two domains, the
held-out persons' photos with the extra photos and renders never trained on, and the kept
epoch is the one with the best accuracy on the worse domain (ties broken by the lower mean
validation loss); the test set is used once, at the end. Augmentation keeps the sign
meaningful: small rotations, shifts and zooms, brightness and contrast, horizontal flips
(left and right hands both occur); nothing that could hide or add a finger. AdamW (no
decay on biases and batch-norm parameters), linear warm-up then cosine decay of the
learning rate, label smoothing.

Reproducible run to run on the same machine: Keras seeds, TensorFlow's op determinism, and
augmentation by stateless random ops whose seeds derive from ``--seed``, the epoch and the
image. The augmentation runs in the input pipeline, not in the saved model.

``--strategy mirrored`` trains with ``tf.distribute.MirroredStrategy`` over all local GPUs,
or over ``--cpu-devices N`` logical CPU devices (a way to test the distributed path on a
machine without GPUs).
"""

import argparse
import json
import math
import os
import hashlib
import platform
import re
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
for _folder in (REPO_ROOT, REPO_ROOT / "tools"):  # a script run from a checkout
    if str(_folder) not in sys.path:
        sys.path.insert(0, str(_folder))

MODEL_FILE = "resnet50_signs.keras"
MAX_MODEL_BYTES = 100 * 10**6
#: Variables AdamW's weight decay leaves alone (matched by name).
NO_WEIGHT_DECAY = ["bias", "gamma", "beta"]
#: The images the model takes: (height, width, channels).
INPUT_SHAPE = (64, 64, 3)
#: The batch norms whose gamma starts at 0 ("zero-init residual"): those whose name ends so,
#: the last of every residual branch of the reference.
ZERO_GAMMA_SUFFIX = "_branch2c"
#: The learning rate at the start of the warm-up, and at the last step as a share of the peak
#: (``keras.optimizers.schedules.CosineDecay``'s ``initial_learning_rate`` and ``alpha``).
WARMUP_START_LEARNING_RATE = 0.0
FINAL_LEARNING_RATE_SHARE = 0.0


def parse_args(argv=None):
    """The command line's options (an argparse.Namespace); their defaults are the recipe of
    the committed model."""
    p = argparse.ArgumentParser(
        description="Train the course's ResNet-50 on SIGNS; write the model and its report.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    add_recipe_options(p)
    add_data_options(p)
    add_run_options(p)
    return p.parse_args(argv)


def add_recipe_options(p):
    """Add to the parser ``p`` the options of the training recipe: seed, epochs, batch size,
    learning rate and its warm-up, weight decay, label smoothing, batch-norm momentum."""
    p.add_argument("--seed", type=int, default=0, help="seeds everything")
    p.add_argument("--epochs", type=int, default=28, help="epochs of training")
    p.add_argument("--batch-size", type=int, default=32, help="global batch size")
    p.add_argument(
        "--learning-rate",
        type=float,
        default=1e-3,
        help="peak learning rate, reached at the end of the warm-up",
    )
    p.add_argument(
        "--warmup-epochs",
        type=float,
        default=1.0,
        help="epochs of linear warm-up from 0 to the peak learning rate",
    )
    p.add_argument(
        "--weight-decay",
        type=float,
        default=0.05,
        help="AdamW's decoupled weight decay (not applied to biases, BN)",
    )
    p.add_argument("--label-smoothing", type=float, default=0.1)
    p.add_argument(
        "--bn-momentum",
        type=float,
        default=0.9,
        help="batch-norm moving-average momentum while training (the saved "
        "model keeps the reference's 0.99 in its configuration)",
    )


def add_data_options(p):
    """Add to the parser ``p`` the options of the data: the validation share, the rendered
    pictures, a subset, the datasets' folder."""
    p.add_argument(
        "--val-fraction",
        type=float,
        default=0.1,
        help="share of the training photos' persons held out (with the extra "
        "photos of signs_split.csv) to pick the epoch",
    )
    p.add_argument(
        "--renders",
        type=int,
        default=1080,
        help="rendered pictures (signs_renderer) mixed into the training set; "
        "0 trains on the photos alone",
    )
    p.add_argument(
        "--render-val",
        type=int,
        default=120,
        help="rendered pictures, never trained on, that validate across domains",
    )
    p.add_argument(
        "--subset",
        type=int,
        default=None,
        help="train on the first N training images only (for quick tests)",
    )
    p.add_argument(
        "--data",
        type=Path,
        default=None,
        help="folder with train_signs.h5 and test_signs.h5 (default datasets/)",
    )


def add_run_options(p):
    """Add to the parser ``p`` the options of the run: the output folder, the distribution
    strategy and devices, --replot, Keras' verbosity."""
    p.add_argument(
        "--out",
        type=Path,
        default=REPO_ROOT / "models",
        help="folder for the model, the report and the figures",
    )
    p.add_argument(
        "--strategy",
        choices=("default", "mirrored"),
        default="default",
        help="'mirrored': tf.distribute.MirroredStrategy over the local GPUs, "
        "or over --cpu-devices logical CPUs",
    )
    p.add_argument(
        "--cpu-devices",
        type=int,
        default=None,
        help="split the CPU into N logical devices (for --strategy mirrored without GPUs)",
    )
    p.add_argument(
        "--replot",
        action="store_true",
        help="only redraw the two figures and REPORT.md from the report.json in --out",
    )
    p.add_argument(
        "--verbose",
        type=int,
        choices=(0, 1, 2),
        default=None,
        help="Keras fit verbosity; default: progress bar on a terminal, one "
        "line per epoch otherwise",
    )


# ------------------------------------------------------------------------------ data


def stratified_split(labels, fraction, seed):
    """Indices (train, val) with ``fraction`` of every class in val (at least one image of
    every class that has two or more). ``labels``: integer array (m,)."""
    rng = np.random.default_rng(seed)
    train, val = [], []
    for c in np.unique(labels):
        idx = rng.permutation(np.flatnonzero(labels == c))
        n_val = int(round(fraction * len(idx)))
        if fraction > 0 and len(idx) >= 2:
            n_val = max(1, n_val)
        val.extend(idx[:n_val])
        train.extend(idx[n_val:])
    return np.sort(np.array(train, dtype=np.int64)), np.sort(np.array(val, dtype=np.int64))


def person_split(rows, n_train, fraction, seed):
    """(train, val) indices into the training file, holding out whole persons.

    ``rows`` -- the rows of ``datasets/signs_split.csv`` (``tools/build_datasets.py``);
    ``n_train`` -- images in the training file. A seeded ``fraction`` of the persons of the
    training photos goes to validation, all their photos with them, so that validation
    measures other people's hands, as the test set does.
    """
    person = np.full(n_train, -1, dtype=np.int64)
    for row in rows:
        if row["split"] == "train":
            person[row["index"]] = row["person"]
    if (person < 0).any():
        raise SystemExit(
            "signs_split.csv does not list every photo of train_signs.h5: "
            "rebuild both with `make datasets`."
        )
    persons = np.unique(person)
    rng = np.random.default_rng(seed)
    held_out = rng.permutation(persons)[: int(round(fraction * len(persons)))]
    is_val = np.isin(person, held_out)
    return np.flatnonzero(~is_val), np.flatnonzero(is_val)


def load_data(args):
    """The images of every stage, as float32 in [0, 1] with one-hot labels.

    Returns a dict: ``train`` (X, Y), the photos of the training file less the validation
    persons, plus ``--renders`` rendered pictures; ``validation`` {domain: (X, Y)}, the
    held-out persons' photos with the extra photos ("photos") and ``--render-val`` renders
    never trained on ("renders"); ``test`` (X, Y), the test file, used once; ``counts``.
    Without ``datasets/signs_split.csv`` (other SIGNS files) or with ``--subset``, the
    validation photos are a stratified share of the training images instead.
    """
    import keras
    import resnets_utils
    from signs_renderer.build import render_set

    folder = Path(args.data) if args.data is not None else resnets_utils.DATASETS_DIR
    X_orig, Y_orig, X_test_orig, Y_test_orig, classes = resnets_utils.load_dataset(folder)
    labels, X_orig = Y_orig.reshape(-1)[: args.subset], X_orig[: args.subset]
    train_idx, val_idx, (extra_x, extra_y), grouping = validation_split(args, folder, labels)

    def scaled(x, y):
        x = np.asarray(x, dtype=np.float32).reshape(-1, *X_orig.shape[1:]) / 255.0
        return x, keras.utils.to_categorical(np.asarray(y), len(classes)).astype(np.float32)

    X_tr, Y_tr = scaled(X_orig[train_idx], labels[train_idx])
    photos_val = scaled(
        np.concatenate([X_orig[val_idx], np.reshape(extra_x, (-1, *INPUT_SHAPE))]),
        np.concatenate([labels[val_idx], np.asarray(extra_y, dtype=np.int64)]),
    )
    validation = {"photos": photos_val}
    n_photos = len(X_tr)
    if args.renders:
        X_r, Y_r = scaled(*render_set(args.seed, "train", args.renders))
        X_tr, Y_tr = np.concatenate([X_tr, X_r]), np.concatenate([Y_tr, Y_r])
    if args.render_val:
        validation["renders"] = scaled(*render_set(args.seed, "test", args.render_val))
    counts = {
        "train_photos": n_photos,
        "train_renders": len(X_tr) - n_photos,
        "validation": {k: len(v[0]) for k, v in validation.items()},
        "validation_photos": grouping,
        "test": len(X_test_orig),
    }
    return {
        "train": (X_tr, Y_tr),
        "validation": validation,
        "test": scaled(X_test_orig, Y_test_orig.reshape(-1)),
        "counts": counts,
        "classes": classes,
        "folder": folder,
    }


def validation_split(args, folder, labels):
    """Which images of the training file validate, and which extra photos join them.

    ``labels`` -- the training file's labels, int (m,) (its first --subset with --subset).
    Returns (train, val, (extra_x, extra_y), grouping): indices into the m images; the
    extra photos of ``datasets/signs_split.csv``, uint8 (64, 64, 3) each, and their labels
    (two lists, empty without that file or with --subset); how the validation photos were
    chosen (text, for the report). Persons are held out as ``person_split`` does; without
    the file or with --subset, a stratified share of the images (``stratified_split``).
    """
    import build_datasets

    split_file = folder / build_datasets.SPLIT_FILE
    if args.subset or not split_file.is_file():
        train_idx, val_idx = stratified_split(labels, args.val_fraction, args.seed)
        return train_idx, val_idx, ([], []), "stratified share of the training images"
    rows = build_datasets.read_split_file(split_file)
    train_idx, val_idx = person_split(rows, len(labels), args.val_fraction, args.seed)
    extra = [row for row in rows if row["split"] == "extra"]
    extra_x = [build_datasets.load_photo(build_datasets.PHOTOS_DIR / row["file"]) for row in extra]
    extra_y = [row["label"] for row in extra]
    grouping = "whole persons held out of the training photos, and the extra photos"
    return train_idx, val_idx, (extra_x, extra_y), grouping


# Augmentation ranges: small enough that every finger stays in the frame and visible.
AUGMENTATION = {
    "horizontal_flip": "p = 0.5 (left and right hands both occur)",
    "rotation_degrees": 12.0,
    "shift_fraction": 0.08,
    "zoom_range": [0.92, 1.08],
    "brightness_delta": 0.1,
    "contrast_range": [0.8, 1.2],
    "fill_mode": "nearest",
}


def augment(image, seed):
    """Augment one image with stateless random ops.

    image -- float32 (64, 64, 3) in [0, 1]; seed -- int32 tensor (2,)
    Returns the augmented image, float32 (64, 64, 3), clipped to [0, 1].
    """
    import tensorflow as tf

    seeds = tf.random.experimental.stateless_split(seed, num=6)
    image = tf.image.stateless_random_flip_left_right(image, seeds[0])
    size = tf.cast(tf.shape(image)[0], tf.float32)
    angle = (
        tf.random.stateless_uniform([], seeds[1], -1.0, 1.0)
        * AUGMENTATION["rotation_degrees"]
        * math.pi
        / 180.0
    )
    scale = tf.random.stateless_uniform([], seeds[2], *AUGMENTATION["zoom_range"])
    shift = (
        tf.random.stateless_uniform([2], seeds[3], -1.0, 1.0)
        * AUGMENTATION["shift_fraction"]
        * size
    )
    # Inverse map (output pixel -> input pixel) of a rotation and zoom about the centre,
    # then a shift: the 8 parameters of ImageProjectiveTransformV3.
    c = (size - 1.0) / 2.0
    cos, sin = tf.cos(angle) / scale, tf.sin(angle) / scale
    a0, a1, b0, b1 = cos, -sin, sin, cos
    a2 = c - a0 * c - a1 * c - shift[0]
    b2 = c - b0 * c - b1 * c - shift[1]
    transform = tf.stack([a0, a1, a2, b0, b1, b2, 0.0, 0.0])[tf.newaxis]
    image = tf.raw_ops.ImageProjectiveTransformV3(
        images=image[tf.newaxis],
        transforms=transform,
        output_shape=tf.shape(image)[:2],
        fill_value=0.0,
        interpolation="BILINEAR",
        fill_mode=AUGMENTATION["fill_mode"].upper(),
    )[0]
    image = tf.image.stateless_random_brightness(image, AUGMENTATION["brightness_delta"], seeds[4])
    image = tf.image.stateless_random_contrast(image, *AUGMENTATION["contrast_range"], seeds[5])
    return tf.clip_by_value(image, 0.0, 1.0)


def epoch_size(m, batch_size, replicas=1):
    """Images used per epoch: all ``m``, less the few that would leave the last batch
    with a size that is not a multiple of ``replicas`` (a different few each epoch)."""
    return m - (m % batch_size) % replicas


def training_dataset(X, Y, batch_size, epochs, seed, replicas=1):
    """tf.data pipeline of ``epochs`` epochs: each epoch a fresh permutation of (X, Y),
    augmented, in batches (the last one of each epoch may be smaller, but holds a multiple
    of ``replicas`` images).

    X -- float32 (m, 64, 64, 3) in [0, 1]; Y -- float32 one-hot (m, C)
    """
    import tensorflow as tf

    m = len(X)
    keep = epoch_size(m, batch_size, replicas)
    X_t, Y_t = tf.constant(X), tf.constant(Y)

    def one_epoch(epoch):
        epoch = tf.cast(epoch, tf.int32)
        order = tf.random.experimental.stateless_shuffle(
            tf.range(m), seed=tf.stack([tf.constant(seed, tf.int32), epoch])
        )[:keep]

        def load(i):
            image_seed = tf.stack([tf.constant(seed, tf.int32) + 1, epoch * m + i])
            return augment(tf.gather(X_t, i), image_seed), tf.gather(Y_t, i)

        return (
            tf.data.Dataset.from_tensor_slices(order)
            .map(load, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
            .batch(batch_size)
        )

    return tf.data.Dataset.range(epochs).flat_map(one_epoch).prefetch(tf.data.AUTOTUNE)


# ---------------------------------------------------------------------------- figures


def plot_learning_curves(history, best_epoch, learning_rates, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    epochs = np.arange(1, len(history["loss"]) + 1)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    domains = sorted(
        {k[4:].rsplit("_", 1)[0] for k in history if k.startswith("val_") and k.count("_") >= 2}
    )
    for ax, key, label in (
        (axes[0], "loss", "loss (cross-entropy, label-smoothed)"),
        (axes[1], "accuracy", "accuracy"),
    ):
        ax.plot(epochs, history[key], "o-", ms=3, label="training (augmented)")
        for domain, style in zip(domains, ("s--", "^:")):
            ax.plot(
                epochs, history[f"val_{domain}_{key}"], style, ms=3, label=f"validation {domain}"
            )
        ax.axvline(best_epoch, color="grey", ls=":", label=f"best epoch ({best_epoch})")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend()
    axes[0].set_yscale("log")  # validation spikes span a decade early on
    axes[0].yaxis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1.0, 2.0, 5.0)))
    axes[0].yaxis.set_major_formatter(matplotlib.ticker.FormatStrFormatter("%g"))
    axes[0].yaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    axes[1].set_ylim(0, 1.02)
    axes[2].plot(epochs, learning_rates, "o-", ms=3)
    axes[2].set_xlabel("epoch")
    axes[2].set_ylabel("learning rate (at the epoch's end)")
    axes[2].ticklabel_format(axis="y", style="sci", scilimits=(0, 0))
    axes[2].grid(alpha=0.3)
    axes[0].set_title("Loss")
    axes[1].set_title("Accuracy")
    axes[2].set_title("Learning-rate schedule")
    fig.suptitle("ResNet-50 on SIGNS: learning curves")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def plot_confusion_matrix(matrix, accuracy, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    n = len(matrix)
    fig, ax = plt.subplots(figsize=(6, 5.2))
    im = ax.imshow(matrix, cmap="Blues")
    for i in range(n):
        for j in range(n):
            ax.text(
                j,
                i,
                str(matrix[i, j]),
                ha="center",
                va="center",
                color="white" if matrix[i, j] > matrix.max() / 2 else "black",
            )
    ax.set_xticks(range(n))
    ax.set_yticks(range(n))
    ax.set_xlabel("predicted sign")
    ax.set_ylabel("true sign")
    ax.set_title(f"Test set confusion matrix (accuracy {accuracy:.1%})")
    fig.colorbar(im, ax=ax, label="images")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


# ------------------------------------------------------------------------------- main


def prepare_for_training(model, bn_momentum):
    """Zero-init the last batch norm of every residual branch, set the BN momentum.

    With gamma = 0 in ``bn*_branch2c`` each residual block starts as the identity (its
    shortcut) and the 50-layer network trains like a shallow one at first (Goyal et al.,
    2017, "Accurate, large minibatch SGD"). A lower momentum lets the moving statistics
    that validation uses follow the quickly changing weights of a short training.
    Returns the names of the zeroed layers.
    """
    import keras

    zeroed = []
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.momentum = bn_momentum
            if layer.name.endswith(ZERO_GAMMA_SUFFIX):
                layer.gamma.assign(np.zeros(layer.gamma.shape, dtype="float32"))
                zeroed.append(layer.name)
    return zeroed


def configure_devices(args):
    """Split the CPU into logical devices (before any op) and pick the strategy."""
    import tensorflow as tf

    if args.cpu_devices:
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * args.cpu_devices
        )
    if args.strategy == "default":
        return tf.distribute.get_strategy(), ["default (one device)"]
    gpus = tf.config.list_logical_devices("GPU")
    if gpus:
        devices = [d.name for d in gpus]
    else:
        devices = [d.name for d in tf.config.list_logical_devices("CPU")]
    return tf.distribute.MirroredStrategy(devices=devices), devices


class EpochLogger:
    """Keras callback factory: times each epoch, records the learning rate, validates on
    every domain and keeps the best weights in memory.

    ``validation`` -- {domain: (X, Y one-hot)}. The best epoch has the highest accuracy on
    its worst domain, ties broken by the lower mean validation loss over the domains
    (label-smoothed, as in training).
    """

    @staticmethod
    def make(schedule, steps_per_epoch, validation, loss, batch_size):
        import keras

        class _Logger(keras.callbacks.Callback):
            def __init__(self):
                super().__init__()
                self.epoch_seconds, self.learning_rates = [], []
                self.domains = {name: {"loss": [], "accuracy": []} for name in validation}
                self.best_key, self.best_epoch, self.best_weights = None, None, None

            def on_epoch_begin(self, epoch, logs=None):
                self._t0 = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                self.epoch_seconds.append(time.perf_counter() - self._t0)
                self.learning_rates.append(float(schedule((epoch + 1) * steps_per_epoch)))
                for name, (X, Y) in validation.items():
                    p = self.model.predict(X, batch_size=batch_size, verbose=0)
                    self.domains[name]["loss"].append(float(loss(Y, p)))
                    self.domains[name]["accuracy"].append(
                        float((p.argmax(1) == Y.argmax(1)).mean())
                    )
                worst = min(d["accuracy"][-1] for d in self.domains.values())
                mean_loss = float(np.mean([d["loss"][-1] for d in self.domains.values()]))
                print(
                    "  validation: "
                    + ", ".join(
                        f"{name} accuracy {d['accuracy'][-1]:.3f} loss {d['loss'][-1]:.3f}"
                        for name, d in self.domains.items()
                    ),
                    flush=True,
                )
                key = (worst, -mean_loss)
                if self.best_key is None or key > self.best_key:
                    self.best_key, self.best_epoch = key, epoch + 1
                    self.best_weights = self.model.get_weights()

        return _Logger()


def dataset_hashes(folder):
    """SHA-256 of train_signs.h5 and test_signs.h5 in ``folder`` (default datasets/)."""
    import resnets_utils

    folder = Path(folder) if folder is not None else resnets_utils.DATASETS_DIR
    return {
        name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
        for name in ("train_signs.h5", "test_signs.h5")
    }


def versions():
    import keras
    import tensorflow as tf

    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "numpy": np.__version__,
    }


def machine():
    """The CPU and platform, for the report: model name, vendor/family/model numbers, vector
    flags (as the benchmarks print them, ``benchmarks/benchutils.py``), CPU count, load."""
    if str(REPO_ROOT / "benchmarks") not in sys.path:
        sys.path.append(str(REPO_ROOT / "benchmarks"))
    import benchutils

    model, _, _ = benchutils.cpuinfo()
    generation = benchutils.cpu_generation()
    info = {
        "cpu": model,
        "cpu_count": os.cpu_count(),
        "platform": platform.platform(),
        "vector_flags": benchutils.vector_flags(),
    }
    if generation:
        info["cpu_generation"] = generation
    if hasattr(os, "getloadavg"):
        info["load_average_at_start"] = [round(x, 2) for x in os.getloadavg()]
    return info


def build_model(args, strategy, n_classes, total_steps, warmup_steps):
    """The reference ResNet-50, zero-init residual, compiled with AdamW on the schedule.
    Returns (model, schedule, loss)."""
    import keras
    import resnets_reference

    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=WARMUP_START_LEARNING_RATE,
        decay_steps=max(1, total_steps - warmup_steps),
        alpha=FINAL_LEARNING_RATE_SHARE,
        warmup_target=args.learning_rate,
        warmup_steps=warmup_steps,
    )
    loss = keras.losses.CategoricalCrossentropy(label_smoothing=args.label_smoothing)
    with strategy.scope():
        model = resnets_reference.ResNet50(input_shape=INPUT_SHAPE, classes=n_classes)
        prepare_for_training(model, args.bn_momentum)
        optimizer = keras.optimizers.AdamW(learning_rate=schedule, weight_decay=args.weight_decay)
        optimizer.exclude_from_weight_decay(var_names=NO_WEIGHT_DECAY)
        model.compile(optimizer=optimizer, loss=loss, metrics=["accuracy"])
    return model, schedule, loss


def fit_and_select(args, model, data, schedule, loss, steps_per_epoch, replicas):
    """Train for ``args.epochs``; the logger validates every domain after each epoch and
    keeps the chosen epoch's weights. Returns (logger, history dict, fit seconds)."""
    X_tr, Y_tr = data["train"]
    train_ds = training_dataset(X_tr, Y_tr, args.batch_size, args.epochs, args.seed, replicas)
    logger = EpochLogger.make(schedule, steps_per_epoch, data["validation"], loss, args.batch_size)
    verbose = args.verbose if args.verbose is not None else (1 if sys.stdout.isatty() else 2)
    t_fit = time.perf_counter()
    history = model.fit(
        train_ds,
        epochs=args.epochs,
        steps_per_epoch=steps_per_epoch,
        callbacks=[logger],
        verbose=verbose,
    )
    hist = {k: [float(v) for v in vals] for k, vals in history.history.items()}
    for name, values in logger.domains.items():
        hist[f"val_{name}_loss"], hist[f"val_{name}_accuracy"] = values["loss"], values["accuracy"]
    return logger, hist, time.perf_counter() - t_fit


def evaluate(weights, data, n_classes, batch_size, out):
    """The chosen weights in a fresh uncompiled model, tested once, saved and reloaded.
    Returns (model, a dict of test results)."""
    import keras
    import resnets_reference

    keras.backend.clear_session()
    final = resnets_reference.ResNet50(input_shape=INPUT_SHAPE, classes=n_classes)
    final.set_weights(weights)
    X_test, Y_test = data["test"]
    y_test = Y_test.argmax(axis=1)
    probabilities = final.predict(X_test, batch_size=batch_size, verbose=0)
    predicted = probabilities.argmax(axis=1)
    confusion = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(confusion, (y_test, predicted), 1)
    out.mkdir(parents=True, exist_ok=True)
    model_path = out / MODEL_FILE
    final.save(model_path)
    deflate(model_path)
    reloaded = keras.models.load_model(model_path)  # safe mode, as a learner loads it
    again = reloaded.predict(X_test, batch_size=batch_size, verbose=0).argmax(axis=1)
    return final, {
        "test_accuracy": float((predicted == y_test).mean()),
        "test_loss": float(keras.losses.CategoricalCrossentropy()(Y_test, probabilities)),
        "confusion": confusion,
        "model_path": model_path,
        "model_bytes": model_path.stat().st_size,
        "reload_matches": bool(np.array_equal(again, predicted)),
    }


def deflate(path):
    """Rewrite the .keras file (a zip archive that Keras stores uncompressed) with DEFLATE
    level 9: the float32 weights shrink by about 8% (95 MB to 87 MB), and every learner's
    clone with them. ``keras.models.load_model`` reads it as before."""
    import zipfile

    packed = path.with_suffix(".deflated")
    with (
        zipfile.ZipFile(path) as src,
        zipfile.ZipFile(packed, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as dst,
    ):
        for item in src.infolist():
            dst.writestr(
                item, src.read(item.filename), compress_type=zipfile.ZIP_DEFLATED, compresslevel=9
            )
    packed.replace(path)


def recipe(args, model, final, steps_per_epoch, warmup_steps, counts):
    """The recipe as run, written from the arguments, the constants and the models the code
    used: ``model`` the compiled one that trained, ``final`` the one saved (the reference's
    configuration with the chosen weights). Returns a dict of texts and numbers."""
    import resnets_reference

    renders = (
        f" and {counts['train_renders']} rendered pictures (signs_renderer, seed {args.seed})"
        if counts["train_renders"]
        else ""
    )
    build = resnets_reference.ResNet50
    return {
        "model": f"{build.__module__}.{build.__name__}(input_shape={final.input_shape[1:]}, "
        f"classes={final.output_shape[-1]}), inputs scaled to [0, 1]",
        "training_data": f"{counts['train_photos']} photos{renders}",
        "validation": f"{', '.join(f'{n} {k}' for k, n in counts['validation'].items())} "
        f"({counts['validation_photos']}"
        + ("; renders never trained on" if "renders" in counts["validation"] else "")
        + "); the epoch with the best accuracy on its worst "
        "domain (ties: lower mean validation loss) is kept; test set used "
        "once at the end",
        "batch_size": args.batch_size,
        "steps_per_epoch": steps_per_epoch,
        "optimizer": f"{type(model.optimizer).__name__}, weight decay {args.weight_decay} "
        f"(decoupled; not on {', '.join(NO_WEIGHT_DECAY)})",
        "learning_rate": f"linear warm-up {WARMUP_START_LEARNING_RATE:g} -> "
        f"{args.learning_rate} over {args.warmup_epochs:g} epochs ({warmup_steps} steps), "
        f"then cosine decay to {FINAL_LEARNING_RATE_SHARE * args.learning_rate:g} "
        "at the last step",
        "loss": f"categorical cross-entropy, label smoothing {args.label_smoothing}",
        "initialisation": f"the reference's ({kernel_initialisers(final)}), except gamma = 0 "
        "in the last batch norm of every residual branch "
        f"(bn*{ZERO_GAMMA_SUFFIX}, 'zero-init residual')",
        "batch_norm_momentum": f"{args.bn_momentum} while training",
        "saved_batch_norm_momentum": batch_norm_momenta(final),
        "augmentation": AUGMENTATION,
        "determinism": "keras.utils.set_random_seed(seed), "
        "tf.config.experimental.enable_op_determinism(), stateless "
        "random augmentation seeded by (seed, epoch, image)",
    }


def kernel_initialisers(model):
    """The kernel initialisers of ``model``'s layers as Keras names them, each once, as
    text: 'glorot_uniform(seed=0)'."""
    texts = []
    for layer in model.layers:
        initialiser = getattr(layer, "kernel_initializer", None)
        if initialiser is None:
            continue
        name = re.sub(r"(?<!^)(?=[A-Z])", "_", type(initialiser).__name__).lower()
        seed = initialiser.get_config().get("seed")
        text = f"{name}(seed={seed})" if seed is not None else f"{name}()"
        if text not in texts:
            texts.append(text)
    return ", ".join(texts)


def batch_norm_momenta(model):
    """The moving-average momentum of ``model``'s batch norms, each value once, as text:
    '0.99' for the reference as built."""
    import keras

    momenta = {
        layer.momentum
        for layer in model.layers
        if isinstance(layer, keras.layers.BatchNormalization)
    }
    return ", ".join(f"{m:g}" for m in sorted(momenta))


def start_run(args, argv):
    """Start the clock, describe the machine, set the devices up (before any op) and seed
    everything. Returns a dict: ``t_start`` (``time.perf_counter()`` seconds), ``started``
    (local time, text), ``machine`` (``machine()``), ``strategy`` and ``devices`` (names, as
    ``configure_devices`` gives them) and ``command`` (the command line, text)."""
    t_start = time.perf_counter()
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    info = machine()

    import tensorflow as tf

    strategy, devices = configure_devices(args)  # before any op
    import keras

    keras.utils.set_random_seed(args.seed)
    tf.config.experimental.enable_op_determinism()
    command = "tools/train_pretrained.py " + " ".join(argv if argv is not None else sys.argv[1:])
    return {
        "t_start": t_start,
        "started": started,
        "machine": info,
        "strategy": strategy,
        "devices": devices,
        "command": command,
    }


def prepare_data(args, run):
    """``load_data``'s dict for the run's devices, and a line saying what it holds.

    Adds ``files_sha256``, the SHA-256 of the SIGNS files as they are read now. On several
    devices, every validation set is cut to a multiple of their number (its count too).
    Raises SystemExit if --batch-size is not a multiple of the number of devices.
    """
    data_sha256 = dataset_hashes(args.data)  # of the files as they are read now
    data = load_data(args)
    replicas = run["strategy"].num_replicas_in_sync
    if replicas > 1 and args.batch_size % replicas:
        # Keras 3.15 under a tf.distribute strategy fails on a batch that splits unevenly.
        raise SystemExit(
            f"--batch-size {args.batch_size} must be a multiple of the {replicas} devices"
        )
    if replicas > 1:  # and every validation set a multiple of the device count
        data["validation"] = {
            k: (x[: len(x) - len(x) % replicas], y[: len(y) - len(y) % replicas])
            for k, (x, y) in data["validation"].items()
        }
        data["counts"]["validation"] = {k: len(v[0]) for k, v in data["validation"].items()}
    data["files_sha256"] = data_sha256
    counts = data["counts"]
    print(
        f"SIGNS: {counts['train_photos']} training photos and {counts['train_renders']} "
        f"renders; validation {counts['validation']}; {counts['test']} test photos; "
        f"strategy {args.strategy} on {run['devices']}",
        flush=True,
    )
    return data


def training_steps(args, n_train, replicas):
    """(steps per epoch, steps in all, warm-up steps) of training on ``n_train`` images
    in batches of --batch-size over ``replicas`` devices (see ``epoch_size``)."""
    steps_per_epoch = math.ceil(epoch_size(n_train, args.batch_size, replicas) / args.batch_size)
    total_steps = steps_per_epoch * args.epochs
    warmup_steps = int(round(args.warmup_epochs * steps_per_epoch))
    return steps_per_epoch, total_steps, warmup_steps


def write_report(args, run, data, logger, hist, fit_seconds, final, test, how):
    """Draw the two figures, then write report.json and REPORT.md into --out.

    ``run`` from ``start_run``, ``data`` from ``prepare_data``, (``logger``, ``hist``,
    ``fit_seconds``) from ``fit_and_select``, (``final``, ``test``) from ``evaluate``, ``how``
    from ``recipe``. Returns the wall time of the run up to the report, in seconds.
    """
    plot_learning_curves(
        hist, logger.best_epoch, logger.learning_rates, args.out / "learning_curves.png"
    )
    plot_confusion_matrix(
        test["confusion"], test["test_accuracy"], args.out / "confusion_matrix.png"
    )
    wall = time.perf_counter() - run["t_start"]
    times = os.times()  # this process's CPU time, on every OS (resource is POSIX only)
    cpu_seconds = times.user + times.system
    info, counts = run["machine"], data["counts"]
    if hasattr(os, "getloadavg"):
        info["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    report = {
        "model_file": MODEL_FILE,
        "model_bytes": test["model_bytes"],
        "parameters": int(final.count_params()),
        "test_accuracy": round(test["test_accuracy"], 4),
        "test_loss": round(test["test_loss"], 4),
        "test_images": counts["test"],
        "confusion_matrix": test["confusion"].tolist(),
        "best_epoch": logger.best_epoch,
        "best_val_worst_domain_accuracy": round(float(logger.best_key[0]), 4),
        "best_val_mean_loss": round(float(-logger.best_key[1]), 4),
        "reloaded_model_gives_same_predictions": test["reload_matches"],
        "epochs": args.epochs,
        "seconds_per_epoch": [round(s, 1) for s in logger.epoch_seconds],
        "median_seconds_per_epoch": round(float(np.median(logger.epoch_seconds)), 1),
        "fit_seconds": round(fit_seconds, 1),
        "wall_seconds": round(wall, 1),
        "cpu_seconds": round(cpu_seconds, 1),
        "quiet_wall_estimate_seconds": round(cpu_seconds / (os.cpu_count() or 1), 1),
        "started": run["started"],
        "seed": args.seed,
        "command": run["command"].strip(),
        "strategy": args.strategy,
        "devices": run["devices"],
        "versions": versions(),
        "machine": info,
        "data": {"files_sha256": data["files_sha256"], **counts, "subset": args.subset},
        "recipe": how,
        "history": {k: [round(v, 4) for v in vals] for k, vals in hist.items()},
        "learning_rate_at_epoch_end": [float(f"{lr:.3g}") for lr in logger.learning_rates],
    }
    (args.out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    (args.out / "REPORT.md").write_text(markdown_report(report))
    return wall


def finish(args, logger, test, wall):
    """Print the test results and the files written. Returns the exit status: 1, with the
    reason on stderr, if the model file is over MAX_MODEL_BYTES or the reloaded model
    predicts differently; else 0."""
    size = test["model_bytes"]
    print(
        f"\nTest accuracy {test['test_accuracy']:.4f}, test loss {test['test_loss']:.4f} "
        f"(best epoch {logger.best_epoch}/{args.epochs}); "
        f"{np.median(logger.epoch_seconds):.1f} s per epoch, wall time {wall / 60:.1f} min"
    )
    print(
        f"Wrote {test['model_path']} ({size / 1e6:.1f} MB), {args.out / 'REPORT.md'}, "
        f"{args.out / 'report.json'}, learning_curves.png, confusion_matrix.png"
    )
    if size > MAX_MODEL_BYTES:
        print(
            f"ERROR: the model file is {size / 1e6:.1f} MB, over the "
            f"{MAX_MODEL_BYTES / 1e6:.0f} MB limit",
            file=sys.stderr,
        )
        return 1
    if not test["reload_matches"]:
        print("ERROR: the reloaded model predicts differently", file=sys.stderr)
        return 1
    return 0


def main(argv=None):
    """Train, choose the epoch, test once, and write the model, its report and the figures
    into --out (with --replot, only redraw them). Returns the exit status (see ``finish``).
    """
    args = parse_args(argv)
    if args.replot:
        return replot(args.out)
    run = start_run(args, argv)
    replicas = run["strategy"].num_replicas_in_sync

    # Data
    data = prepare_data(args, run)
    n_classes = len(data["classes"])

    # Model
    steps_per_epoch, total_steps, warmup_steps = training_steps(
        args, len(data["train"][0]), replicas
    )
    model, schedule, loss = build_model(args, run["strategy"], n_classes, total_steps, warmup_steps)

    # Fit and select
    logger, hist, fit_seconds = fit_and_select(
        args, model, data, schedule, loss, steps_per_epoch, replicas
    )

    # Evaluate, once
    final, test = evaluate(logger.best_weights, data, n_classes, args.batch_size, args.out)

    # Report
    how = recipe(args, model, final, steps_per_epoch, warmup_steps, data["counts"])
    wall = write_report(args, run, data, logger, hist, fit_seconds, final, test, how)
    return finish(args, logger, test, wall)


def replot(out):
    """Redraw learning_curves.png, confusion_matrix.png and REPORT.md from report.json."""
    r = json.loads((Path(out) / "report.json").read_text())
    (Path(out) / "REPORT.md").write_text(markdown_report(r))
    plot_learning_curves(
        r["history"],
        r["best_epoch"],
        r["learning_rate_at_epoch_end"],
        Path(out) / "learning_curves.png",
    )
    plot_confusion_matrix(
        np.array(r["confusion_matrix"]), r["test_accuracy"], Path(out) / "confusion_matrix.png"
    )
    print(f"Redrew the figures and REPORT.md in {out}")
    return 0


def machine_text(mach):
    """'AMD EPYC (AuthenticAMD family 26 model 2), flags avx512f avx2 fma' from a report's
    machine entry; reports written before the flags were recorded give the name alone."""
    generation = f" ({mach['cpu_generation']})" if mach.get("cpu_generation") else ""
    flags = f", flags {mach['vector_flags']}" if mach.get("vector_flags") else ""
    return f"{mach['cpu']}{generation}{flags}"


def markdown_report(r):
    """REPORT.md's text from a report (the dict of report.json)."""
    return f"""# Pretrained ResNet-50 for SIGNS: training report

Written by `{r["command"]}` on {r["started"]}.

{summary_table(r)}

The load average counts every process on the machine: above the number of cores, other
work shared the CPU and the times above are longer than on a quiet machine.

## Recipe

{recipe_list(r["recipe"])}

## Test set confusion matrix (rows: true sign, columns: predicted)

{confusion_table(r["confusion_matrix"])}

![confusion matrix](confusion_matrix.png)

## Learning curves

![learning curves](learning_curves.png)

{epochs_table(r)}

Training loss and accuracy are measured on augmented images with label smoothing, so the
training loss cannot fall to 0.
"""


def summary_table(r):
    """REPORT.md's first table, of a report's results, times, run and data (Markdown)."""
    v, mach = r["versions"], r["machine"]
    return f"""| | |
|---|---|
| **test accuracy** | **{r["test_accuracy"]:.2%}** ({r["test_images"]} images) |
| test loss (cross-entropy) | {r["test_loss"]:.4f} |
| chosen epoch | {r["best_epoch"]} of {r["epochs"]} (validation accuracy on the worst domain {r["best_val_worst_domain_accuracy"]:.2%}, mean label-smoothed loss {r["best_val_mean_loss"]:.4f}) |
| time per epoch | median {r["median_seconds_per_epoch"]:.1f} s, fastest {min(r["seconds_per_epoch"]):.1f} s |
| training time (fit) | {r["fit_seconds"] / 60:.1f} min |
| wall time (all) | {r["wall_seconds"] / 60:.1f} min |
| CPU time | {r["cpu_seconds"] / 60:.1f} min, i.e. about {r["quiet_wall_estimate_seconds"] / 60:.1f} min of wall time on {r["machine"]["cpu_count"]} quiet cores (CPU time / cores; a lower bound) |
| model file | `{r["model_file"]}`, {r["model_bytes"] / 1e6:.1f} MB, {r["parameters"]:,} parameters, no optimizer state |
| reloaded with `keras.models.load_model` | {"same predictions" if r["reloaded_model_gives_same_predictions"] else "DIFFERENT predictions"} |
| seed | {r["seed"]} |
| strategy | {r["strategy"]} on {", ".join(r["devices"])} |
| versions | Python {v["python"]}, TensorFlow {v["tensorflow"]}, Keras {v["keras"]}, NumPy {v["numpy"]} |
| machine | {machine_text(mach)}, {mach["cpu_count"]} CPU cores; load average at start {mach.get("load_average_at_start")}, at end {mach.get("load_average_at_end")} |
| data | {r["data"]["train_photos"]} training photos and {r["data"]["train_renders"]} renders, validation {", ".join(f"{n} {k}" for k, n in r["data"]["validation"].items())}, {r["data"]["test"]} test photos; SHA-256 {", ".join(f"{k} {v[:12]}" for k, v in r["data"]["files_sha256"].items())} |"""


def recipe_list(rec):
    """REPORT.md's recipe, a Markdown list, from a report's ``recipe`` entry."""
    aug = "; ".join(f"{k.replace('_', ' ')}: {val}" for k, val in rec["augmentation"].items())
    # Reports written before the saved model's momentum was recorded: the reference's, 0.99.
    saved = rec.get("saved_batch_norm_momentum", "0.99")
    return f"""- Model: {rec["model"]}.
- Training data: {rec["training_data"]}.
- Validation: {rec["validation"]}.
- Batch size {rec["batch_size"]}, {rec["steps_per_epoch"]} steps per epoch.
- Optimizer: {rec["optimizer"]}.
- Learning rate: {rec["learning_rate"]}.
- Loss: {rec["loss"]}.
- Initialisation: {rec["initialisation"]}.
- Batch-norm momentum: {rec["batch_norm_momentum"]} (the saved model keeps {saved} in its configuration; it only matters when training).
- Augmentation (training images only, in the input pipeline): {aug}.
- Determinism: {rec["determinism"]}."""


def confusion_table(matrix):
    """The test set's confusion matrix (rows: true class) as a Markdown table."""
    classes = range(len(matrix))
    rows = "\n".join(
        f"| **{i}** | " + " | ".join(str(x) for x in row) + " |" for i, row in zip(classes, matrix)
    )
    return f"""| true \\ predicted | {" | ".join(str(i) for i in classes)} |
|---|{"---|" * len(matrix)}
{rows}"""


def epochs_table(r):
    """A report's history as a Markdown table: a row per epoch, with the training and each
    validation domain's loss and accuracy, the learning rate and the seconds."""
    hist = r["history"]
    domains = list(r["data"]["validation"])
    rows = "\n".join(
        f"| {e + 1} | {hist['loss'][e]:.3f} | {hist['accuracy'][e]:.3f} | "
        + "".join(
            f"{hist[f'val_{d}_loss'][e]:.3f} | {hist[f'val_{d}_accuracy'][e]:.3f} | "
            for d in domains
        )
        + f"{r['learning_rate_at_epoch_end'][e]:.2e} | {r['seconds_per_epoch'][e]:.0f} |"
        for e in range(len(hist["loss"]))
    )
    val_header = "".join(f"val loss {d} | val accuracy {d} | " for d in domains)
    return f"""| epoch | loss | accuracy | {val_header}learning rate | seconds |
|---|---|---|{"---|---|" * len(domains)}---|---|
{rows}"""


if __name__ == "__main__":
    sys.exit(main())
