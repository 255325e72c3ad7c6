"""Build ``datasets/train_signs.h5`` and ``test_signs.h5`` from the real photos the course ships.

    .venv/bin/python tools/build_datasets.py            (or: make datasets)

The photos are the digits 0 to 5 of the Sign Language Digits Dataset (Apache-2.0; see
``datasets/sign-language-digits/NOTICE``), in ``datasets/sign-language-digits/Dataset/<digit>/``.
The files keep the original SIGNS schema: ``train_set_x`` uint8 (1080, 64, 64, 3),
``train_set_y`` int64 (1080,), ``list_classes`` int64 [0 1 2 3 4 5], and the same keys with
``test_`` for the 120 test photos; 180 and 20 photos per class. The class is the digit.

Every photo goes through ``resnets_utils.load_image``, exactly as a learner's own photo does
(EXIF orientation, centre crop to a square, Lanczos resize to 64x64), so the training
pictures and a learner's photo reach the model the same way.

The split is by person. The students photographed the digits one after the other, so the
camera's file numbers of one person's photos run on: digit d of a person is numbered about
``start + d``. Photos whose ``number - digit`` lie within ``PERSON_GAP`` of each other are
one person. Whole persons, in a seeded order, fill the test set up to 20 photos per class,
then the training set up to 180; no person (and so no photo) is in both. The 37 photos left
over are listed in ``datasets/signs_split.csv`` as ``extra``: the training recipe
(``tools/train_pretrained.py``) adds them to its validation photos, never to training.

The output is byte-identical on every run with the same photos and seed (HDF5 written
without timestamps, gzip level 9), which ``tests/test_signs_dataset.py`` checks.
"""

import argparse
import csv
import re
import sys
import time
from pathlib import Path

import h5py
import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:  # run as a script from a checkout without the install
    sys.path.insert(0, str(REPO_ROOT))

PHOTOS_DIR = REPO_ROOT / "datasets" / "sign-language-digits" / "Dataset"
N_CLASSES = 6
PER_CLASS = {"test": 20, "train": 180}  # filled in this order
PERSON_GAP = 3
SPLIT_FILE = "signs_split.csv"
_NUMBER = re.compile(r"IMG_(\d+)\.JPG$", re.IGNORECASE)


class PhotoSetError(ValueError):
    """The photo folder is not as the build expects; the message says what to do."""


def list_photos(photos_dir=PHOTOS_DIR):
    """Every photo as (relative path, digit, file number), sorted by path.

    Raises PhotoSetError when a digit's folder is missing or a file name is not IMG_<n>.JPG.
    """
    photos = []
    for digit in range(N_CLASSES):
        folder = Path(photos_dir) / str(digit)
        if not folder.is_dir():
            raise PhotoSetError(
                f"{folder} is missing. The build reads the photos of the digits 0 to 5 from "
                f"{photos_dir}/0 ... /5; restore them with `git checkout -- datasets/`."
            )
        for path in sorted(folder.iterdir()):
            match = _NUMBER.search(path.name)
            if match is None:
                raise PhotoSetError(
                    f"{path} is not named IMG_<number>.JPG like the other photos; move it "
                    "out of the dataset folder."
                )
            photos.append((f"{digit}/{path.name}", digit, int(match.group(1))))
    return photos


def person_ids(photos, gap=PERSON_GAP):
    """A person number for every photo (list of int, aligned with ``photos``).

    ``photos`` -- (path, digit, file number) tuples. Photos whose ``number - digit`` differ
    by at most ``gap`` from the previous one in sorted order belong to the same person.
    """
    keys = np.array([number - digit for _, digit, number in photos])
    order = np.argsort(keys, kind="stable")
    ids = np.empty(len(photos), dtype=np.int64)
    person = 0
    for rank, i in enumerate(order):
        if rank and keys[i] - keys[order[rank - 1]] > gap:
            person += 1
        ids[i] = person
    return ids.tolist()


