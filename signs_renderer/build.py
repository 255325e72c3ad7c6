"""Rendered pictures in the SIGNS format: as arrays for training, or as HDF5 files.

Usage::

    python -m signs_renderer.build --seed 0 --out /tmp/renders/ [--workers 2]

Every picture has its own seed, derived with ``numpy.random.SeedSequence`` from
(seed, split, index), so train and test pictures share no random draw, and the files do
not depend on the number of worker processes.
"""

import argparse
import time
from multiprocessing import Pool
from pathlib import Path

import h5py
import numpy as np

from . import __version__
from .render import draw_params, render

#: Number of classes and pictures per class in each split (as in the original SIGNS).
N_CLASSES = 6
PER_CLASS = {"train": 180, "test": 20}
_SPLIT_CODE = {"train": 0, "test": 1}
_ORDER_CODE = 2**31 - 1  # spawn-key slot of the shuffle, never a picture index


def split_labels(seed, split):
    """Labels of ``split`` ("train" or "test") in file order: balanced, shuffled."""
    labels = np.repeat(np.arange(N_CLASSES, dtype=np.int64), PER_CLASS[split])
    rng = np.random.default_rng(
        np.random.SeedSequence(seed, spawn_key=(_SPLIT_CODE[split], _ORDER_CODE))
    )
    return labels[rng.permutation(len(labels))]


def image_seed(seed, split, index):
    """The SeedSequence of picture ``index`` of ``split``."""
    return np.random.SeedSequence(seed, spawn_key=(_SPLIT_CODE[split], int(index)))


def image_params(seed, split, index):
    """Label and scene parameters of picture ``index`` of ``split``."""
    label = int(split_labels(seed, split)[index])
    return label, draw_params(label, image_seed(seed, split, index))


def render_image(seed, split, index):
    """Render picture ``index`` of ``split`` (uint8, 64x64x3)."""
    return render(image_params(seed, split, index)[1])


def _render_job(job):
    seed, split, index, label = job
    return render(draw_params(label, image_seed(seed, split, index)))


def render_set(seed, split, n=None, workers=2):
    """The first ``n`` pictures of ``split`` (all when None), without writing a file.

    Returns (x uint8 (n, 64, 64, 3), y int64 (n,)); the labels are the split's shuffled,
    balanced labels, so the first n are close to balanced too. The training command of the
    pretrained model (``tools/train_pretrained.py``) mixes these with the photos.
    """
    labels = split_labels(seed, split)[:n]
    jobs = [(seed, split, i, int(lab)) for i, lab in enumerate(labels)]
    if workers > 1 and len(jobs) > 1:
        with Pool(workers) as pool:
            images = pool.map(_render_job, jobs, chunksize=8)
    else:
        images = [_render_job(job) for job in jobs]
    return np.stack(images), labels


def write_split(path, split, x, y, seed):
    """Write one split in the SIGNS schema (gzip 9 + shuffle), with version and seed attributes."""
    opts = dict(compression="gzip", compression_opts=9, shuffle=True)
    with h5py.File(path, "w") as f:
        f.create_dataset(f"{split}_set_x", data=x, **opts)
        f.create_dataset(f"{split}_set_y", data=y.astype(np.int64), **opts)
        f.create_dataset("list_classes", data=np.arange(N_CLASSES, dtype=np.int64), **opts)
        f.attrs["generator"] = "signs_renderer"
        f.attrs["generator_version"] = __version__
        f.attrs["seed"] = int(seed)


def build(seed, out, workers=2):
    """Render both splits and write ``train_signs.h5`` and ``test_signs.h5`` into ``out``."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    for split in ("train", "test"):
        x, y = render_set(seed, split, None, workers)
        write_split(out / f"{split}_signs.h5", split, x, y, seed)


def main(argv=None):
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=0, help="dataset seed (default 0)")
    parser.add_argument(
        "--out", required=True, help="output folder (not datasets/: the course's files are photos)"
    )
    parser.add_argument("--workers", type=int, default=2, help="worker processes (default 2)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    build(args.seed, args.out, args.workers)
    print(
        f"wrote {args.out}/train_signs.h5 and test_signs.h5 in {time.perf_counter() - start:.1f} s"
    )


if __name__ == "__main__":
    main()
