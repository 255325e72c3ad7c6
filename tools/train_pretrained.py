"""Train the course's reference ResNet-50 on SIGNS and write the pretrained model with its report.

    .venv/bin/python tools/train_pretrained.py --seed 0          (or: make pretrained)

writes, in ``--out`` (default ``models/``):

- ``resnet50_signs.keras``: ``resnets_model.ResNet50()`` with the trained weights, saved
  uncompiled (no optimizer state, about 94 MB), loadable with
  ``keras.models.load_model(path)`` in safe mode. Its layer names are the reference's, so its
  weights also load by name into a learner's model of notebook 04;
- ``report.json`` and ``REPORT.md``: test accuracy and loss, best epoch, time per epoch,
  wall time, seed, versions, machine and the full recipe;
- ``learning_curves.png`` and ``confusion_matrix.png``.

The recipe: a stratified validation split of the training set picks the epoch (best
validation accuracy, ties broken by validation loss); the test set is used once, at the
end. Augmentation keeps the sign meaningful: small rotations, shifts and zooms, brightness
and contrast, horizontal flips (left and right hands both occur); nothing that could hide
or add a finger. AdamW (no decay on biases and batch-norm parameters), linear warm-up then
cosine decay of the learning rate, label smoothing.

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
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # run as a script from a checkout without the install
    sys.path.insert(0, str(REPO_ROOT))

MODEL_FILE = "resnet50_signs.keras"
MAX_MODEL_BYTES = 100 * 10**6


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description="Train the course's ResNet-50 on SIGNS; write the model and its report.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--seed", type=int, default=0, help="seeds everything")
    p.add_argument("--epochs", type=int, default=36, help="epochs of training")
    p.add_argument("--batch-size", type=int, default=32, help="global batch size")
    p.add_argument("--learning-rate", type=float, default=1e-3,
                   help="peak learning rate, reached at the end of the warm-up")
    p.add_argument("--warmup-epochs", type=float, default=2.0,
                   help="epochs of linear warm-up from 0 to the peak learning rate")
    p.add_argument("--weight-decay", type=float, default=0.05,
                   help="AdamW's decoupled weight decay (not applied to biases, BN)")
    p.add_argument("--label-smoothing", type=float, default=0.1)
    p.add_argument("--bn-momentum", type=float, default=0.9,
                   help="batch-norm moving-average momentum while training (the saved "
                        "model keeps the reference's 0.99 in its configuration)")
    p.add_argument("--val-fraction", type=float, default=0.1,
                   help="stratified share of the training set held out to pick the epoch")
    p.add_argument("--subset", type=int, default=None,
                   help="train on the first N training images only (for quick tests)")
    p.add_argument("--data", type=Path, default=None,
                   help="folder with train_signs.h5 and test_signs.h5 (default datasets/)")
    p.add_argument("--out", type=Path, default=REPO_ROOT / "models",
                   help="folder for the model, the report and the figures")
    p.add_argument("--strategy", choices=("default", "mirrored"), default="default",
                   help="'mirrored': tf.distribute.MirroredStrategy over the local GPUs, "
                        "or over --cpu-devices logical CPUs")
    p.add_argument("--cpu-devices", type=int, default=None,
                   help="split the CPU into N logical devices (for --strategy mirrored "
                        "without GPUs)")
    p.add_argument("--replot", action="store_true",
                   help="only redraw the two figures and REPORT.md from the "
                        "report.json in --out")
    p.add_argument("--verbose", type=int, choices=(0, 1, 2), default=None,
                   help="Keras fit verbosity; default: progress bar on a terminal, one "
                        "line per epoch otherwise")
    return p.parse_args(argv)


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
    angle = tf.random.stateless_uniform(
        [], seeds[1], -1.0, 1.0) * AUGMENTATION["rotation_degrees"] * math.pi / 180.0
    scale = tf.random.stateless_uniform([], seeds[2], *AUGMENTATION["zoom_range"])
    shift = tf.random.stateless_uniform(
        [2], seeds[3], -1.0, 1.0) * AUGMENTATION["shift_fraction"] * size
    # Inverse map (output pixel -> input pixel) of a rotation and zoom about the centre,
    # then a shift: the 8 parameters of ImageProjectiveTransformV3.
    c = (size - 1.0) / 2.0
    cos, sin = tf.cos(angle) / scale, tf.sin(angle) / scale
    a0, a1, b0, b1 = cos, -sin, sin, cos
    a2 = c - a0 * c - a1 * c - shift[0]
    b2 = c - b0 * c - b1 * c - shift[1]
    transform = tf.stack([a0, a1, a2, b0, b1, b2, 0.0, 0.0])[tf.newaxis]
    image = tf.raw_ops.ImageProjectiveTransformV3(
        images=image[tf.newaxis], transforms=transform, output_shape=tf.shape(image)[:2],
        fill_value=0.0, interpolation="BILINEAR", fill_mode="NEAREST")[0]
    image = tf.image.stateless_random_brightness(
        image, AUGMENTATION["brightness_delta"], seeds[4])
    image = tf.image.stateless_random_contrast(
        image, *AUGMENTATION["contrast_range"], seeds[5])
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
            tf.range(m), seed=tf.stack([tf.constant(seed, tf.int32), epoch]))[:keep]

        def load(i):
            image_seed = tf.stack([tf.constant(seed, tf.int32) + 1, epoch * m + i])
            return augment(tf.gather(X_t, i), image_seed), tf.gather(Y_t, i)

        return (tf.data.Dataset.from_tensor_slices(order)
                .map(load, num_parallel_calls=tf.data.AUTOTUNE, deterministic=True)
                .batch(batch_size))

    return (tf.data.Dataset.range(epochs).flat_map(one_epoch)
            .prefetch(tf.data.AUTOTUNE))


# ---------------------------------------------------------------------------- figures


def plot_learning_curves(history, best_epoch, learning_rates, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    epochs = np.arange(1, len(history["loss"]) + 1)
    fig, axes = plt.subplots(1, 3, figsize=(15, 4.2))
    for ax, key, label in ((axes[0], "loss", "loss (cross-entropy, label-smoothed)"),
                           (axes[1], "accuracy", "accuracy")):
        ax.plot(epochs, history[key], "o-", ms=3, label="training (augmented)")
        ax.plot(epochs, history["val_" + key], "s--", ms=3, label="validation")
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
            ax.text(j, i, str(matrix[i, j]), ha="center", va="center",
                    color="white" if matrix[i, j] > matrix.max() / 2 else "black")
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
            if layer.name.endswith("_branch2c"):
                layer.gamma.assign(np.zeros(layer.gamma.shape, dtype="float32"))
                zeroed.append(layer.name)
    return zeroed


def configure_devices(args):
    """Split the CPU into logical devices (before any op) and pick the strategy."""
    import tensorflow as tf

    if args.cpu_devices:
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * args.cpu_devices)
    if args.strategy == "default":
        return tf.distribute.get_strategy(), ["default (one device)"]
    gpus = tf.config.list_logical_devices("GPU")
    if gpus:
        devices = [d.name for d in gpus]
    else:
        devices = [d.name for d in tf.config.list_logical_devices("CPU")]
    return tf.distribute.MirroredStrategy(devices=devices), devices


class EpochLogger:
    """Keras callback factory: times each epoch, records the learning rate, keeps the best
    weights in memory (best validation accuracy, ties broken by lower validation loss)."""

    @staticmethod
    def make(schedule, steps_per_epoch):
        import keras

        class _Logger(keras.callbacks.Callback):
            def __init__(self):
                super().__init__()
                self.epoch_seconds, self.learning_rates = [], []
                self.best_key, self.best_epoch, self.best_weights = None, None, None

            def on_epoch_begin(self, epoch, logs=None):
                self._t0 = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                self.epoch_seconds.append(time.perf_counter() - self._t0)
                self.learning_rates.append(float(schedule((epoch + 1) * steps_per_epoch)))
                key = (logs["val_accuracy"], -logs["val_loss"])
                if self.best_key is None or key > self.best_key:
                    self.best_key, self.best_epoch = key, epoch + 1
                    self.best_weights = self.model.get_weights()

        return _Logger()


def dataset_hashes(folder):
    """SHA-256 of train_signs.h5 and test_signs.h5 in ``folder`` (default datasets/)."""
    import resnets_utils

    folder = Path(folder) if folder is not None else resnets_utils.DATASETS_DIR
    return {name: hashlib.sha256((folder / name).read_bytes()).hexdigest()
            for name in ("train_signs.h5", "test_signs.h5")}


def versions():
    import keras
    import tensorflow as tf

    return {"python": platform.python_version(), "tensorflow": tf.__version__,
            "keras": keras.__version__, "numpy": np.__version__}


def machine():
    """The CPU and platform, for the report: model name, vendor/family/model numbers, vector
    flags (as the benchmarks print them, ``benchmarks/benchutils.py``), CPU count, load."""
    if str(REPO_ROOT / "benchmarks") not in sys.path:
        sys.path.append(str(REPO_ROOT / "benchmarks"))
    import benchutils

    model, _, _ = benchutils.cpuinfo()
    generation = benchutils.cpu_generation()
    info = {"cpu": model, "cpu_count": os.cpu_count(), "platform": platform.platform(),
            "vector_flags": benchutils.vector_flags()}
    if generation:
        info["cpu_generation"] = generation
    if hasattr(os, "getloadavg"):
        info["load_average_at_start"] = [round(x, 2) for x in os.getloadavg()]
    return info


def main(argv=None):
    args = parse_args(argv)
    if args.replot:
        return replot(args.out)
    t_start = time.perf_counter()
    started = time.strftime("%Y-%m-%d %H:%M:%S %Z")
    info = machine()

    import tensorflow as tf
    strategy, devices = configure_devices(args)  # before any op

    import keras
    import resnets_model
    import resnets_utils

    keras.utils.set_random_seed(args.seed)
    tf.config.experimental.enable_op_determinism()

    data_sha256 = dataset_hashes(args.data)  # of the files as they are read now
    X_train_orig, Y_train_orig, X_test_orig, Y_test_orig, classes = (
        resnets_utils.load_dataset(args.data))
    n_classes = len(classes)
    labels = Y_train_orig.reshape(-1)
    if args.subset:
        X_train_orig, labels = X_train_orig[:args.subset], labels[:args.subset]
    train_idx, val_idx = stratified_split(labels, args.val_fraction, args.seed)
    replicas = strategy.num_replicas_in_sync
    if replicas > 1:
        # Keras 3.15 under a tf.distribute strategy fails on a batch that splits unevenly
        # over the devices at the start of fit/evaluate, and on a replica left with no
        # image: every batch must hold a multiple of the device count.
        if args.batch_size % replicas:
            raise SystemExit(f"--batch-size {args.batch_size} must be a multiple of the "
                             f"{replicas} devices")
        extra = len(val_idx) % replicas
        if extra:
            train_idx = np.sort(np.concatenate([train_idx, val_idx[-extra:]]))
            val_idx = val_idx[:-extra]
    X = X_train_orig.astype(np.float32) / 255.0
    Y = keras.utils.to_categorical(labels, n_classes).astype(np.float32)
    X_test = X_test_orig.astype(np.float32) / 255.0
    y_test = Y_test_orig.reshape(-1)
    Y_test = keras.utils.to_categorical(y_test, n_classes).astype(np.float32)
    X_tr, Y_tr, X_val, Y_val = X[train_idx], Y[train_idx], X[val_idx], Y[val_idx]
    print(f"SIGNS: {len(X_tr)} training, {len(X_val)} validation (stratified "
          f"{args.val_fraction:.0%} of the training set), {len(X_test)} test images; "
          f"strategy {args.strategy} on {devices}", flush=True)

    steps_per_epoch = math.ceil(epoch_size(len(X_tr), args.batch_size, replicas)
                                / args.batch_size)
    total_steps = steps_per_epoch * args.epochs
    warmup_steps = int(round(args.warmup_epochs * steps_per_epoch))
    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0, decay_steps=max(1, total_steps - warmup_steps),
        alpha=0.0, warmup_target=args.learning_rate, warmup_steps=warmup_steps)

    with strategy.scope():
        model = resnets_model.ResNet50(input_shape=X.shape[1:], classes=n_classes)
        prepare_for_training(model, args.bn_momentum)
        optimizer = keras.optimizers.AdamW(learning_rate=schedule,
                                           weight_decay=args.weight_decay)
        optimizer.exclude_from_weight_decay(var_names=["bias", "gamma", "beta"])
        model.compile(
            optimizer=optimizer,
            loss=keras.losses.CategoricalCrossentropy(label_smoothing=args.label_smoothing),
            metrics=["accuracy"])

    train_ds = training_dataset(X_tr, Y_tr, args.batch_size, args.epochs, args.seed,
                                replicas)
    val_ds = tf.data.Dataset.from_tensor_slices((X_val, Y_val)).batch(args.batch_size)
    logger = EpochLogger.make(schedule, steps_per_epoch)
    verbose = args.verbose if args.verbose is not None else (1 if sys.stdout.isatty() else 2)
    t_fit = time.perf_counter()
    history = model.fit(train_ds, epochs=args.epochs, steps_per_epoch=steps_per_epoch,
                        validation_data=val_ds, callbacks=[logger], verbose=verbose)
    fit_seconds = time.perf_counter() - t_fit

    # The chosen epoch's weights, in a fresh uncompiled model: no optimizer state in the file.
    keras.backend.clear_session()
    final = resnets_model.ResNet50(input_shape=X.shape[1:], classes=n_classes)
    final.set_weights(logger.best_weights)

    # The test set, once.
    probabilities = final.predict(X_test, batch_size=args.batch_size, verbose=0)
    predicted = probabilities.argmax(axis=1)
    test_accuracy = float((predicted == y_test).mean())
    test_loss = float(keras.losses.CategoricalCrossentropy()(Y_test, probabilities))
    confusion = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(confusion, (y_test, predicted), 1)

    args.out.mkdir(parents=True, exist_ok=True)
    model_path = args.out / MODEL_FILE
    final.save(model_path)
    size = model_path.stat().st_size
    reloaded = keras.models.load_model(model_path)  # safe mode, as a learner loads it
    reloaded_predicted = reloaded.predict(X_test, batch_size=args.batch_size, verbose=0)
    reload_matches = bool(np.array_equal(reloaded_predicted.argmax(axis=1), predicted))

    hist = {k: [float(v) for v in vals] for k, vals in history.history.items()}
    plot_learning_curves(hist, logger.best_epoch, logger.learning_rates,
                         args.out / "learning_curves.png")
    plot_confusion_matrix(confusion, test_accuracy, args.out / "confusion_matrix.png")

    wall = time.perf_counter() - t_start
    times = os.times()  # this process's CPU time, on every OS (resource is POSIX only)
    cpu_seconds = times.user + times.system
    if hasattr(os, "getloadavg"):
        info["load_average_at_end"] = [round(x, 2) for x in os.getloadavg()]
    command = "tools/train_pretrained.py " + " ".join(
        argv if argv is not None else sys.argv[1:])
    report = {
        "model_file": MODEL_FILE,
        "model_bytes": size,
        "parameters": int(final.count_params()),
        "test_accuracy": round(test_accuracy, 4),
        "test_loss": round(test_loss, 4),
        "test_images": int(len(X_test)),
        "confusion_matrix": confusion.tolist(),
        "best_epoch": logger.best_epoch,
        "best_val_accuracy": round(float(logger.best_key[0]), 4),
        "best_val_loss": round(float(-logger.best_key[1]), 4),
        "reloaded_model_gives_same_predictions": reload_matches,
        "epochs": args.epochs,
        "seconds_per_epoch": [round(s, 1) for s in logger.epoch_seconds],
        "median_seconds_per_epoch": round(float(np.median(logger.epoch_seconds)), 1),
        "fit_seconds": round(fit_seconds, 1),
        "wall_seconds": round(wall, 1),
        "cpu_seconds": round(cpu_seconds, 1),
        "quiet_wall_estimate_seconds": round(cpu_seconds / (os.cpu_count() or 1), 1),
        "started": started,
        "seed": args.seed,
        "command": command.strip(),
        "strategy": args.strategy,
        "devices": devices,
        "versions": versions(),
        "machine": info,
        "data": {"files_sha256": data_sha256,
                 "train": int(len(X_tr)), "validation": int(len(X_val)),
                 "test": int(len(X_test)), "subset": args.subset},
        "recipe": {
            "model": "resnets_model.ResNet50(input_shape=(64, 64, 3), classes=6), "
                     "inputs scaled to [0, 1]",
            "validation": f"stratified {args.val_fraction:.0%} of the training set; the "
                          "epoch with the best validation accuracy (ties: lower "
                          "validation loss) is kept; test set used once at the end",
            "batch_size": args.batch_size,
            "steps_per_epoch": steps_per_epoch,
            "optimizer": f"AdamW, weight decay {args.weight_decay} (decoupled; not on "
                         "biases, batch-norm gamma and beta)",
            "learning_rate": f"linear warm-up 0 -> {args.learning_rate} over "
                             f"{args.warmup_epochs:g} epochs ({warmup_steps} steps), then "
                             "cosine decay to 0 at the last step",
            "loss": f"categorical cross-entropy, label smoothing {args.label_smoothing}",
            "initialisation": "the reference's (glorot_uniform(seed=0)), except gamma = 0 in "
                              "the last batch norm of every residual branch "
                              "(bn*_branch2c, 'zero-init residual')",
            "batch_norm_momentum": f"{args.bn_momentum} while training",
            "augmentation": AUGMENTATION,
            "determinism": "keras.utils.set_random_seed(seed), "
                           "tf.config.experimental.enable_op_determinism(), stateless "
                           "random augmentation seeded by (seed, epoch, image)",
        },
        "history": {k: [round(v, 4) for v in vals] for k, vals in hist.items()},
        "learning_rate_at_epoch_end": [float(f"{lr:.3g}") for lr in logger.learning_rates],
    }
    (args.out / "report.json").write_text(json.dumps(report, indent=2) + "\n")
    (args.out / "REPORT.md").write_text(markdown_report(report))
    print(f"\nTest accuracy {test_accuracy:.4f}, test loss {test_loss:.4f} "
          f"(best epoch {logger.best_epoch}/{args.epochs}); "
          f"{np.median(logger.epoch_seconds):.1f} s per epoch, wall time {wall / 60:.1f} min")
    print(f"Wrote {model_path} ({size / 1e6:.1f} MB), {args.out / 'REPORT.md'}, "
          f"{args.out / 'report.json'}, learning_curves.png, confusion_matrix.png")
    if size > MAX_MODEL_BYTES:
        print(f"ERROR: the model file is {size / 1e6:.1f} MB, over the "
              f"{MAX_MODEL_BYTES / 1e6:.0f} MB limit", file=sys.stderr)
        return 1
    if not reload_matches:
        print("ERROR: the reloaded model predicts differently", file=sys.stderr)
        return 1
    return 0


def replot(out):
    """Redraw learning_curves.png, confusion_matrix.png and REPORT.md from report.json."""
    r = json.loads((Path(out) / "report.json").read_text())
    (Path(out) / "REPORT.md").write_text(markdown_report(r))
    plot_learning_curves(r["history"], r["best_epoch"], r["learning_rate_at_epoch_end"],
                         Path(out) / "learning_curves.png")
    plot_confusion_matrix(np.array(r["confusion_matrix"]), r["test_accuracy"],
                          Path(out) / "confusion_matrix.png")
    print(f"Redrew the figures and REPORT.md in {out}")
    return 0


def machine_text(mach):
    """'AMD EPYC (AuthenticAMD family 26 model 2), flags avx512f avx2 fma' from a report's
    machine entry; reports written before the flags were recorded give the name alone."""
    generation = f" ({mach['cpu_generation']})" if mach.get("cpu_generation") else ""
    flags = f", flags {mach['vector_flags']}" if mach.get("vector_flags") else ""
    return f"{mach['cpu']}{generation}{flags}"


def markdown_report(r):
    v, mach, rec = r["versions"], r["machine"], r["recipe"]
    classes = range(len(r["confusion_matrix"]))
    rows = "\n".join(f"| **{i}** | " + " | ".join(str(x) for x in row) + " |"
                     for i, row in zip(classes, r["confusion_matrix"]))
    aug = "; ".join(f"{k.replace('_', ' ')}: {val}" for k, val in rec["augmentation"].items())
    hist = r["history"]
    epochs_table = "\n".join(
        f"| {e + 1} | {hist['loss'][e]:.3f} | {hist['accuracy'][e]:.3f} | "
        f"{hist['val_loss'][e]:.3f} | {hist['val_accuracy'][e]:.3f} | "
        f"{r['learning_rate_at_epoch_end'][e]:.2e} | {r['seconds_per_epoch'][e]:.0f} |"
        for e in range(len(hist["loss"])))
    return f"""# Pretrained ResNet-50 for SIGNS: training report