def split_by_person(labels, persons, seed):
    """Assign every photo to "test", "train" or "extra", whole persons at a time.

    ``labels``, ``persons`` -- int sequences of equal length. In a seeded order, each person
    goes to the first split (test, then train) that still has room for all of their photos.
    Then each person who fits nowhere whole fills what room one split has left, with as
    many of their photos as fit; no person is ever in two splits. The rest is "extra".
    Returns a list of split names, aligned with ``labels``. Raises PhotoSetError when
    there are too few photos to fill both splits.
    """
    labels, persons = np.asarray(labels), np.asarray(persons)
    need = sum(PER_CLASS.values())
    counts = np.bincount(labels, minlength=N_CLASSES)
    if counts.min() < need:
        raise PhotoSetError(
            f"There are {counts.tolist()} photos of the digits 0 to 5; the build needs at "
            f"least {need} of each."
        )
    room = {split: np.full(N_CLASSES, n) for split, n in PER_CLASS.items()}
    assigned = ["extra"] * len(labels)
    rng = np.random.default_rng(seed)
    for whole in (True, False):  # whole persons first; then what is left fills the gaps
        for person in rng.permutation(np.unique(persons)):
            members = [i for i in np.flatnonzero(persons == person) if assigned[i] == "extra"]
            per_class = np.bincount(labels[members], minlength=N_CLASSES)
            if not members or (
                not whole and any(assigned[i] != "extra" for i in np.flatnonzero(persons == person))
            ):
                continue
            for split in PER_CLASS:
                fits = np.all(per_class <= room[split]) if whole else room[split].any()
                if fits:
                    for i in members:
                        if room[split][labels[i]] > 0:
                            room[split][labels[i]] -= 1
                            assigned[i] = split
                    break
    if any(r.any() for r in room.values()):
        raise PhotoSetError(
            "The photos cannot be split by person into "
            f"{PER_CLASS} per class; there are {counts.tolist()} photos per digit."
        )
    return assigned


def load_photo(path):
    """One photo as the model sees it: uint8 (64, 64, 3), through ``load_image``."""
    import resnets_utils

    _, x = resnets_utils.load_image(path)
    return np.rint(x[0] * 255.0).astype(np.uint8)


def write_split(path, split, x, y):
    """Write one split in the SIGNS schema, byte-identical on every run."""
    opts = dict(compression="gzip", compression_opts=9, shuffle=True, track_times=False)
    with h5py.File(path, "w", track_order=False) as f:
        f.create_dataset(f"{split}_set_x", data=x, **opts)
        f.create_dataset(f"{split}_set_y", data=np.asarray(y, dtype=np.int64), **opts)
        f.create_dataset("list_classes", data=np.arange(N_CLASSES, dtype=np.int64), **opts)
        f.attrs["source"] = "Sign Language Digits Dataset (Apache-2.0), digits 0-5"
        f.attrs["built_by"] = "tools/build_datasets.py"


def plan(photos_dir=PHOTOS_DIR, seed=0):
    """The split of every photo, without reading any image.

    Returns a list of dicts with keys split, index (position in its file, -1 for extra),
    label, person and file (relative to ``photos_dir``), in file order within each split.
    """
    photos = list_photos(photos_dir)
    labels = [digit for _, digit, _ in photos]
    persons = person_ids(photos)
    splits = split_by_person(labels, persons, seed)
    rows = []
    rng = np.random.default_rng([seed, 1])
    for split in ("train", "test", "extra"):
        members = [i for i, s in enumerate(splits) if s == split]
        if split != "extra":  # classes mixed in the file, as in the original SIGNS
            members = [members[j] for j in rng.permutation(len(members))]
        for index, i in enumerate(members):
            rows.append(
                {
                    "split": split,
                    "index": index if split != "extra" else -1,
                    "label": labels[i],
                    "person": persons[i],
                    "file": photos[i][0],
                }
            )
    return rows


