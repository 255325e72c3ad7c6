"""What the course's notebooks share: set-up, the SIGNS data, images, plots and checks.

The data API is the original course's: ``load_dataset()`` returns the SIGNS images with
labels shaped (1, m), and ``convert_to_one_hot(Y, C)`` returns shape (C, m), so the
original ``train_signs.h5`` and ``test_signs.h5`` work unchanged when dropped into
``datasets/``. Every notebook calls ``setup_notebook()`` in its Setup cell.

Importing this module has no side effects: it sets no environment variable, changes no
import machinery, raises nothing and needs neither TensorFlow nor Keras, so a tool or a
test that only wants a path (``REPO_ROOT``, ``DATASETS_DIR``, ...) can import it anywhere.
The kernel's checks (``check_environment``) run in ``setup_notebook()``, which each
notebook's Setup cell calls before it imports Keras. Only the functions that need
TensorFlow import it.
"""

import os
import random
import shutil
import socket
import sys
from importlib import metadata
from pathlib import Path

import h5py
import numpy as np

TENSORFLOW_VERSION = "2.21"
COURSE_KERNEL = "Residual Networks (TF 2.21)"
KERNEL_HELP = (
    f"Run the notebooks in the course's kernel: in JupyterLab choose Kernel > Change Kernel... "
    f"> '{COURSE_KERNEL}', or start JupyterLab from the course's folder with `make lab` (or "
    f"`python course.py lab`), which selects it."
)
# Set by check_environment() where unset: Keras on TensorFlow, whatever ~/.keras/keras.json
# says, and TensorFlow's C++ start-up lines hidden (export a lower level to see them). The
# course's kernel and test runs get the same from course.py's COURSE_ENV, before anything
# is imported.
COURSE_ENVIRONMENT = {"KERAS_BACKEND": "tensorflow", "TF_CPP_MIN_LOG_LEVEL": "3"}


class CourseEnvironmentError(RuntimeError):
    """This Python cannot run the course (wrong kernel, backend or TensorFlow version)."""


def check_environment():
    """Make sure this Python can run the course; ``setup_notebook()`` calls it first.

    Keras 3 runs on several backends; the course's models, graders and pretrained model
    are Keras on TensorFlow. Raises CourseEnvironmentError, saying what is wrong and how to
    pick the course's kernel, when ``KERAS_BACKEND`` names another backend, when Keras was
    already imported with one, or when TensorFlow is missing or not version 2.21. Then sets
    the variables of ``COURSE_ENVIRONMENT`` that are unset, for the TensorFlow and Keras
    this process imports next.
    """
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    if backend != "tensorflow":
        raise CourseEnvironmentError(
            f"KERAS_BACKEND is set to {backend!r}, but the course's models are Keras on "
            "TensorFlow. Unset it (or set it to 'tensorflow') where you start Jupyter, then "
            f"restart the kernel. {KERNEL_HELP}"
        )
    keras = sys.modules.get("keras")
    if keras is not None and hasattr(keras, "backend") and keras.backend.backend() != "tensorflow":
        raise CourseEnvironmentError(
            f"Keras was imported with the {keras.backend.backend()!r} backend; the course "
            f"needs TensorFlow. Restart the kernel. {KERNEL_HELP}"
        )
    try:
        installed = metadata.version("tensorflow")
    except metadata.PackageNotFoundError:
        raise CourseEnvironmentError(
            f"TensorFlow is not installed in this kernel's Python ({sys.executable}). {KERNEL_HELP}"
        ) from None
    if ".".join(installed.split(".")[:2]) != TENSORFLOW_VERSION:
        raise CourseEnvironmentError(
            f"This kernel has TensorFlow {installed}; the course is written and tested for "
            f"TensorFlow {TENSORFLOW_VERSION}. {KERNEL_HELP}"
        )
    for name, value in COURSE_ENVIRONMENT.items():
        os.environ.setdefault(name, value)


REPO_ROOT = Path(__file__).resolve().parent
DATASETS_DIR = REPO_ROOT / "datasets"
IMAGES_DIR = REPO_ROOT / "images"
MODELS_DIR = REPO_ROOT / "models"
PRETRAINED_MODEL_PATH = MODELS_DIR / "resnet50_signs.keras"

N_CLASSES = 6
IMAGE_SHAPE = (64, 64, 3)
SIGN_NAMES = (
    "0: fingertips touch the thumb",
    "1: index finger",
    "2: index and middle (V)",
    "3: three fingers",
    "4: four fingers, thumb folded",
    "5: open hand",
)

