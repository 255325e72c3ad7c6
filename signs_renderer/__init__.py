"""Renderer of SIGNS-format hand-sign pictures (64x64 RGB, six classes: 0 to 5 fingers).

The course's SIGNS dataset is rebuilt from scratch by ray-marching a 3D hand model in
front of a wall; see ``datasets/README.md``. Entry points:

* :func:`signs_renderer.render.render_sample` -- one picture from a label and a seed;
* ``python -m signs_renderer.build --seed 0 --out datasets/`` -- the two HDF5 files;
* ``python -m signs_renderer.samples`` -- the pictures in ``images/``.
"""

__version__ = "2.0.0"
