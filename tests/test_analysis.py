"""Notebook 05's laboratory, resnets_analysis: each measurement does what its docstring says."""

import keras
import numpy as np
import pytest

import resnets_analysis as ra
import resnets_vanishing as rv
from resnets_reference import remove_residual_branch


@pytest.fixture(scope="module")
def twins():
    """A plain and a residual 8-layer network on 8x8 inputs, briefly trained, with data."""
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (48, 8, 8, 3)).astype(np.float32)
    Y = np.eye(6, dtype=np.float32)[rng.integers(0, 6, 48)]
    nets = {}
    for kind in ("plain", "residual"):
        model = rv.build_network(8, residual=(kind == "residual"), input_shape=(8, 8, 3))
        rv.train_recording_gradients(model, X, Y, steps=5, batch_size=16, record_every=5)
        nets[kind] = model
    return nets, X, Y


@pytest.fixture(scope="module")
def resnet50():
    keras.utils.set_random_seed(0)
    from resnets_reference import ResNet50

    return ResNet50(input_shape=(64, 64, 3), classes=6)


def test_the_16_blocks_of_resnet50():
    names = [f"{s}{b}" for s, b in ra.RESNET50_BLOCKS]
    assert names == [
        "2a",
        "2b",
        "2c",
        "3a",
        "3b",
        "3c",
        "3d",
        "4a",
        "4b",
        "4c",
        "4d",
        "4e",
        "4f",
        "5a",
        "5b",
        "5c",
    ]


def test_accuracy_counts_argmax_matches():
    p = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4]])
    Y = np.array([[1, 0], [1, 0], [1, 0]])
    assert ra.accuracy(p, Y) == pytest.approx(2 / 3)


def test_filter_normalized_direction_matches_each_filters_norm():
    rng = np.random.default_rng(1)
    weights = [
        rng.normal(size=(3, 3, 4, 5)).astype(np.float32),
        rng.normal(size=5).astype(np.float32),
        rng.normal(size=(7, 6)).astype(np.float32),
    ]
    d = ra.filter_normalized_direction(weights, np.random.default_rng(0))
    assert [x.shape for x in d] == [w.shape for w in weights]
    assert not d[1].any(), "1-D arrays (biases, BatchNorm) must not move"
    for w, x in ((weights[0], d[0]), (weights[2], d[2])):
        axes = tuple(range(w.ndim - 1))
        np.testing.assert_allclose(np.sqrt((x**2).sum(axes)), np.sqrt((w**2).sum(axes)), rtol=1e-5)
    assert not np.allclose(d[0], weights[0])


def test_loss_surface_centre_is_the_models_loss_and_weights_come_back(twins):
    nets, X, Y = twins
    model = nets["residual"]
    before = [w.copy() for w in model.get_weights()]
    surface = ra.loss_surface(model, X, Y, span=0.5, steps=5, batch_size=20)
    assert surface["loss"].shape == (5, 5)
    np.testing.assert_allclose(surface["alphas"], np.linspace(-0.5, 0.5, 5))
    centre = float(np.mean(keras.losses.categorical_crossentropy(Y, model.predict(X, verbose=0))))
    assert surface["loss"][2, 2] == pytest.approx(centre, rel=1e-4)
    assert abs(surface["loss"][0, 0] - surface["loss"][2, 2]) > 1e-3, (
        "the corners must move the weights"
    )
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_basin_share_and_roughness_on_known_surfaces():
    grid = np.linspace(-1, 1, 5)
    bowl = {"alphas": grid, "betas": grid, "loss": np.add.outer(grid**2, grid**2) * 4}
    assert ra.basin_share(bowl, level=1.5) == pytest.approx(5 / 25)
    assert ra.surface_roughness(bowl) == 0.0
    wavy = dict(bowl, loss=bowl["loss"] + np.cos(np.arange(5) * np.pi)[None, :] * 3)
    assert ra.surface_roughness(wavy) > 0.0


def test_edge_loss_is_the_median_of_the_outer_ring():
    grid = np.linspace(-1, 1, 5)
    bowl = {"alphas": grid, "betas": grid, "loss": np.add.outer(grid**2, grid**2)}
    # the ring: 4 corners at 2.0, 8 points at 1.25, the 4 mid-edge points at 1.0: median 1.25
    assert ra.edge_loss(bowl) == pytest.approx(1.25)
    spiked = dict(bowl, loss=bowl["loss"].copy())
    spiked["loss"][0, 0] = 1e6  # one wild corner moves the maximum, not the median
    assert ra.edge_loss(spiked) == pytest.approx(1.25)
    spiked["loss"][2, 2] = 1e6  # nor does the centre
    assert ra.edge_loss(spiked) == pytest.approx(1.25)
    with pytest.raises(ValueError, match="square grid"):
        ra.edge_loss({"loss": np.zeros((3, 4))})


