"""The notebook helpers of resnets_utils: images, weight transfer, drawing, the offline guard."""

import socket

import numpy as np
import pytest
from PIL import Image

import resnets_utils
from resnets_utils import load_image, transfer_weights_by_name


@pytest.mark.parametrize(
    "mode, size", [("RGB", (300, 200)), ("RGBA", (64, 64)), ("L", (40, 90)), ("P", (120, 120))]
)
def test_load_image_any_mode_and_size(tmp_path, mode, size):
    path = tmp_path / "photo.png"
    Image.new(
        mode, size, color=200 if mode in ("L", "P") else (200, 100, 50, 255)[: len(mode)]
    ).save(path)
    original, x = load_image(path)
    assert x.shape == (1, 64, 64, 3) and x.dtype == np.float32
    assert 0.0 <= x.min() and x.max() <= 1.0
    assert original.shape == (min(size), min(size), 3) and original.dtype == np.uint8


def test_load_image_composites_transparency_on_white(tmp_path):
    path = tmp_path / "clear.png"
    Image.new("RGBA", (10, 10), (0, 0, 0, 0)).save(path)
    _, x = load_image(path, size=8)
    np.testing.assert_allclose(x, 1.0)


def test_load_image_jpeg(tmp_path):
    path = tmp_path / "photo.jpg"
    Image.new("RGB", (640, 480), (10, 200, 30)).save(path)
    _, x = load_image(path)
    np.testing.assert_allclose(x[0, 32, 32], np.array([10, 200, 30]) / 255, atol=0.02)


def test_load_image_missing_file_says_what_to_do(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"No image at .*nope\.jpg.*images/ folder"):
        load_image(tmp_path / "nope.jpg")


def test_load_image_not_an_image(tmp_path):
    path = tmp_path / "notes.jpg"
    path.write_text("hello")
    with pytest.raises(ValueError, match=r"not an image Pillow can read"):
        load_image(path)


def portrait_photo_stored_sideways(path):
    """A phone photo taken in portrait: the pixels lie sideways (wide), with EXIF tag 6
    ("rotate 90 degrees clockwise to view"). Upright, its top half is red, bottom blue."""
    upright = Image.new("RGB", (60, 100), (220, 0, 0))
    upright.paste((0, 0, 220), (0, 50, 60, 100))
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # what the sensor wrote: 100x60
    exif = Image.Exif()
    exif[0x0112] = 6
    stored.save(path, exif=exif)


def test_load_image_applies_the_exif_orientation(tmp_path):
    path = tmp_path / "portrait.jpg"
    portrait_photo_stored_sideways(path)
    original, x = load_image(path, size=8)
    assert original.shape == (60, 60, 3)  # cropped from a 60x100 upright picture
    top, bottom = x[0, 0, 4], x[0, -1, 4]
    assert top[0] > 0.7 and top[2] < 0.2, f"top of the picture is not red: {top}"
    assert bottom[2] > 0.7 and bottom[0] < 0.2, f"bottom of the picture is not blue: {bottom}"


def test_load_image_scales_16_bit_grey_instead_of_clipping(tmp_path):
    path = tmp_path / "grey16.png"
    ramp = np.linspace(0, 65535, 64 * 64).reshape(64, 64).astype(np.uint16)
    Image.fromarray(ramp).save(path)
    assert Image.open(path).mode.startswith("I")
    _, x = load_image(path)
    assert x.min() < 0.05 and x.max() > 0.95, "16-bit values were clipped, not scaled"
    np.testing.assert_allclose(x[0, 32, 32, 0], ramp[32, 32] / 65535, atol=0.02)
    np.testing.assert_array_equal(x[..., 0], x[..., 2])  # grey stays grey


def test_load_image_truncated_file_says_what_happened(tmp_path):
    path = tmp_path / "cut.jpg"
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 255, (200, 200, 3), dtype=np.uint8)).save(path, quality=95)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(resnets_utils.ImageLoadError, match=r"incomplete.*again") as error:
        load_image(path)
    assert "Traceback" not in str(error.value)