Written by `{r['command']}` on {r['started']}.

| | |
|---|---|
| **test accuracy** | **{r['test_accuracy']:.2%}** ({r['test_images']} images) |
| test loss (cross-entropy) | {r['test_loss']:.4f} |
| chosen epoch | {r['best_epoch']} of {r['epochs']} (validation accuracy {r['best_val_accuracy']:.2%}, label-smoothed loss {r['best_val_loss']:.4f}) |
| time per epoch | median {r['median_seconds_per_epoch']:.1f} s, fastest {min(r['seconds_per_epoch']):.1f} s |
| training time (fit) | {r['fit_seconds'] / 60:.1f} min |
| wall time (all) | {r['wall_seconds'] / 60:.1f} min |
| CPU time | {r['cpu_seconds'] / 60:.1f} min, i.e. about {r['quiet_wall_estimate_seconds'] / 60:.1f} min of wall time on {r['machine']['cpu_count']} quiet cores (CPU time / cores; a lower bound) |
| model file | `{r['model_file']}`, {r['model_bytes'] / 1e6:.1f} MB, {r['parameters']:,} parameters, no optimizer state |
| reloaded with `keras.models.load_model` | {'same predictions' if r['reloaded_model_gives_same_predictions'] else 'DIFFERENT predictions'} |
| seed | {r['seed']} |
| strategy | {r['strategy']} on {', '.join(r['devices'])} |
| versions | Python {v['python']}, TensorFlow {v['tensorflow']}, Keras {v['keras']}, NumPy {v['numpy']} |
| machine | {machine_text(mach)}, {mach['cpu_count']} CPU cores; load average at start {mach.get('load_average_at_start')}, at end {mach.get('load_average_at_end')} |
| data | {r['data']['train']} training, {r['data']['validation']} validation, {r['data']['test']} test images; SHA-256 {', '.join(f"{k} {v[:12]}" for k, v in r['data']['files_sha256'].items())} |