GRAPHVIZ_HELP = (
    "Graphviz's `dot` program is not installed, so the model cannot be drawn. Install it "
    "with `sudo apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS) "
    "or `conda install -c conda-forge graphviz`, restart the kernel and run this cell again."
)


class DatasetError(ValueError):
    """A SIGNS file is missing or is not in the SIGNS format; the message says what to do."""


# ----------------------------------------------------------------------------- set-up


def setup_notebook(seed=0):
    """Prepare a notebook: check the kernel, quiet TensorFlow, seed everything, deterministic
    ops, plot style.

    First runs ``check_environment()``, which raises CourseEnvironmentError with the way
    out when this is not the course's kernel (another Keras backend, TensorFlow missing or
    not 2.21).

    Seeds Python's ``random``, NumPy and Keras (hence TensorFlow) with ``seed`` and turns
    on TensorFlow's op determinism, so that a notebook gives the same numbers each time it
    runs on the same kind of machine. Where TensorFlow sees no GPU, it turns off Grappler,
    TensorFlow's graph optimiser (``disable_meta_optimizer``): on the CPU measured when
    this was decided (2026-11-30), with oneDNN's AVX-512 or AVX2 kernels or without oneDNN,
    it took 1.3 s of the 5.5 s first step of ResNet-50's training and a quarter to a third
    of a small network's first call, and made no step faster. ``make bench`` measures it
    again (``first_step_grappler_off_saves``, ``training_grappler_off``; benchmarks/
    README.md, "What the figures decided"). On a GPU its layout and fusion passes matter,
    so there it stays on. Sets a readable Matplotlib style. When the
    environment variable ``RESNETS_NO_NETWORK`` is set (the tests set it), any attempt to
    reach another machine raises ``RuntimeError``.
    """
    check_environment()
    import absl.logging
    import keras
    import matplotlib.pyplot as plt
    import tensorflow as tf

    absl.logging.set_verbosity(absl.logging.ERROR)
    tf.get_logger().setLevel("ERROR")
    random.seed(seed)
    np.random.seed(seed)
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    if not tf.config.list_physical_devices("GPU"):
        tf.config.optimizer.set_experimental_options({"disable_meta_optimizer": True})
    plt.rcParams.update(
        {
            "figure.figsize": (8, 5),
            "figure.dpi": 100,
            "savefig.dpi": 100,
            "axes.grid": True,
            "grid.alpha": 0.3,
            "axes.titlesize": 13,
            "axes.labelsize": 11,
            "legend.fontsize": 10,
            "axes.spines.top": False,
            "axes.spines.right": False,
        }
    )
    np.set_printoptions(precision=4, suppress=True)
    if os.environ.get("RESNETS_NO_NETWORK"):
        block_network()


def block_network():
    """Make any connection to an address other than this machine raise ``RuntimeError``.

    Loopback stays open (Jupyter talks to its kernels over it). Used by the tests to prove
    that nothing downloads weights or data while a notebook runs.
    """
    if getattr(socket.socket.connect, "_resnets_guard", False):
        return
    original_connect = socket.socket.connect

    def guarded_connect(sock, address):
        host = address[0] if isinstance(address, tuple) else address
        if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(host):
            raise RuntimeError(
                f"network access to {address!r} blocked: the course must run offline "
                "(nothing may download weights or data)."
            )
        return original_connect(sock, address)

    guarded_connect._resnets_guard = True
    socket.socket.connect = guarded_connect


def _is_loopback(host):
    return host in ("localhost", "::1") or str(host).startswith("127.")


# ------------------------------------------------------------------------------- data


def load_dataset(path=None):
    """Load the SIGNS hand-sign images.

    Arguments:
    path -- folder holding ``train_signs.h5`` and ``test_signs.h5``; by default the
            repository's ``datasets/`` folder, whatever the working directory

    Returns:
    X_train_orig -- uint8 array (m_train, 64, 64, 3), pixel values 0..255
    Y_train_orig -- integer array (1, m_train), labels 0..5
    X_test_orig -- uint8 array (m_test, 64, 64, 3)
    Y_test_orig -- integer array (1, m_test)
    classes -- integer array (6,), the list of classes [0 1 2 3 4 5]

    Raises DatasetError, saying what is wrong and how to fix it, when a file is missing or
    not in the SIGNS format.
    """
    folder = Path(path) if path is not None else DATASETS_DIR
    if not folder.is_dir():
        raise DatasetError(
            f"The dataset folder {folder} does not exist. Pass the folder that holds "
            "train_signs.h5 and test_signs.h5, or regenerate the repository's files "
            "with `make datasets`."
        )
    X_train, Y_train, classes_train = _read_split(folder / "train_signs.h5", "train")
    X_test, Y_test, classes_test = _read_split(folder / "test_signs.h5", "test")
    if not np.array_equal(classes_train, classes_test):
        raise DatasetError(
            f"train_signs.h5 and test_signs.h5 disagree on the classes: "
            f"{classes_train.tolist()} in train, {classes_test.tolist()} in test. Both "
            "files must come from the same dataset."
        )
    return X_train, Y_train.reshape(1, -1), X_test, Y_test.reshape(1, -1), classes_train