def test_load_image_heic_says_how_to_export_a_jpeg(tmp_path):
    path = tmp_path / "IMG_0001.HEIC"
    path.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + bytes(64))
    with pytest.raises(resnets_utils.ImageLoadError, match=r"HEIC.*JPEG"):
        load_image(path)


def test_plot_prediction_shows_what_the_model_sees(tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    shown = []
    monkeypatch.setattr(resnets_utils, "show_as_jpeg", shown.append)
    photo = np.zeros((120, 120, 3), np.uint8)
    x = np.full((1, 64, 64, 3), 0.5, np.float32)
    resnets_utils.plot_prediction(photo, np.eye(6)[2], model_input=x)
    titles = [ax.get_title() for ax in shown[0].axes]
    assert titles[1] == "what the model sees (64x64)" and titles[2].startswith("prediction: 2")
    assert shown[0].axes[1].images[0].get_array().shape == (64, 64, 3)


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_another_keras_backend_is_refused_with_the_way_out(backend):
    import subprocess
    import sys

    code = "import resnets_utils\nprint('imported')\nresnets_utils.setup_notebook()"
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        env={**__import__("os").environ, "KERAS_BACKEND": backend},
    )
    assert result.returncode == 1
    assert result.stdout == "imported\n"  # the import itself checks nothing; setup_notebook does
    assert "CourseEnvironmentError" in result.stderr
    assert f"KERAS_BACKEND is set to '{backend}'" in result.stderr
    assert "Residual Networks (TF 2.21)" in result.stderr and "make lab" in result.stderr


def small_model(filters=4, name="conv_a"):
    import keras

    inputs = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(filters, 3, name=name)(inputs)
    x = keras.layers.BatchNormalization(name="bn_a")(x)
    outputs = keras.layers.Dense(2, name="fc")(keras.layers.Flatten()(x))
    return keras.Model(inputs, outputs)


def test_transfer_weights_by_name_copies_every_layer():
    source, target = small_model(), small_model()
    for w in source.weights:
        w.assign(np.random.default_rng(0).normal(size=w.shape))
    assert transfer_weights_by_name(source, target) == 3
    x = np.random.default_rng(1).normal(size=(2, 8, 8, 3)).astype("float32")
    np.testing.assert_allclose(source(x), target(x), rtol=1e-6)


def test_transfer_weights_by_name_missing_layer():
    with pytest.raises(ValueError, match=r"no layer named 'conv_a'"):
        transfer_weights_by_name(small_model(), small_model(name="conv_b"))


def test_transfer_weights_by_name_shape_mismatch():
    with pytest.raises(ValueError, match=r"Layer 'conv_a' has weights of shapes .*filters"):
        transfer_weights_by_name(small_model(filters=4), small_model(filters=5))


def test_transfer_weights_by_name_with_a_rename():
    source, target = small_model(name="conv_src"), small_model(name="conv_a")
    assert transfer_weights_by_name(source, target, rename=lambda n: n.replace("src", "a")) == 3
    with pytest.raises(
        ValueError, match=r"no layer named 'conv_x' \(the counterpart of 'conv_src'\)"
    ):
        transfer_weights_by_name(source, target, rename=lambda n: n.replace("src", "x"))


def test_draw_model_without_graphviz_explains(monkeypatch, capsys, tmp_path):
    monkeypatch.setattr(resnets_utils.shutil, "which", lambda name: None)
    assert resnets_utils.draw_model(small_model(), to_file=tmp_path / "m.png") is None
    out = capsys.readouterr().out
    assert "apt-get install graphviz" in out and "brew install graphviz" in out
    assert not (tmp_path / "m.png").exists()


