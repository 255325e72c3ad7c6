"""load_dataset and convert_to_one_hot: the original course's API, and clear errors on bad files."""

import os

import h5py
import numpy as np
import pytest

from resnets_utils import DATASETS_DIR, DatasetError, convert_to_one_hot, load_dataset


def write_signs(folder, m_train=12, m_test=6, classes=6, **overrides):
    """Write a small pair of SIGNS-format files; ``overrides`` replace or drop (None) keys,
    keyed as 'train/train_set_x', 'test/list_classes', ..."""
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    for split, m in (("train", m_train), ("test", m_test)):
        content = {
            f"{split}_set_x": rng.integers(0, 256, size=(m, 64, 64, 3), dtype=np.uint8),
            f"{split}_set_y": np.arange(m, dtype=np.int64) % classes,
            "list_classes": np.arange(classes, dtype=np.int64),
        }
        for key, value in overrides.items():
            where, name = key.split("/")
            if where == split:
                content[name] = value
        with h5py.File(folder / f"{split}_signs.h5", "w") as f:
            for name, value in content.items():
                if value is not None:
                    f.create_dataset(name, data=value)
    return folder


def test_reads_the_original_schema(tmp_path):
    X_train, Y_train, X_test, Y_test, classes = load_dataset(write_signs(tmp_path))
    assert X_train.shape == (12, 64, 64, 3) and X_train.dtype == np.uint8
    assert Y_train.shape == (1, 12) and Y_test.shape == (1, 6)
    assert X_test.shape == (6, 64, 64, 3)
    assert classes.tolist() == [0, 1, 2, 3, 4, 5]
    assert Y_train[0, :7].tolist() == [0, 1, 2, 3, 4, 5, 0]


def test_accepts_labels_stored_as_1_by_m(tmp_path):
    folder = write_signs(tmp_path, **{"train/train_set_y": (np.arange(12) % 6).reshape(1, 12)})
    assert load_dataset(folder)[1].shape == (1, 12)


def test_default_folder_is_the_repositorys_whatever_the_working_directory(tmp_path):
    cwd = os.getcwd()
    try:
        os.chdir(tmp_path)
        X_train, Y_train, X_test, Y_test, classes = load_dataset()
    finally:
        os.chdir(cwd)
    assert (DATASETS_DIR / "train_signs.h5").is_file()
    assert X_train.shape[1:] == (64, 64, 3) and Y_train.shape == (1, len(X_train))
    assert X_test.shape[1:] == (64, 64, 3) and Y_test.shape == (1, len(X_test))


def test_missing_folder(tmp_path):
    with pytest.raises(DatasetError, match=r"nowhere does not exist.*make datasets"):
        load_dataset(tmp_path / "nowhere")


def test_missing_file_names_it_and_says_how_to_get_it(tmp_path):
    write_signs(tmp_path)
    (tmp_path / "test_signs.h5").unlink()
    with pytest.raises(DatasetError, match=r"test_signs\.h5 is missing.*make datasets"):
        load_dataset(tmp_path)


def test_not_hdf5(tmp_path):
    write_signs(tmp_path)
    (tmp_path / "train_signs.h5").write_text("this is not HDF5")
    with pytest.raises(DatasetError, match=r"train_signs\.h5 is not an HDF5 file"):
        load_dataset(tmp_path)


def test_missing_key(tmp_path):
    write_signs(tmp_path, **{"train/train_set_y": None})
    with pytest.raises(DatasetError, match=r"lacks the dataset\(s\) \['train_set_y'\]"):
        load_dataset(tmp_path)


@pytest.mark.parametrize("shape", [(12, 32, 32, 3), (12, 64, 64), (12, 64, 64, 1)])
def test_wrong_image_shape(tmp_path, shape):
    bad = np.zeros(shape, dtype=np.uint8)
    write_signs(tmp_path, **{"train/train_set_x": bad})
    with pytest.raises(DatasetError, match=r"'train_set_x'.*expected \(m, 64, 64, 3\)"):
        load_dataset(tmp_path)


def test_wrong_image_dtype(tmp_path):
    write_signs(tmp_path, **{"test/test_set_x": np.zeros((6, 64, 64, 3), dtype=np.float32)})
    with pytest.raises(DatasetError, match=r"'test_set_x'.*float32; expected uint8"):
        load_dataset(tmp_path)


def test_label_count_differs_from_image_count(tmp_path):
    write_signs(tmp_path, **{"train/train_set_y": np.zeros(11, dtype=np.int64)})
    with pytest.raises(DatasetError, match=r"'train_set_y'.*expected \(12,\), one label per image"):
        load_dataset(tmp_path)


def test_float_labels(tmp_path):
    write_signs(tmp_path, **{"train/train_set_y": np.zeros(12, dtype=np.float64)})
    with pytest.raises(DatasetError, match=r"'train_set_y'.*float64; expected integer"):
        load_dataset(tmp_path)


@pytest.mark.parametrize("label", [-1, 6])
def test_labels_outside_the_classes(tmp_path, label):
    labels = np.zeros(6, dtype=np.int64)
    labels[3] = label
    write_signs(tmp_path, **{"test/test_set_y": labels})
    with pytest.raises(
        DatasetError, match=rf"labels outside 0\.\.5 at 1 image\(s\), e\.g\. \[{label}\]"
    ):
        load_dataset(tmp_path)


def test_bad_class_list(tmp_path):
    write_signs(tmp_path, **{"train/list_classes": np.array([b"a", b"b"])})
    with pytest.raises(DatasetError, match=r"'list_classes'.*expected a 1-D integer array"):
        load_dataset(tmp_path)


def test_train_and_test_disagree_on_classes(tmp_path):
    write_signs(tmp_path, **{"test/list_classes": np.arange(7, dtype=np.int64)})
    with pytest.raises(DatasetError, match=r"disagree on the classes"):
        load_dataset(tmp_path)


def test_dataset_error_is_a_value_error():
    assert issubclass(DatasetError, ValueError)


def test_one_hot_matches_the_original():
    Y = np.array([[1, 0, 5, 2]])
    one_hot = convert_to_one_hot(Y, 6)
    assert one_hot.shape == (6, 4)
    np.testing.assert_array_equal(one_hot.argmax(axis=0), [1, 0, 5, 2])
    np.testing.assert_array_equal(one_hot.sum(axis=0), [1, 1, 1, 1])
    np.testing.assert_array_equal(convert_to_one_hot(np.array([3, 4]), 6), np.eye(6)[[3, 4]].T)


def test_one_hot_rejects_labels_outside_range():
    with pytest.raises(ValueError, match=r"labels from 0 to 6, but C=6 allows only 0\.\.5"):
        convert_to_one_hot(np.array([[0, 6]]), 6)


def test_one_hot_rejects_fractional_labels():
    with pytest.raises(ValueError, match=r"whole-number labels"):
        convert_to_one_hot(np.array([0.5, 1.0]), 6)


def test_one_hot_accepts_whole_floats():
    np.testing.assert_array_equal(convert_to_one_hot(np.array([[2.0]]), 3), [[0], [0], [1]])