def _read_split(file, split):
    """Read and check one SIGNS file; returns (X, Y, classes)."""
    if not file.is_file():
        raise DatasetError(
            f"{file} is missing. Regenerate the course's files with `make datasets`, or "
            f"copy the original SIGNS file {file.name} into {file.parent}."
        )
    if not h5py.is_hdf5(file):
        raise DatasetError(
            f"{file} is not an HDF5 file. SIGNS files are HDF5; regenerate them with "
            "`make datasets` or copy the original files again."
        )
    x_key, y_key = f"{split}_set_x", f"{split}_set_y"
    with h5py.File(file, "r") as f:
        missing = [key for key in (x_key, y_key, "list_classes") if key not in f]
        if missing:
            raise DatasetError(
                f"{file} lacks the dataset(s) {missing}; it holds {sorted(f.keys())}. A "
                f"SIGNS file holds '{x_key}', '{y_key}' and 'list_classes'."
            )
        X = np.array(f[x_key])
        Y = np.array(f[y_key])
        classes = np.array(f["list_classes"])

    if X.ndim != 4 or X.shape[1:] != IMAGE_SHAPE:
        raise DatasetError(
            f"'{x_key}' in {file} has shape {X.shape}; expected (m, 64, 64, 3): m RGB "
            "images of 64x64 pixels."
        )
    if X.dtype != np.uint8:
        raise DatasetError(
            f"'{x_key}' in {file} has dtype {X.dtype}; expected uint8 pixel values 0..255."
        )
    if Y.ndim == 2 and Y.shape[0] == 1:
        Y = Y[0]
    if Y.ndim != 1 or len(Y) != len(X):
        raise DatasetError(
            f"'{y_key}' in {file} has shape {Y.shape}; expected ({len(X)},), one label per image."
        )
    if not np.issubdtype(Y.dtype, np.integer):
        raise DatasetError(
            f"'{y_key}' in {file} has dtype {Y.dtype}; expected integer class labels."
        )
    if classes.ndim != 1 or not np.issubdtype(classes.dtype, np.integer):
        raise DatasetError(
            f"'list_classes' in {file} has shape {classes.shape} and dtype "
            f"{classes.dtype}; expected a 1-D integer array such as [0 1 2 3 4 5]."
        )
    bad = (Y < 0) | (Y >= len(classes))
    if bad.any():
        raise DatasetError(
            f"'{y_key}' in {file} has labels outside 0..{len(classes) - 1} at "
            f"{int(bad.sum())} image(s), e.g. {Y[bad][:5].tolist()}."
        )
    return X, Y.astype(np.int64), classes


def convert_to_one_hot(Y, C):
    """One-hot encode labels.

    Arguments:
    Y -- integer labels 0..C-1, shape (1, m) as load_dataset returns them, or (m,)
    C -- number of classes

    Returns:
    array of shape (C, m) with a 1 in row Y[i] of column i (transpose it for Keras,
    which wants (m, C))
    """
    Y = np.asarray(Y)
    if not np.issubdtype(Y.dtype, np.integer):
        if not np.all(np.equal(np.mod(Y, 1), 0)):
            raise ValueError(
                f"convert_to_one_hot needs whole-number labels; got {Y.dtype} values "
                "such as " + str(Y.reshape(-1)[:5].tolist()) + "."
            )
        Y = Y.astype(np.int64)
    labels = Y.reshape(-1)
    if labels.size and (labels.min() < 0 or labels.max() >= C):
        raise ValueError(
            f"convert_to_one_hot got labels from {labels.min()} to {labels.max()}, but "
            f"C={C} allows only 0..{C - 1}. Pass the number of classes as C."
        )
    return np.eye(C)[labels].T


# ----------------------------------------------------------------------------- images


# The first bytes of HEIF files (iPhone photos: .heic): "ftyp" at byte 4, then a brand.
HEIF_BRANDS = (
    b"heic",
    b"heix",
    b"heim",
    b"heis",
    b"hevc",
    b"hevx",
    b"hevm",
    b"hevs",
    b"mif1",
    b"msf1",
)