@pytest.mark.skipif(
    resnets_utils.shutil.which("dot") is None, reason="Graphviz's dot is not installed"
)
def test_draw_model_with_graphviz(tmp_path):
    resnets_utils.draw_model(small_model(), to_file=tmp_path / "m.png")
    assert (tmp_path / "m.png").stat().st_size > 1000


def test_network_is_blocked_but_loopback_is_not():
    resnets_utils.block_network()  # idempotent: the conftest already did it
    with socket.socket() as s, pytest.raises(RuntimeError, match="network access .* blocked"):
        s.connect(("192.0.2.1", 80))
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.socket() as client:
            client.connect(server.getsockname())


def test_setup_notebook_turns_grappler_off_where_there_is_no_gpu():
    import tensorflow as tf

    resnets_utils.setup_notebook(seed=0)
    off = tf.config.optimizer.get_experimental_options().get("disable_meta_optimizer", False)
    assert off is not bool(tf.config.list_physical_devices("GPU"))


def test_setup_notebook_is_deterministic():
    import keras

    resnets_utils.setup_notebook(seed=3)
    a = (np.random.rand(), keras.random.uniform((2,), seed=None).numpy().tolist())
    resnets_utils.setup_notebook(seed=3)
    b = (np.random.rand(), keras.random.uniform((2,), seed=None).numpy().tolist())
    assert a == b


class _FakeModel:
    """Stands in for the ResNet-50: the probabilities follow the picture's mean colour, so
    two different photos give two different answers."""

    def __init__(self):
        self.inputs = []

    def predict(self, x, verbose=0):
        self.inputs.append(np.array(x))
        p = np.full((1, 6), 0.02, dtype=np.float32)
        p[0, int(x.mean() * 6) % 6] = 0.9
        return p


def _uploaded(path):
    """What ipywidgets 8's FileUpload holds after a learner picks ``path``."""
    import datetime

    data = path.read_bytes()
    when = datetime.datetime(2026, 12, 1, tzinfo=datetime.timezone.utc)
    return (
        {
            "name": path.name,
            "type": "image/jpeg",
            "size": len(data),
            "content": memoryview(data),
            "last_modified": when,
        },
    )


def test_photo_upload_answers_for_the_sample_photo_at_once(monkeypatch):
    monkeypatch.setattr(resnets_utils, "show_as_jpeg", lambda fig: None)
    model = _FakeModel()
    box = resnets_utils.photo_upload(model)
    assert box.last_probabilities is not None and box.last_probabilities.shape == (6,)
    expected = load_image(resnets_utils.IMAGES_DIR / "my_image.jpg")[1]
    assert np.array_equal(model.inputs[0], expected)  # through load_image, as any photo


def test_photo_upload_feeds_load_image_and_keeps_no_copy(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(resnets_utils, "show_as_jpeg", lambda fig: None)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    photo = tmp_path / "hand.png"
    Image.new("RGB", (120, 80), (250, 250, 250)).save(photo)
    model = _FakeModel()
    box = resnets_utils.photo_upload(model)
    upload = box.children[0]
    upload.value = _uploaded(photo)
    assert np.array_equal(model.inputs[-1], load_image(photo)[1])
    assert int(np.argmax(box.last_probabilities)) == int(load_image(photo)[1].mean() * 6) % 6
    assert upload.value == ()  # the bytes are gone from the widget
    assert sorted(p.name for p in tmp_path.iterdir()) == ["hand.png"]  # no temporary copy


def test_photo_upload_of_a_broken_file_says_why(tmp_path, monkeypatch):
    monkeypatch.setattr(resnets_utils, "show_as_jpeg", lambda fig: None)
    bad = tmp_path / "notes.jpg"
    bad.write_text("not a photo")
    box = resnets_utils.photo_upload(_FakeModel())
    before = box.last_probabilities
    box.children[0].value = _uploaded(bad)  # no exception escapes
    assert box.last_probabilities is before
    assert box.children[0].value == ()
