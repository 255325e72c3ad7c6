"""The training command of the pretrained model: its distributed path, on a tiny set.

Runs ``tools/train_pretrained.py`` in a subprocess (so that splitting the CPU into two
logical devices happens before TensorFlow runs its first op) for one epoch on 64 images
of a small synthetic SIGNS-format dataset, with ``tf.distribute.MirroredStrategy`` over
two logical CPU devices, then checks the model file loads in safe mode with the reference
layer names, and that the report and the figures exist.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import h5py
import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
SCRIPT = REPO_ROOT / "tools" / "train_pretrained.py"

sys.path.insert(0, str(REPO_ROOT / "tools"))
import train_pretrained  # noqa: E402


def write_tiny_signs(folder, n_train=64, n_test=12, seed=0):
    """Write random SIGNS-format files (train_signs.h5, test_signs.h5) into ``folder``."""
    rng = np.random.default_rng(seed)
    for split, n in (("train", n_train), ("test", n_test)):
        with h5py.File(folder / f"{split}_signs.h5", "w") as f:
            f[f"{split}_set_x"] = rng.integers(0, 256, size=(n, 64, 64, 3), dtype=np.uint8)
            f[f"{split}_set_y"] = np.arange(n) % 6
            f["list_classes"] = np.arange(6)


def test_stratified_split_keeps_every_class():
    labels = np.repeat(np.arange(6), 180)
    train, val = train_pretrained.stratified_split(labels, 0.1, seed=0)
    assert len(val) == 108 and len(train) == 972
    assert np.bincount(labels[val]).tolist() == [18] * 6
    assert not set(train) & set(val)
    again_train, again_val = train_pretrained.stratified_split(labels, 0.1, seed=0)
    assert np.array_equal(val, again_val)


def test_epoch_size_leaves_a_multiple_of_the_devices_in_the_last_batch():
    assert train_pretrained.epoch_size(972, 32, 1) == 972
    assert train_pretrained.epoch_size(57, 32, 2) == 56
    assert train_pretrained.epoch_size(972, 32, 8) == 968


def test_augmentation_is_seeded_and_keeps_shape_and_range():
    import tensorflow as tf

    image = tf.constant(np.random.default_rng(0).random((64, 64, 3)), tf.float32)
    a = train_pretrained.augment(image, tf.constant([1, 2]))
    b = train_pretrained.augment(image, tf.constant([1, 2]))
    c = train_pretrained.augment(image, tf.constant([1, 3]))
    assert a.shape == (64, 64, 3)
    assert np.array_equal(a.numpy(), b.numpy())
    assert not np.array_equal(a.numpy(), c.numpy())
    assert 0.0 <= float(tf.reduce_min(a)) and float(tf.reduce_max(a)) <= 1.0


def test_mirrored_training_on_two_logical_cpus_writes_a_loadable_model(tmp_path):
    data, out = tmp_path / "data", tmp_path / "out"
    data.mkdir()
    write_tiny_signs(data)
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    result = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            "--data",
            str(data),
            "--subset",
            "64",
            "--epochs",
            "1",
            "--renders",
            "6",
            "--render-val",
            "5",
            "--strategy",
            "mirrored",
            "--cpu-devices",
            "2",
            "--out",
            str(out),
            "--verbose",
            "2",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]

    report = json.loads((out / "report.json").read_text())
    assert report["strategy"] == "mirrored"
    assert report["machine"]["vector_flags"]
    assert len(report["devices"]) == 2
    assert report["model_bytes"] <= 100 * 10**6
    assert report["reloaded_model_gives_same_predictions"]
    assert report["data"]["train_renders"] == 6
    assert report["data"]["validation"] == {"photos": 6, "renders": 4}  # even, for 2 devices
    assert set(report["history"]) >= {"val_photos_accuracy", "val_renders_loss"}
    for name in ("REPORT.md", "learning_curves.png", "confusion_matrix.png"):
        assert (out / name).stat().st_size > 0, name

    import zipfile

    import keras

    with zipfile.ZipFile(out / "resnet50_signs.keras") as packed:  # stored compressed
        assert {i.compress_type for i in packed.infolist()} == {zipfile.ZIP_DEFLATED}
    model = keras.models.load_model(out / "resnet50_signs.keras")  # safe mode
    assert model.count_params() == 23_600_006
    assert model.get_layer("res2a_branch2a") is not None
    assert model.get_layer("fc6").output.shape[-1] == 6
    assert not model.compiled  # saved without optimizer state


def test_report_names_the_cpu_with_its_flags_and_reads_older_reports():
    machine = train_pretrained.machine()
    assert machine["vector_flags"] and machine["cpu_count"] >= 1
    text = train_pretrained.machine_text(machine)
    assert text.startswith(machine["cpu"]) and f"flags {machine['vector_flags']}" in text
    older = {"cpu": "AMD EPYC", "cpu_count": 2}  # report.json written before the flags were kept
    assert train_pretrained.machine_text(older) == "AMD EPYC"
    newer = {
        **older,
        "cpu_generation": "AuthenticAMD family 26 model 2",
        "vector_flags": "avx512f avx2 fma",
    }
    assert train_pretrained.machine_text(newer) == (
        "AMD EPYC (AuthenticAMD family 26 model 2), flags avx512f avx2 fma"
    )