@pytest.mark.parametrize("kind", ["plain", "residual"])
def test_forward_skipping_is_the_model_when_nothing_is_skipped(twins, kind):
    nets, X, _ = twins
    model = nets[kind]
    np.testing.assert_allclose(
        ra.forward_skipping(model, X), model.predict(X, verbose=0), atol=1e-5
    )


def test_skipping_a_residual_block_is_removing_its_branch(twins):
    nets, X, _ = twins
    model = nets["residual"]
    # Zero the branch's last convolution instead: the block then adds nothing.
    conv = model.get_layer("conv5")  # block 2 is conv4 -> conv5
    saved = conv.get_weights()
    conv.set_weights([np.zeros_like(w) for w in saved])
    try:
        expected = model.predict(X, verbose=0)
    finally:
        conv.set_weights(saved)
    np.testing.assert_allclose(ra.forward_skipping(model, X, skip=2), expected, atol=1e-5)
    assert not np.allclose(ra.forward_skipping(model, X, skip=2), model.predict(X, verbose=0))


def test_twin_lesion_study_has_one_entry_per_block(twins):
    nets, X, Y = twins
    baseline, lesions = ra.twin_lesion_study(nets["plain"], X, Y)
    assert list(lesions) == [f"block {b}" for b in (1, 2, 3)]
    assert baseline == pytest.approx(ra.accuracy(nets["plain"].predict(X, verbose=0), Y))


def test_recalibrate_batchnorm_sets_moving_statistics_and_keeps_the_rest(twins):
    nets, X, _ = twins
    model = keras.models.clone_model(nets["plain"])
    model.set_weights(nets["plain"].get_weights())
    bn = model.get_layer("bn2")
    before = {
        layer.name: [w.copy() for w in layer.get_weights()]
        for layer in model.layers
        if hasattr(layer, "kernel")
    }
    ra.recalibrate_batchnorm(model, X)
    conv1 = np.asarray(model.get_layer("conv1")(X))
    np.testing.assert_allclose(
        bn.moving_mean.numpy(), conv1.mean(axis=(0, 1, 2)), rtol=1e-4, atol=1e-5
    )
    np.testing.assert_allclose(
        bn.moving_variance.numpy(), conv1.var(axis=(0, 1, 2)), rtol=1e-3, atol=1e-5
    )
    assert bn.momentum == 0.99
    for name, weights in before.items():
        for a, b in zip(weights, model.get_layer(name).get_weights()):
            np.testing.assert_array_equal(a, b)


def test_lesion_study_visits_every_block_and_restores_the_model(resnet50):
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (4, 64, 64, 3)).astype(np.float32)
    Y = np.eye(6, dtype=np.float32)[[0, 1, 2, 3]]
    before = [w.copy() for w in resnet50.get_weights()]
    seen = []

    def spy(model, stage, block):
        seen.append(f"{stage}{block}")
        return remove_residual_branch(model, stage, block)

    baseline, lesions = ra.lesion_study(resnet50, X, Y, spy)
    assert seen == list(lesions) == [f"{s}{b}" for s, b in ra.RESNET50_BLOCKS]
    assert all(0.0 <= a <= 1.0 for a in lesions.values())
    for a, b in zip(before, resnet50.get_weights()):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("layer, size", [("avg_pool", 2), ("res5a_branch2a", 4)])
def test_grad_cam_maps_and_probabilities(resnet50, layer, size):
    X = np.random.default_rng(1).uniform(0, 1, (3, 64, 64, 3)).astype(np.float32)
    maps, classes, probabilities = ra.grad_cam(resnet50, X, layer_input_of=layer)
    assert maps.shape == (3, size, size)
    assert maps.min() >= 0.0 and maps.max() <= 1.0
    expected = resnet50.predict(X, verbose=0)
    np.testing.assert_allclose(probabilities, expected, atol=1e-5)
    np.testing.assert_array_equal(classes, expected.argmax(axis=1))
    one, chosen, _ = ra.grad_cam(resnet50, X, layer_input_of=layer, class_index=4)
    assert chosen.tolist() == [4, 4, 4] and one.shape == maps.shape


