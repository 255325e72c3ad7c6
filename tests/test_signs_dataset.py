"""The SIGNS files built from the real photos, their split and licence; the renderer that
adds pictures to the pretrained model's training set."""

import sys
from collections import defaultdict
from pathlib import Path

import h5py
import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "tools"))
import build_datasets  # noqa: E402
from signs_renderer.build import image_params, image_seed, render_image, split_labels  # noqa: E402

DATASETS = REPO_ROOT / "datasets"
PHOTOS = DATASETS / "sign-language-digits"
SPLITS = {"train": 1080, "test": 120}


@pytest.fixture(scope="module")
def data():
    """x, y, list_classes and dtypes of both committed files."""
    out = {}
    for split in SPLITS:
        with h5py.File(DATASETS / f"{split}_signs.h5", "r") as f:
            out[split] = {
                "keys": sorted(f.keys()),
                "x": f[f"{split}_set_x"][:],
                "y": f[f"{split}_set_y"][:],
                "classes": f["list_classes"][:],
                "dtypes": (
                    f[f"{split}_set_x"].dtype,
                    f[f"{split}_set_y"].dtype,
                    f["list_classes"].dtype,
                ),
            }
    return out


@pytest.fixture(scope="module")
def rows():
    return build_datasets.read_split_file(DATASETS / build_datasets.SPLIT_FILE)


def test_schema_and_balance_are_the_original_signs(data):
    for split, m in SPLITS.items():
        d = data[split]
        assert d["keys"] == sorted([f"{split}_set_x", f"{split}_set_y", "list_classes"])
        assert d["x"].shape == (m, 64, 64, 3)
        assert d["y"].shape == (m,)
        assert d["dtypes"] == (np.uint8, np.int64, np.int64)
        assert d["classes"].tolist() == [0, 1, 2, 3, 4, 5]
        assert np.bincount(d["y"], minlength=6).tolist() == [m // 6] * 6
        assert (np.diff(d["y"]) != 0).sum() > m // 3  # classes mixed, not sorted


def test_every_photo_is_in_one_split_and_no_person_in_two(rows):
    photos = {path for path, _, _ in build_datasets.list_photos()}
    assert len(photos) == 1237
    assert sorted(r["file"] for r in rows) == sorted(photos)
    persons = defaultdict(set)
    for r in rows:
        persons[r["split"]].add(r["person"])
        assert r["file"].startswith(f"{r['label']}/")  # the class is the digit
    assert not persons["train"] & persons["test"]
    for split, m in SPLITS.items():
        assert sorted(r["index"] for r in rows if r["split"] == split) == list(range(m))
    assert sum(r["split"] == "extra" for r in rows) == 37


def test_files_hold_the_listed_photos_resized_as_load_image_does(data, rows):
    import resnets_utils

    for r in [r for r in rows if r["split"] != "extra"][::150]:
        _, x = resnets_utils.load_image(PHOTOS / "Dataset" / r["file"])
        expected = np.rint(x[0] * 255).astype(np.uint8)
        assert np.array_equal(data[r["split"]]["x"][r["index"]], expected), r
        assert data[r["split"]]["y"][r["index"]] == r["label"]


def test_a_rebuild_is_byte_identical_and_matches_the_committed_files(tmp_path, data):
    first, second = tmp_path / "a", tmp_path / "b"
    build_datasets.build(first, limit=10)
    build_datasets.build(second, limit=10)
    for name in ("train_signs.h5", "test_signs.h5", build_datasets.SPLIT_FILE):
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    for split in SPLITS:
        with h5py.File(first / f"{split}_signs.h5", "r") as f:
            assert np.array_equal(f[f"{split}_set_x"][:], data[split]["x"][:10])
            assert np.array_equal(f[f"{split}_set_y"][:], data[split]["y"][:10])


def test_person_grouping_follows_the_file_numbers():
    photos = [
        ("0/IMG_100.JPG", 0, 100),
        ("1/IMG_101.JPG", 1, 101),
        ("2/IMG_103.JPG", 2, 103),
        ("0/IMG_110.JPG", 0, 110),
        ("1/IMG_111.JPG", 1, 111),
    ]
    # 100-0, 101-1 and 103-2 = 100, 100, 101: one person; 110 and 110: the next one.
    assert build_datasets.person_ids(photos) == [0, 0, 0, 1, 1]


def test_a_missing_digit_folder_is_a_clear_error(tmp_path):
    (tmp_path / "0").mkdir()
    with pytest.raises(build_datasets.PhotoSetError, match=r"1 is missing.*digits 0 to 5"):
        build_datasets.list_photos(tmp_path)


def test_the_licence_and_attribution_ship_with_the_photos():
    licence = (PHOTOS / "LICENSE").read_text()
    assert "Apache License" in licence and "Version 2.0" in licence
    notice = (PHOTOS / "NOTICE").read_text()
    for fact in (
        "Ayrancı Anadolu High School",
        "arXiv:2011.08927",
        "6 to 9",
        "64x64",
        "4b09433ef9d5c60602e8805bb54b8aa2428527f8",
    ):
        assert fact in notice, fact
    for doc in ("README.md", "datasets/README.md"):
        text = (REPO_ROOT / doc).read_text()
        assert "Apache" in text and "arXiv:2011.08927" in text, doc
        assert "sign-language-digits/LICENSE" in text and "NOTICE" in text, doc
        assert "shows no real person" not in text, doc


# ------------------------------------------------------------------------ the renderer


def test_the_renderer_repeats_a_picture_exactly():
    for split, index in (("train", 0), ("train", 517), ("test", 7)):
        a, b = render_image(0, split, index), render_image(0, split, index)
        assert a.dtype == np.uint8 and a.shape == (64, 64, 3)
        assert np.array_equal(a, b)
        assert a.reshape(-1, 3).std(axis=0).max() > 5  # a hand on a wall, not a blank


def test_rendered_train_and_test_pictures_share_no_draw():
    seed = 0
    train_seeds = {tuple(image_seed(seed, "train", i).generate_state(2)) for i in range(1080)}
    test_seeds = {tuple(image_seed(seed, "test", i).generate_state(2)) for i in range(120)}
    assert len(train_seeds) == 1080 and len(test_seeds) == 120
    assert not train_seeds & test_seeds
    assert not np.array_equal(split_labels(seed, "train")[:120], split_labels(seed, "test"))
    for i in range(40):
        label_tr, p_tr = image_params(seed, "train", i)
        label_te, p_te = image_params(seed, "test", i)
        if label_tr == label_te:  # same layout: no single parameter may coincide
            assert np.all(p_tr.as_vector() != p_te.as_vector())
        assert p_tr.noise_seed != p_te.noise_seed


def test_softmax_regression_learns_a_separable_toy_set():
    """tools/dataset_difficulty.py, the card's linear baseline, on two classes it must tell
    apart (dark and light pictures) and on labels it cannot (noise)."""
    import dataset_difficulty

    rng = np.random.default_rng(0)
    y = np.arange(60) % 2
    x = (rng.integers(0, 60, (60, 8, 8, 3)) + 150 * y[:, None, None, None]).astype(np.uint8)
    assert dataset_difficulty.softmax_regression(x[:40], y[:40], x[40:], y[40:], 100) == 1.0
    noise = rng.integers(0, 2, 60)
    assert dataset_difficulty.softmax_regression(x[:40], noise[:40], x[40:], noise[40:], 100) < 0.9
