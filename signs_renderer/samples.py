"""Make the pictures in ``images/`` that show the rendered SIGNS data.

Usage::

    python -m signs_renderer.samples [--seed 0] [--out images/] [--own-image]

writes ``signs_samples.png`` (the first 8 training pictures of every class, enlarged, one
row per class). With ``--own-image`` it also writes ``my_image.jpg``, a 320x320 photo-like
picture of a hand making a V for the course's "your own photo" cells (not in the dataset).
The committed ``images/my_image.jpg`` was made by renderer 1.0.0 and is kept as the
course's sample: the notebooks' text describes that picture, so it is not rewritten unless
asked.
"""

import argparse
from pathlib import Path

import numpy as np
from PIL import Image

from .build import image_params, split_labels
from .hand import CLASS_DESCRIPTIONS
from .render import draw_params, render

#: Spawn-key slot of the "own image", apart from the train (0) and test (1) pictures.
_OWN_IMAGE_CODE = 3
_OWN_IMAGE_LABEL = 2
_OWN_IMAGE_INDEX = 2  # a palm-side view with a clear V


def sample_grid(seed=0, per_class=8):
    """The first ``per_class`` training pictures of each class: uint8 (6, per_class, 64, 64, 3)."""
    labels = split_labels(seed, "train")
    grid = []
    for label in range(len(CLASS_DESCRIPTIONS)):
        indices = np.flatnonzero(labels == label)[:per_class]
        grid.append([render(image_params(seed, "train", i)[1]) for i in indices])
    return np.array(grid)


def save_grid(grid, path):
    """Save a labelled, enlarged picture of ``grid`` (from :func:`sample_grid`), ~1200 px wide."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows, cols = grid.shape[:2]
    fig, axes = plt.subplots(rows, cols, figsize=(12, 1.78 * rows + 0.7), dpi=100)
    fig.subplots_adjust(left=0.01, right=0.99, bottom=0.01, top=1 - 0.6 / (1.78 * rows + 0.7),
                        wspace=0.04, hspace=0.2)
    for r in range(rows):
        for c in range(cols):
            ax = axes[r, c]
            ax.imshow(grid[r, c], interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
        axes[r, 0].set_title(f"y = {r}: {CLASS_DESCRIPTIONS[r]}", loc="left", fontsize=12, x=0.0)
    fig.suptitle("Rendered SIGNS pictures (64x64, shown enlarged)", fontsize=14)
    fig.savefig(path)
    plt.close(fig)


def own_image(seed=0, size=320):
    """A large picture (uint8 size x size x 3) of a hand showing two fingers (a V)."""
    params = draw_params(_OWN_IMAGE_LABEL, np.random.SeedSequence(seed, spawn_key=(_OWN_IMAGE_CODE, _OWN_IMAGE_INDEX)))
    return render(params, size=size, supersample=2)


def main(argv=None):
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0, help="dataset seed (default 0)")
    parser.add_argument("--out", default="images", help="output folder (default images/)")
    parser.add_argument("--own-image", action="store_true",
                        help="also write my_image.jpg (replacing the course's sample)")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    save_grid(sample_grid(args.seed), out / "signs_samples.png")
    print(f"wrote {out / 'signs_samples.png'}")
    if args.own_image:
        Image.fromarray(own_image(args.seed)).save(out / "my_image.jpg", quality=90)
        print(f"wrote {out / 'my_image.jpg'}")


if __name__ == "__main__":
    main()