def test_forward_skipping_rejects_a_block_it_does_not_have(twins):
    nets, X, _ = twins
    with pytest.raises(ValueError, match="skip must be a block number from 1 to 3"):
        ra.forward_skipping(nets["plain"], X, skip=4)


def test_lesion_study_restores_the_layer_even_when_the_function_raises(resnet50):
    X = np.zeros((2, 64, 64, 3), np.float32)
    Y = np.eye(6, dtype=np.float32)[[0, 1]]
    layer = resnet50.get_layer("bn2a_branch2c")
    before = [w.copy() for w in layer.get_weights()]

    def breaks_then_raises(model, stage, block):
        remove_residual_branch(model, stage, block)
        raise RuntimeError("learner's bug")

    with pytest.raises(RuntimeError, match="learner's bug"):
        ra.lesion_study(resnet50, X, Y, breaks_then_raises)
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_lesion_study_measures_the_loss_too(resnet50):
    rng = np.random.default_rng(2)
    X = rng.uniform(0, 1, (4, 64, 64, 3)).astype(np.float32)
    Y = np.eye(6, dtype=np.float32)[[0, 1, 2, 3]]
    baseline, accs, baseline_loss, losses = ra.lesion_study(
        resnet50, X, Y, remove_residual_branch, blocks=((2, "a"), (5, "c")), with_loss=True
    )
    assert list(losses) == list(accs) == ["2a", "5c"]
    p = resnet50.predict(X, verbose=0)
    expected = float(keras.losses.CategoricalCrossentropy()(Y, p))
    assert baseline_loss == pytest.approx(expected, rel=1e-4)
    assert all(v > 0 for v in losses.values())


def test_cross_entropy_of_certain_and_uniform_answers():
    Y = np.eye(6)[[0, 3]]
    assert ra.cross_entropy(Y, Y) == pytest.approx(0.0, abs=1e-6)
    assert ra.cross_entropy(np.full((2, 6), 1 / 6), Y) == pytest.approx(np.log(6))


@pytest.mark.parametrize(
    "layer, start, step", [("avg_pool", 2.0, 32.0), ("res5a_branch2a", 2.0, 16.0)]
)
def test_grad_cam_cells_of_resnet50(resnet50, layer, start, step):
    assert ra.cell_centres(resnet50, layer) == (start, step)


def test_cell_centres_are_where_the_gradient_of_a_position_is_centred():
    """On a small network whose receptive fields fit in the picture, the pixels that reach
    one output position are centred where cell_centres says."""
    import tensorflow as tf

    L = keras.layers
    x_in = keras.Input((96, 96, 1))
    x = L.ZeroPadding2D(3)(x_in)
    x = L.Conv2D(1, 7, strides=2, use_bias=False)(x)
    x = L.AveragePooling2D(3, strides=2)(x)
    before = L.Conv2D(1, 3, padding="same", use_bias=False)(x)
    x = L.Conv2D(1, 1, strides=2, name="res3a_branch2a", use_bias=False)(before)
    shortcut = L.Conv2D(1, 1, strides=2, name="res3a_branch1", use_bias=False)(before)
    x = L.Conv2D(1, 3, padding="same", use_bias=False)(x)
    x = L.Add()([x, shortcut])
    out = L.Dense(1, name="target")(x)
    model = keras.Model(x_in, out)
    start, step = ra.cell_centres(model, "target", size=96)
    head = keras.Model(model.inputs, model.get_layer("target").input)
    for position in (2, 3):
        image = tf.Variable(
            np.random.default_rng(0).uniform(0, 1, (1, 96, 96, 1)), dtype=tf.float32
        )
        with tf.GradientTape() as tape:
            score = head(image)[0, position, position, 0]
        rows, cols = np.nonzero(np.abs(tape.gradient(score, image).numpy()[0, ..., 0]))
        assert 0 < rows.min() and rows.max() < 95  # the whole region is inside the picture
        assert (rows.min() + rows.max()) / 2 == pytest.approx(start + position * step)
        assert (cols.min() + cols.max()) / 2 == pytest.approx(start + position * step)


def test_place_map_puts_each_value_at_its_centre():
    cam = np.zeros((2, 2))
    cam[1, 1] = 1.0
    big = ra.place_map(cam, 2.0, 32.0, 64)
    assert big.shape == (64, 64) and big[34, 34] == 1.0 and big[2, 2] == 0.0
    assert big[63, 63] == 1.0 and big[18, 18] == pytest.approx(
        0.25
    )  # flat beyond, bilinear between
