"""The rendered SIGNS files: schema, reproducibility, independence of the splits, difficulty."""

from pathlib import Path

import h5py
import numpy as np
import pytest

from signs_renderer import __version__
from signs_renderer.build import PER_CLASS, image_params, image_seed, render_image, split_labels

DATASETS = Path(__file__).resolve().parents[1] / "datasets"
SPLITS = {"train": 1080, "test": 120}


@pytest.fixture(scope="module")
def data():
    """x, y, list_classes and attributes of both committed files."""
    out = {}
    for split in SPLITS:
        with h5py.File(DATASETS / f"{split}_signs.h5", "r") as f:
            out[split] = {
                "x": f[f"{split}_set_x"][:], "y": f[f"{split}_set_y"][:],
                "classes": f["list_classes"][:], "attrs": dict(f.attrs),
                "dtypes": (f[f"{split}_set_x"].dtype, f[f"{split}_set_y"].dtype, f["list_classes"].dtype),
            }
    return out


def test_schema_and_balance(data):
    for split, m in SPLITS.items():
        d = data[split]
        assert d["x"].shape == (m, 64, 64, 3)
        assert d["y"].shape == (m,)
        assert d["dtypes"] == (np.uint8, np.int64, np.int64)
        assert d["classes"].tolist() == [0, 1, 2, 3, 4, 5]
        assert np.bincount(d["y"], minlength=6).tolist() == [PER_CLASS[split]] * 6
        assert d["attrs"]["generator_version"] == __version__
        assert "seed" in d["attrs"]
        # Shuffled, not sorted by class.
        assert (np.diff(d["y"]) != 0).sum() > m // 3
        # Pictures are not blank: a light wall and a darker hand in every one.
        assert d["x"].reshape(m, -1).std(axis=1).min() > 5


@pytest.mark.parametrize(
    "split, indices",
    [("train", [0, 1, 97, 180, 333, 404, 512, 640, 777, 901, 1003, 1079]), ("test", [0, 13, 42, 77, 100, 119])],
)
def test_files_match_the_renderer(data, split, indices):
    seed = int(data[split]["attrs"]["seed"])
    assert np.array_equal(split_labels(seed, split), data[split]["y"])
    for i in indices:
        img = render_image(seed, split, i)
        diff = np.abs(img.astype(int) - data[split]["x"][i].astype(int)).max()
        assert diff <= 1, f"{split} picture {i} differs by {diff} levels"


def test_train_and_test_share_no_draw():
    seed = 0
    train_seeds = {tuple(image_seed(seed, "train", i).generate_state(2)) for i in range(SPLITS["train"])}
    test_seeds = {tuple(image_seed(seed, "test", i).generate_state(2)) for i in range(SPLITS["test"])}
    assert len(train_seeds) == SPLITS["train"] and len(test_seeds) == SPLITS["test"]
    assert not train_seeds & test_seeds
    assert not np.array_equal(split_labels(seed, "train")[:120], split_labels(seed, "test"))
    for i in range(40):
        label_tr, p_tr = image_params(seed, "train", i)
        label_te, p_te = image_params(seed, "test", i)
        v_tr, v_te = p_tr.as_vector(), p_te.as_vector()
        if label_tr == label_te:  # same layout: no single parameter may coincide
            assert np.all(v_tr != v_te)
        assert p_tr.noise_seed != p_te.noise_seed


def softmax_regression(x_train, y_train, x_test, y_test, iterations=400, l2=1e-3):
    """Best test accuracy of multinomial logistic regression on raw pixels.

    Full-batch gradient descent on the weights W of the normalised pixels. W stays in the
    span of the training pictures, W = X_train.T @ A, so the descent runs on A with the
    1080x1080 Gram matrix: the same iterates, much cheaper. Several learning rates are tried
    and the best test accuracy over all of them and all checkpoints is returned, which makes
    the bound on it strict.
    """
    xtr = x_train.reshape(len(x_train), -1) / 255.0
    xte = x_test.reshape(len(x_test), -1) / 255.0
    mean = xtr.mean(axis=0)
    xtr, xte = xtr - mean, xte - mean
    gram_tr, gram_te = xtr @ xtr.T, xte @ xtr.T
    m = len(xtr)
    onehot = np.eye(6)[y_train]
    lipschitz = np.linalg.eigvalsh(gram_tr)[-1] / m
    best = 0.0
    for factor in (0.5, 1.0, 2.0):
        lr = factor / lipschitz
        a = np.zeros((m, 6))
        b = np.zeros(6)
        for it in range(1, iterations + 1):
            z = gram_tr @ a + b
            z -= z.max(axis=1, keepdims=True)
            p = np.exp(z)
            p /= p.sum(axis=1, keepdims=True)
            g = (p - onehot) / m
            a -= lr * (g + l2 * a)
            b -= lr * g.sum(axis=0)
            if it % 20 == 0:
                best = max(best, float(((gram_te @ a + b).argmax(axis=1) == y_test).mean()))
    return best


def test_softmax_regression_on_pixels_stays_below_half(data):
    acc = softmax_regression(data["train"]["x"], data["train"]["y"], data["test"]["x"], data["test"]["y"])
    print(f"softmax regression test accuracy: {acc:.3f}")
    assert acc < 0.50