class ImageLoadError(ValueError):
    """A photo cannot be used as the model's input; the message says why and what to do."""


def load_image(path, size=64):
    """Load a photo as the model's input, the way a camera meant it to be seen.

    Any image Pillow reads (JPEG, PNG, WebP, ...), any size: the EXIF orientation that
    phones record is applied (a portrait photo stays upright), 16-bit images are scaled to
    8 bits (not clipped), transparency is composited on white, grey images become RGB.
    The picture is then centre-cropped to a square and resized with Lanczos filtering.

    Arguments:
    path -- the photo's file
    size -- side of the model's input in pixels (64 for the course's ResNet-50)

    Returns:
    (original, x) -- ``original`` the square RGB photo as uint8 (H, H, 3) for display,
    ``x`` float32 (1, size, size, 3) with values in [0, 1], ready for ``model.predict``
    (``x[0]`` is exactly what the model sees)

    Raises FileNotFoundError when there is no file at ``path``, and ImageLoadError when the
    file is not an image Pillow can read, is an iPhone HEIC photo, or is cut off (an
    incomplete download or copy); each message says what to do.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(
            f"No image at {path}. Put your photo in the images/ folder and set "
            "`img_path` to its file name, e.g. resnets_utils.IMAGES_DIR / 'my_photo.jpg'."
        )
    try:
        with Image.open(path) as opened:
            opened.load()
            img = ImageOps.exif_transpose(opened)
    except UnidentifiedImageError:
        with open(path, "rb") as f:
            head = f.read(12)
        if head[4:8] == b"ftyp" and head[8:12] in HEIF_BRANDS:
            raise ImageLoadError(
                f"{path} is a HEIC photo (the iPhone's default format), which Pillow cannot "
                "read. Export it as JPEG: on the iPhone set Settings > Camera > Formats > "
                "Most Compatible, or open it in Photos (macOS) or Preview and use File > "
                "Export > JPEG, or share it by mail or AirDrop, which converts it."
            ) from None
        raise ImageLoadError(
            f"{path} is not an image Pillow can read. Use a JPEG or PNG photo."
        ) from None
    except (OSError, SyntaxError) as error:
        raise ImageLoadError(
            f"{path} could not be read to the end ({error}): the file is incomplete or "
            "damaged, e.g. a download or copy that stopped early. Copy or download it again."
        ) from None
    img = _to_rgb(img)
    side = min(img.size)
    left, top = (img.width - side) // 2, (img.height - side) // 2
    img = img.crop((left, top, left + side, top + side))
    small = img.resize((size, size), Image.Resampling.LANCZOS)
    x = np.asarray(small, dtype=np.float32)[np.newaxis] / 255.0
    return np.asarray(img), x


def _to_rgb(img):
    """An 8-bit RGB copy of a Pillow image of any mode (16-bit and float images scaled)."""
    from PIL import Image

    if img.mode in ("I;16", "I;16L", "I;16B", "I;16N", "I", "F"):
        values = np.asarray(img, dtype=np.float64)
        if img.mode.startswith("I;16") or values.max(initial=0) > 255:
            full_scale = 65535.0 if values.max(initial=0) <= 65535 else values.max()
        elif img.mode == "F" and values.max(initial=0) <= 1.0:
            full_scale = 1.0
        else:
            full_scale = 255.0
        grey = np.clip(np.rint(values / full_scale * 255.0), 0, 255).astype(np.uint8)
        return Image.fromarray(grey).convert("RGB")
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        rgb = Image.new("RGB", rgba.size, (255, 255, 255))
        rgb.paste(rgba, mask=rgba.getchannel("A"))
        return rgb
    return img.convert("RGB")


def plot_samples(X, Y, n_per_class=6, seed=0, title="SIGNS samples"):
    """Show ``n_per_class`` random images of every class in a labelled grid.

    Arguments:
    X -- uint8 images (m, 64, 64, 3)
    Y -- labels, shape (1, m) or (m,)
    """
    import matplotlib.pyplot as plt

    labels = np.asarray(Y).reshape(-1)
    classes = np.unique(labels)
    rng = np.random.default_rng(seed)
    fig, axes = plt.subplots(
        len(classes), n_per_class, figsize=(1.5 * n_per_class, 1.6 * len(classes))
    )
    axes = np.atleast_2d(axes)
    for row, c in zip(axes, classes):
        picks = rng.choice(np.flatnonzero(labels == c), size=n_per_class, replace=False)
        for ax, i in zip(row, picks):
            ax.imshow(X[i])
            ax.set_xticks([])
            ax.set_yticks([])
            ax.grid(False)
        row[0].set_ylabel(f"y = {c}", rotation=0, labelpad=25, fontsize=12)
    fig.suptitle(title)
    fig.tight_layout()
    show_as_jpeg(fig)


def plot_history(history, title="Learning curves"):
    """Plot loss and accuracy per epoch from a ``keras.callbacks.History``.

    Draws the training curves and, when ``fit`` had validation data, the validation ones.
    """
    import matplotlib.pyplot as plt

    hist = history.history
    epochs = np.arange(1, len(hist["loss"]) + 1)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 4))
    for ax, key, label in (
        (ax_loss, "loss", "loss (cross-entropy)"),
        (ax_acc, "accuracy", "accuracy"),
    ):
        ax.plot(epochs, hist[key], "o-", label="training")
        if "val_" + key in hist:
            ax.plot(epochs, hist["val_" + key], "s--", label="validation")
        ax.set_xlabel("epoch")
        ax.set_ylabel(label)
        ax.set_xticks(epochs)
        ax.legend()
    ax_acc.set_ylim(0, 1.02)
    fig.suptitle(title)
    fig.tight_layout()
    plt.show()


def show_as_jpeg(fig, quality=85):
    """Display a Matplotlib figure of photos inline as a JPEG, and close it.

    Photos compress ten times better as JPEG than as the PNG Jupyter uses by default, which
    keeps the notebooks that show them small.
    """
    import io

    import matplotlib.pyplot as plt
    from IPython.display import Image as DisplayImage
    from IPython.display import display

    buffer = io.BytesIO()
    fig.savefig(buffer, format="jpeg", pil_kwargs={"quality": quality})
    plt.close(fig)
    display(DisplayImage(data=buffer.getvalue(), format="jpeg"))


def plot_prediction(image, probabilities, model_input=None, class_names=SIGN_NAMES):
    """Show a photo, the picture the model received, and the model's class probabilities.

    Arguments:
    image -- the photo, uint8 (H, W, 3)
    probabilities -- the model's softmax output for it, shape (C,) or (1, C)
    model_input -- optional: what the model received, (64, 64, 3) or (1, 64, 64, 3) with
                   values in [0, 1] (``load_image``'s ``x``); drawn pixel for pixel
    class_names -- one label per class, for the bars
    """
    import matplotlib.pyplot as plt

    p = np.asarray(probabilities).reshape(-1)
    predicted = int(np.argmax(p))
    panels = 3 if model_input is not None else 2
    ratios = [1, 1, 1.9] if panels == 3 else [1, 1.9]
    fig, axes = plt.subplots(
        1,
        panels,
        figsize=(4.6 * panels, 4.2),
        layout="constrained",
        gridspec_kw={"width_ratios": ratios},
    )
    ax_img, ax_bar = axes[0], axes[-1]
    ax_img.imshow(image)
    ax_img.set_axis_off()
    ax_img.set_title(f"your photo ({image.shape[1]}x{image.shape[0]})")
    if model_input is not None:
        seen = np.asarray(model_input).reshape(np.shape(model_input)[-3:])
        axes[1].imshow(np.clip(seen, 0, 1), interpolation="nearest")
        axes[1].set_axis_off()
        axes[1].set_title(f"what the model sees ({seen.shape[1]}x{seen.shape[0]})")
    colors = ["tab:orange" if c == predicted else "tab:blue" for c in range(len(p))]
    ax_bar.barh(range(len(p)), p, color=colors)
    ax_bar.set_yticks(range(len(p)), class_names[: len(p)])
    ax_bar.invert_yaxis()
    ax_bar.set_xlim(0, 1)
    ax_bar.set_xlabel("probability")
    ax_bar.set_title(f"prediction: {predicted} (p = {p[predicted]:.2f})")
    show_as_jpeg(fig)


def predict_photo(model, path, size=64, name=None):
    """Load a photo with ``load_image``, predict its sign, say it, and show ``plot_prediction``.

    Arguments:
    model -- a Keras model taking (1, size, size, 3) inputs in [0, 1], softmax output (1, C)
    path -- the photo's file; size -- the model's input side in pixels
    name -- what to call the photo in the printed line "<name>: predicted sign N"
            (default: its file name)

    Returns the probabilities, float32 (C,). Raises what ``load_image`` raises.
    """
    image, x = load_image(path, size)
    probabilities = np.asarray(model.predict(x, verbose=0))[0]
    print(f"{name or Path(path).name}: predicted sign {int(np.argmax(probabilities))}")
    plot_prediction(image, probabilities, model_input=x)
    return probabilities


def photo_upload(model, default=None, size=64):
    """An upload button for a photo of your hand, with the model's answer below it.

    The answer for ``default`` (the course's ``images/my_image.jpg`` unless given) is shown
    at once, so the cell needs no one to click. A photo chosen with the button replaces it:
    the photo, the 64x64 picture the model sees and the six probabilities, through
    ``load_image`` as any photo. The uploaded bytes are only written to a temporary file
    that is deleted at once, and the button is emptied afterwards, so the photo is stored
    nowhere, not in the notebook either (the course's JupyterLab does not save widget
    state). A file that is not a usable photo gets ``load_image``'s message, not a trace.

    Arguments:
    model -- as for ``predict_photo``; default -- path of the photo shown first

    Returns an ipywidgets VBox (the FileUpload button, then an Output area); its attribute
    ``last_probabilities`` holds the latest answer, float32 (C,).
    """
    import tempfile

    import ipywidgets as widgets

    upload = widgets.FileUpload(
        accept="image/*",
        multiple=False,
        description="Upload a photo",
        layout=widgets.Layout(width="14em"),
    )
    shown = widgets.Output()
    box = widgets.VBox([upload, shown])
    default = Path(default) if default is not None else IMAGES_DIR / "my_image.jpg"

    def show(path, name):
        shown.clear_output(wait=True)
        with shown:
            try:
                box.last_probabilities = predict_photo(model, path, size, name)
            except (ImageLoadError, FileNotFoundError) as error:
                print(f"{name}: {error}")

    def on_upload(change):
        if not change["new"]:
            return
        file = change["new"][0]
        suffix = Path(file["name"]).suffix
        with tempfile.TemporaryDirectory(prefix="resnets-photo-") as folder:
            path = Path(folder) / f"upload{suffix}"
            path.write_bytes(bytes(file["content"]))
            show(path, file["name"])
        upload.value = ()  # the bytes leave the widget's state

    upload.observe(on_upload, names="value")
    box.last_probabilities = None
    show(default, f"{default.name} (the course's sample photo)")
    return box


# ----------------------------------------------------------------------------- models


def transfer_weights_by_name(source, target, rename=None):
    """Copy every layer's weights from ``source`` into the layer of the same name in ``target``.

    ``rename``, when given, maps a layer name of ``source`` to the name of its counterpart
    in ``target`` (e.g. ``keras_applications_layer_name``). Returns the number of layers
    copied. Raises ValueError naming the layer when ``target`` lacks a layer of ``source``
    or when the two layers' weight shapes differ, which is how an architecture that differs
    from the reference shows up.
    """
    copied = 0
    for layer in source.layers:
        weights = layer.get_weights()
        if not weights:
            continue
        name = rename(layer.name) if rename is not None else layer.name
        counterpart = f" (the counterpart of '{layer.name}')" if name != layer.name else ""
        try:
            twin = target.get_layer(name)
        except ValueError:
            raise ValueError(
                f"The model has no layer named '{name}'{counterpart}. Check the names of "
                "your layers against the reference's (e.g. 'res2a_branch2a', 'bn2a_branch2a')."
            ) from None
        shapes = [tuple(w.shape) for w in weights]
        twin_shapes = [tuple(w.shape) for w in twin.get_weights()]
        if shapes != twin_shapes:
            raise ValueError(
                f"Layer '{name}' has weights of shapes {twin_shapes}, expected "
                f"{shapes}{counterpart}: its filters, kernel size or input channels "
                "differ from the reference ResNet-50."
            )
        twin.set_weights(weights)
        copied += 1
    return copied


def draw_model(model, to_file=None, **kwargs):
    """Draw ``model`` with ``keras.utils.plot_model`` and return the image for display.

    Saves a PNG to ``to_file`` (default ``images/model.png``), with layer names and shapes,
    stored with a 16-colour palette so that a notebook showing it stays small. Where
    Graphviz's ``dot`` program is missing, prints how to install it and returns None
    instead of raising. ``kwargs`` go to ``plot_model``.
    """
    import keras
    from IPython.display import Image as DisplayImage
    from PIL import Image

    to_file = Path(to_file) if to_file is not None else IMAGES_DIR / "model.png"
    if shutil.which("dot") is None:
        print(GRAPHVIZ_HELP)
        return None
    kwargs.setdefault("show_shapes", True)
    kwargs.setdefault("show_layer_names", True)
    kwargs.setdefault("dpi", 40)
    keras.utils.plot_model(model, to_file=str(to_file), **kwargs)
    with Image.open(to_file) as drawing:
        small = drawing.convert("RGB").quantize(colors=16)
    small.save(to_file, optimize=True)
    return DisplayImage(filename=str(to_file))


# ----------------------------------------------------------------------- block diagrams


_BLOCK_COLORS = {"conv": "#9ecae1", "bn": "#fdd0a2", "relu": "#c7e9c0", "add": "#e0e0e0"}
# Box width and height, the gap between boxes, the heights of the main path and the
# shortcut: in the drawing's own units (the axes are equal-aspect).
_BOX_W, _BOX_H, _GAP, _Y_MAIN, _Y_SHORT = 0.95, 1.0, 0.45, 0.0, 1.85


def _arrow(ax, start, end):
    """An arrow from point ``start`` to point ``end`` (x, y), in the drawing's style."""
    from matplotlib.patches import FancyArrowPatch

    ax.add_patch(
        FancyArrowPatch(start, end, arrowstyle="-|>", mutation_scale=14, lw=1.4, color="#333333")
    )


def _box(ax, x, y, style, label):
    """A rounded box of ``_BLOCK_COLORS[style]`` with its left edge at x, centred on y."""
    from matplotlib.patches import FancyBboxPatch

    ax.add_patch(
        FancyBboxPatch(
            (x, y - _BOX_H / 2),
            _BOX_W,
            _BOX_H,
            boxstyle="round,pad=0.02,rounding_size=0.08",
            fc=_BLOCK_COLORS[style],
            ec="#333333",
            lw=1.1,
        )
    )
    ax.text(x + _BOX_W / 2, y, label, ha="center", va="center", fontsize=16 if label == "+" else 9)


def _main_path_layers(kind):
    """The main path's layers, input to output, as (style, label) pairs."""
    stride = "\nstride s" if kind == "convolutional" else ""
    return [
        ("conv", f"CONV2D\n1x1, F1\nvalid{stride}"),
        ("bn", "Batch\nNorm"),
        ("relu", "ReLU"),
        ("conv", "CONV2D\nfxf, F2\nsame"),
        ("bn", "Batch\nNorm"),
        ("relu", "ReLU"),
        ("conv", "CONV2D\n1x1, F3\nvalid"),
        ("bn", "Batch\nNorm"),
        ("add", "+"),
        ("relu", "ReLU"),
    ]


def _draw_main_path(ax, layers, xs):
    """The input, one box per layer at the x positions ``xs``, the output. Returns the x
    of the last box's right edge."""
    ax.text(0.15, _Y_MAIN, "X\n(input)", ha="center", va="center", fontsize=11)
    _arrow(ax, (0.4, _Y_MAIN), (xs[0], _Y_MAIN))
    for i, (style, label) in enumerate(layers):
        _box(ax, xs[i], _Y_MAIN, style, label)
        if i + 1 < len(layers):
            _arrow(ax, (xs[i] + _BOX_W, _Y_MAIN), (xs[i + 1], _Y_MAIN))
    x_end = xs[-1] + _BOX_W
    _arrow(ax, (x_end, _Y_MAIN), (x_end + 0.5, _Y_MAIN))
    ax.text(x_end + 0.75, _Y_MAIN, "output", ha="left", va="center", fontsize=11)
    return x_end


def _draw_components(ax, xs):
    """A dashed frame, and its name, around each of the main path's three components."""
    from matplotlib.patches import Rectangle

    for c in range(3):
        left, right = xs[3 * c] - 0.12, xs[min(3 * c + 2, 7)] + _BOX_W + 0.12
        ax.add_patch(
            Rectangle(
                (left, _Y_MAIN - 0.72),
                right - left,
                1.44,
                fill=False,
                ls="--",
                lw=0.8,
                ec="#777777",
            )
        )
        ax.text(
            (left + right) / 2,
            _Y_MAIN - 0.87,
            f"component {c + 1} of the main path",
            ha="center",
            va="top",
            fontsize=9,
            color="#555555",
        )


def _draw_shortcut(ax, kind, xs):
    """The shortcut along the top, from the input into the addition (box ``xs[8]``), with
    the convolutional block's 1x1 convolution and BatchNorm on it."""
    x_add = xs[8] + _BOX_W / 2
    x_split = 0.55
    ax.plot([x_split, x_split], [_Y_MAIN, _Y_SHORT], color="#333333", lw=1.4)
    if kind == "convolutional":
        x_conv = (xs[3] + xs[4]) / 2
        ax.plot([x_split, x_conv - _GAP], [_Y_SHORT, _Y_SHORT], color="#333333", lw=1.4)
        _arrow(ax, (x_conv - _GAP, _Y_SHORT), (x_conv, _Y_SHORT))
        _box(ax, x_conv, _Y_SHORT, "conv", "CONV2D\n1x1, F3\nvalid\nstride s")
        _arrow(ax, (x_conv + _BOX_W, _Y_SHORT), (x_conv + _BOX_W + _GAP, _Y_SHORT))
        _box(ax, x_conv + _BOX_W + _GAP, _Y_SHORT, "bn", "Batch\nNorm")
        ax.plot([x_conv + 2 * _BOX_W + _GAP, x_add], [_Y_SHORT, _Y_SHORT], color="#333333", lw=1.4)
        shortcut = "shortcut: a 1x1 convolution and a BatchNorm match the main path's shape"
    else:
        ax.plot([x_split, x_add], [_Y_SHORT, _Y_SHORT], color="#333333", lw=1.4)
        shortcut = "shortcut: the input, unchanged (skip connection)"
    _arrow(ax, (x_add, _Y_SHORT), (x_add, _Y_MAIN + _BOX_H / 2))
    ax.text(
        (x_split + x_add) / 2,
        _Y_SHORT + 0.62,
        shortcut,
        ha="center",
        va="bottom",
        fontsize=10,
        color="#333333",
    )


def plot_residual_block(kind="identity", to_file=None):
    """Draw the identity block or the convolutional block as boxes and arrows.

    Arguments:
    kind -- "identity" (the shortcut carries the input unchanged) or "convolutional" (the
            shortcut has a 1x1 convolution with stride s and a BatchNorm)
    to_file -- where to save the figure as PNG, if anywhere (the notebooks only show it)

    The main path runs left to right along the bottom, in its three components; the
    shortcut runs along the top and joins the main path at the addition. Raises
    ValueError for another ``kind``.
    """
    import matplotlib.pyplot as plt

    if kind not in ("identity", "convolutional"):
        raise ValueError(f"kind must be 'identity' or 'convolutional', not {kind!r}.")
    layers = _main_path_layers(kind)
    fig, ax = plt.subplots(figsize=(14, 3.6))
    xs = [1.0 + i * (_BOX_W + _GAP) for i in range(len(layers))]
    x_end = _draw_main_path(ax, layers, xs)
    _draw_components(ax, xs)
    _draw_shortcut(ax, kind, xs)

    title = "Identity block" if kind == "identity" else "Convolutional block"
    ax.set_title(f"{title}: output = ReLU(main path(X) + shortcut(X))", fontsize=13)
    ax.set_xlim(-0.1, x_end + 1.6)
    ax.set_ylim(-1.25, _Y_SHORT + 1.0)
    ax.set_aspect("equal")
    ax.set_axis_off()
    fig.tight_layout()
    if to_file is not None:
        fig.savefig(to_file, bbox_inches="tight")
    plt.show()


# ------------------------------------------------------------ Keras applications' ResNet50


def keras_applications_layer_name(name):
    """The reference's name for a layer of ``keras.applications.ResNet50``, or None.

    ``conv1_conv`` -> ``conv1``, ``conv1_bn`` -> ``bn_conv1``, ``predictions`` -> ``fc6``
    (six classes), and in the blocks ``conv{S}_block{N}_{i}_conv`` -> ``res{S}{letter}_branch
    {1, 2a, 2b, 2c}`` for i = 0 (the shortcut), 1, 2, 3, with ``_bn`` -> ``bn...``; block N
    is letter ``"abcdef"[N - 1]``. Layers without weights (padding, ReLU, addition,
    pooling) have no counterpart and give None.
    """
    import re

    fixed = {"conv1_conv": "conv1", "conv1_bn": "bn_conv1", "predictions": "fc6"}
    if name in fixed:
        return fixed[name]
    match = re.fullmatch(r"conv(\d)_block(\d+)_([0-3])_(conv|bn)", name)
    if match is None:
        return None
    stage, block, index, kind = match.groups()
    branch = {"0": "1", "1": "2a", "2": "2b", "3": "2c"}[index]
    prefix = "res" if kind == "conv" else "bn"
    return f"{prefix}{stage}{'abcdef'[int(block) - 1]}_branch{branch}"


def copy_keras_applications_weights(source, target):
    """Copy the weights of a ``keras.applications.ResNet50`` into a ResNet-50 of the reference's
    layout (``resnets_reference.ResNet50``).

    Every layer of ``source`` with weights is matched by ``keras_applications_layer_name``
    with the layer of ``target`` of that name, and its weights copied
    (``transfer_weights_by_name``). Returns the number of layers copied (107 for
    ResNet-50). Raises ValueError naming the layer when ``target`` lacks it or when the
    weight shapes differ.
    """
    return transfer_weights_by_name(source, target, rename=keras_applications_layer_name)