The load average counts every process on the machine: above the number of cores, other
work shared the CPU and the times above are longer than on a quiet machine.

## Recipe

- Model: {rec['model']}.
- Validation: {rec['validation']}.
- Batch size {rec['batch_size']}, {rec['steps_per_epoch']} steps per epoch.
- Optimizer: {rec['optimizer']}.
- Learning rate: {rec['learning_rate']}.
- Loss: {rec['loss']}.
- Initialisation: {rec['initialisation']}.
- Batch-norm momentum: {rec['batch_norm_momentum']} (the saved model keeps 0.99 in its configuration; it only matters when training).
- Augmentation (training images only, in the input pipeline): {aug}.
- Determinism: {rec['determinism']}.

## Test set confusion matrix (rows: true sign, columns: predicted)

| true \\ predicted | {' | '.join(str(i) for i in classes)} |
|---|{'---|' * len(r['confusion_matrix'])}
{rows}

![confusion matrix](confusion_matrix.png)

## Learning curves

![learning curves](learning_curves.png)

| epoch | loss | accuracy | val loss | val accuracy | learning rate | seconds |
|---|---|---|---|---|---|---|
{epochs_table}

Training loss and accuracy are measured on augmented images with label smoothing, so the
training loss cannot fall to 0.
"""


if __name__ == "__main__":
    sys.exit(main())
