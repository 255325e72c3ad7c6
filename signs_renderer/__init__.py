"""Renderer of SIGNS-format hand-sign pictures (64x64 RGB, six classes: 0 to 5 fingers).

A 3D hand model, ray-marched in front of a wall. The course's SIGNS files are real photos
(``tools/build_datasets.py``); these pictures are mixed into the pretrained model's training
set, for the hand turns, framings, walls and light the photos lack, and validate it on a
second domain (``tools/train_pretrained.py``, ``models/REPORT.md``). Entry points:

* :func:`signs_renderer.render.render_sample` -- one picture from a label and a seed;
* :func:`signs_renderer.build.render_set` -- the first n pictures of a split, as arrays;
* ``python -m signs_renderer.build --seed 0 --out FOLDER`` -- both splits as SIGNS-format
  HDF5 files, to look at or benchmark (``benchmarks/bench_render.py``).
"""

__version__ = "3.0.0"