def build(out, photos_dir=PHOTOS_DIR, seed=0, limit=None):
    """Write ``train_signs.h5``, ``test_signs.h5`` and ``signs_split.csv`` into ``out``.

    ``limit`` -- keep only the first N photos of each split (for quick tests); the files
    then hold fewer photos than the full build, in the same order.
    Returns the rows of ``plan`` that were written.
    """
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows = plan(photos_dir, seed)
    written = []
    for split in ("train", "test"):
        members = [r for r in rows if r["split"] == split][:limit]
        x = np.stack([load_photo(Path(photos_dir) / r["file"]) for r in members])
        write_split(out / f"{split}_signs.h5", split, x, [r["label"] for r in members])
        written += members
    written += [r for r in rows if r["split"] == "extra"][:limit]
    with open(out / SPLIT_FILE, "w", newline="") as f:
        writer = csv.DictWriter(
            f, fieldnames=["split", "index", "label", "person", "file"], lineterminator="\n"
        )
        writer.writeheader()
        writer.writerows(written)
    return written


def write_samples(images_dir, data_dir, per_class=8, scales=(1, 3)):
    """Labelled grids of the first ``per_class`` training photos of every class, one row
    per digit: ``signs_samples_64.png`` at the model's 64x64 and ``signs_samples.png``
    enlarged 3x (nearest neighbour, so every pixel the model sees stays visible)."""
    from PIL import Image, ImageDraw, ImageFont

    with h5py.File(Path(data_dir) / "train_signs.h5", "r") as f:
        x, y = f["train_set_x"][:], f["train_set_y"][:]
    written = []
    for scale, name in zip(scales, ("signs_samples_64.png", "signs_samples.png")):
        side, margin, font_size = 64 * scale, 4, 11 + 7 * scale
        font = ImageFont.load_default(size=font_size)
        label_w = 3 * font_size + 8
        grid = Image.new(
            "RGB", (label_w + per_class * (side + margin), N_CLASSES * (side + margin)), "white"
        )
        draw = ImageDraw.Draw(grid)
        for c in range(N_CLASSES):
            top = c * (side + margin)
            draw.text((4, top + (side - font_size) // 2), f"y = {c}", fill="black", font=font)
            for k, i in enumerate(np.flatnonzero(y == c)[:per_class]):
                tile = Image.fromarray(x[i]).resize((side, side), Image.Resampling.NEAREST)
                grid.paste(tile, (label_w + k * (side + margin), top))
        grid.save(Path(images_dir) / name)
        written.append(Path(images_dir) / name)
    return written


def read_split_file(path):
    """The rows of a ``signs_split.csv`` as dicts (index, label and person as int)."""
    with open(path, newline="") as f:
        return [
            {
                **row,
                "index": int(row["index"]),
                "label": int(row["label"]),
                "person": int(row["person"]),
            }
            for row in csv.DictReader(f)
        ]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=0, help="seed of the split (default 0)")
    parser.add_argument(
        "--out", type=Path, default=REPO_ROOT / "datasets", help="output folder (default datasets/)"
    )
    parser.add_argument(
        "--photos",
        type=Path,
        default=PHOTOS_DIR,
        help="folder with one sub-folder of photos per digit",
    )
    parser.add_argument(
        "--samples",
        type=Path,
        default=None,
        metavar="FOLDER",
        help="also draw the labelled sample grids into FOLDER (images/)",
    )
    args = parser.parse_args(argv)
    start = time.perf_counter()
    try:
        rows = build(args.out, args.photos, args.seed)
    except PhotoSetError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.samples is not None:
        for path in write_samples(args.samples, args.out):
            print(f"wrote {path}")
    counts = {s: sum(r["split"] == s for r in rows) for s in ("train", "test", "extra")}
    print(
        f"wrote {args.out}/train_signs.h5 ({counts['train']} photos), test_signs.h5 "
        f"({counts['test']}) and {SPLIT_FILE} ({counts['extra']} extra) in "
        f"{time.perf_counter() - start:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
