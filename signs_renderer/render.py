"""Signed-distance-field hand in front of a wall, ray-marched with NumPy.

One image is made in four steps:

1. :func:`draw_params` draws every random choice of one picture (pose, camera, light,
   colours, camera artefacts) from a single integer seed.
2. Primary rays are sphere-traced against the hand's distance field, only inside the
   hand's screen-space bounding box and depth range; every other ray meets the wall plane,
   which is solved exactly. Rays that hit or leave the range are dropped each step.
3. Hand points get a normal, ambient occlusion and a soft shadow towards the light; the wall
   gets the hand's soft shadow, computed on a coarse grid (it is blurry anyway).
4. The picture, rendered ``supersample`` times larger, is box-filtered down, slightly
   blurred, given JPEG-like chroma loss and 8x8 blockiness, sensor noise and quantised.

Only +, -, *, /, sqrt, min and max run inside the ray marcher, all in float64, so the
same seed gives the same picture on any machine, up to rounding of the last intensity level.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from .hand import (
    FOREARM_FLATTEN,
    PALM_CENTRE,
    PALM_ROUND,
    HandPose,
    build_hand,
    sample_pose,
)

#: Resolution of the dataset images.
IMAGE_SIZE = 64
#: Each output pixel averages SUPERSAMPLE x SUPERSAMPLE rays.
SUPERSAMPLE = 2

_MARCH_STEPS = 48
_SHADOW_STEPS = 14
_WALL_SHADOW_GRID = 24
_AO_OFFSETS = np.array([0.25, 0.6, 1.2, 2.0])
_AO_WEIGHTS = np.array([0.9, 0.55, 0.3, 0.15])

# Skin colours (sRGB) from very light to very dark; a draw interpolates between neighbours.
_SKIN = np.array(
    [
        [241, 206, 186],
        [228, 184, 156],
        [212, 160, 126],
        [190, 135, 98],
        [160, 108, 74],
        [128, 84, 58],
        [96, 62, 44],
        [70, 46, 34],
    ]
)
# Wall colours (sRGB). The first three are the off-white and very light grey walls of the
# original photos and are drawn most often; the others stand for the rooms of learners.
_WALLS = np.array(
    [
        [236, 234, 228],
        [228, 228, 224],
        [240, 236, 226],
        [238, 230, 212],
        [222, 208, 186],
        [205, 210, 214],
        [214, 226, 232],
        [220, 230, 212],
        [236, 222, 222],
        [190, 190, 186],
        [200, 170, 130],
    ]
)
_WALL_WEIGHTS = np.array([0.26, 0.2, 0.14, 0.07, 0.06, 0.05, 0.05, 0.05, 0.04, 0.04, 0.04])
# Colours of things at the edges of a picture: white or wooden door frames, a grey switch,
# a dark screen or picture frame, a green plant, a blue cloth.
_CLUTTER = np.array(
    [
        [246, 244, 240],
        [170, 120, 80],
        [120, 84, 56],
        [200, 200, 196],
        [40, 40, 44],
        [70, 100, 60],
        [70, 90, 140],
        [225, 215, 190],
    ]
)


@dataclass
class SceneParams:
    """Every random choice of one picture."""

    pose: HandPose
    left: bool  # mirror to a left hand
    back: bool  # camera sees the back of the hand
    roll: float  # rotation in the image plane, degrees
    pitch: float  # tilt towards or away from the camera, degrees
    yaw: float  # turn about the hand's long axis, degrees
    fill: float  # wrist-to-fingertip length as a fraction of the image height
    shift: np.ndarray  # (2,) offset of the hand centre, fraction of the half image
    fov: float  # vertical field of view, degrees
    gap: float  # wall distance behind the hand, cm
    light: np.ndarray  # (3,) unit vector towards the light (camera frame)
    light_rgb: np.ndarray  # (3,) colour times intensity of the key light
    ambient_rgb: np.ndarray  # (3,) colour times intensity of the room light
    shadow_softness: float  # penumbra factor, smaller is softer
    skin: np.ndarray  # (3,) sRGB albedo of the back of the hand
    palm: np.ndarray  # (3,) sRGB albedo of the palm side
    wall: np.ndarray  # (3,) sRGB albedo of the wall
    gradient: np.ndarray  # (3,) wall light gradient: x slope, y slope, vignetting
    exposure: float  # sRGB level of the lit wall in the centre, 0..1
    white_balance: np.ndarray  # (3,) channel gains
    blur: float  # weight of each neighbour in the 3-tap blur
    blockiness: float  # strength of the 8x8 block averaging
    noise: float  # sensor noise, standard deviation in intensity levels
    wall_waves: np.ndarray  # (4, 4) paint and plaster texture: x and y frequency, phase, amplitude
    nail: float  # how much lighter and pinker the fingernails are, 0..1
    creases: float  # darkening of skin creases at the joints and on the palm, 0..1
    hair: float  # darkening of the forearm's back by its hair, 0..1
    mottle: np.ndarray  # (4,) skin colour variation: 3 phases and an amplitude
    noise_seed: int = field(repr=False)
    clutter: np.ndarray = field(
        default_factory=lambda: np.zeros((0, 7))
    )  # (m, 7) rectangles x0 y0 x1 y1 r g b

    def as_vector(self):
        """All continuous parameters as one flat float array (used to compare draws)."""
        scal = [
            self.roll,
            self.pitch,
            self.yaw,
            self.fill,
            self.fov,
            self.gap,
            self.shadow_softness,
            self.exposure,
            self.blur,
            self.blockiness,
            self.noise,
            self.nail,
            self.creases,
            self.hair,
        ]
        return np.concatenate(
            [
                self.pose.as_vector(),
                scal,
                self.shift,
                self.light,
                self.light_rgb,
                self.ambient_rgb,
                self.skin,
                self.palm,
                self.wall,
                self.gradient,
                self.white_balance,
                self.wall_waves.ravel(),
                self.mottle,
            ]
        )


def _unit(v):
    v = np.asarray(v, float)
    return v / math.sqrt(float(v @ v))


def _draw_colours(rng):
    """The skin's tone (0 to len(_SKIN) - 1), and the skin, palm and wall colours, (3,)
    RGB from 0 to 255 each."""
    u = rng.uniform
    tone = u(0, len(_SKIN) - 1)
    i = min(int(tone), len(_SKIN) - 2)
    skin = (_SKIN[i] + (tone - i) * (_SKIN[i + 1] - _SKIN[i])) * (1 + rng.uniform(-0.05, 0.05, 3))
    palm = skin + (0.25 + 0.45 * tone / (len(_SKIN) - 1)) * (np.array([236.0, 178, 160]) - skin)
    w = rng.dirichlet(
        np.full(len(_WALLS), 0.3)
        + 3.0 * np.eye(len(_WALLS))[rng.choice(len(_WALLS), p=_WALL_WEIGHTS)]
    )
    wall = w @ _WALLS * u(0.9, 1.04) + rng.uniform(-4, 4, 3)
    return tone, np.clip(skin, 0, 255), np.clip(palm, 0, 255), np.clip(wall, 0, 255)


def _draw_side(label, rng):
    """Which hand, whether its back faces us, its roll and its yaw (degrees):
    (left, back, roll, yaw)."""
    u = rng.uniform
    left = bool(rng.random() < 0.5)
    roll = u(-40, 40)
    if label == 0:  # the "O" is seen from the thumb side, the back of the hand half turned to us
        back = False
        yaw = u(75, 115) * (-1.0 if left else 1.0)
        roll = math.copysign(u(10, 40), roll)
    else:  # mostly the palm faces the camera, often turned half away or seen from the side
        back = bool(rng.random() < 0.15)
        yaw = u(-75, 75)
    return left, back, roll, yaw


def _draw_wall(rng):
    """The wall's four texture waves, (4, 4): x and y frequency, phase, amplitude; and the
    clutter on it, (n, 7) with n from 0 to 2."""
    waves = np.stack(
        [
            rng.uniform(-6, 6, 4),
            rng.uniform(-6, 6, 4),
            rng.uniform(0, 2 * math.pi, 4),
            rng.uniform(0.0, 0.012, 4),
        ],
        1,
    )
    waves[3, :2] *= 6.0  # one fine grain (plaster, paper)
    n_clutter = rng.choice(3, p=[0.55, 0.3, 0.15])
    clutter = np.array([_clutter_item(rng) for _ in range(n_clutter)]).reshape(-1, 7)
    return waves, clutter


def _draw_camera(rng):
    """The hand's pitch and the framing: SceneParams' pitch, fill, shift, fov, gap, light."""
    u = rng.uniform
    return dict(
        pitch=u(-20, 12),
        fill=u(0.4, 0.85),
        shift=np.array([u(-0.3, 0.3), u(-0.28, 0.08)]),
        fov=u(30, 45),
        gap=u(18, 60),
        light=_unit([u(-0.9, 0.9), u(0.1, 0.75), u(0.5, 1.0)]),
    )


def _draw_finish(rng, key, room, tone):
    """Ambient light, shadows, the photo's look and the skin's detail: the rest of
    SceneParams' fields, given the key light's strength, the room's colour and the tone."""
    u = rng.uniform
    return dict(
        ambient_rgb=(1.05 - key) * u(0.7, 1.0) * room,
        shadow_softness=u(2.5, 8.0),
        gradient=np.array([u(-0.18, 0.18), u(-0.08, 0.18), u(0.0, 0.25)]),
        exposure=u(0.7, 0.94),
        white_balance=1 + rng.uniform(-0.07, 0.07, 3),
        blur=u(0.08, 0.24),
        blockiness=u(0.0, 0.3),
        noise=u(0.2, 1.2),
        nail=u(0.2, 1.0),
        creases=u(0.2, 1.0),
        hair=u(0.0, 1.0) * (1.0 - tone / 10.0),
        mottle=np.concatenate([rng.uniform(0, 2 * math.pi, 3), [u(0.0, 0.06)]]),
        noise_seed=int(rng.integers(2**62)),
    )


def draw_params(label, seed):
    """Draw all parameters of a picture of hand shape ``label`` from the integer ``seed``.

    ``seed`` may be anything ``numpy.random.default_rng`` accepts (an int or a SeedSequence).
    The draws come in a fixed order (pose, colours, light, side, wall, camera, finish), so
    a seed always gives the same picture.
    """
    rng = np.random.default_rng(seed)
    u = rng.uniform
    pose = sample_pose(label, rng)
    tone, skin, palm, wall = _draw_colours(rng)
    key = u(0.55, 0.9)
    warm = np.array([1.0, u(0.9, 1.0), u(0.75, 0.97)])
    room = np.array([u(0.88, 1.0), u(0.93, 1.0), u(0.85, 1.08)])
    left, back, roll, yaw = _draw_side(label, rng)
    waves, clutter = _draw_wall(rng)
    return SceneParams(
        pose=pose,
        left=left,
        back=back,
        roll=roll,
        yaw=yaw,
        light_rgb=key * warm,
        skin=skin,
        palm=palm,
        wall=wall,
        wall_waves=waves,
        clutter=clutter,
        **_draw_camera(rng),
        **_draw_finish(rng, key, room, tone),
    )


def _clutter_item(rng):
    """One thing at the edge of the picture: a rectangle (x0, y0, x1, y1, r, g, b).

    Coordinates are in the picture's [-1, 1] square, y up; most of the thing lies outside.
    """
    u = rng.uniform
    kind = rng.choice(4)
    colour = _CLUTTER[rng.choice(len(_CLUTTER))] * u(0.9, 1.05)
    side = rng.choice([-1.0, 1.0])
    if kind == 0:  # a door or window frame along a side
        x = side * u(0.8, 0.97)
        rect = [x, -1.5, x + side * 0.6, 1.5]
    elif kind == 1:  # a shelf, picture or screen in a top corner
        x, y = side * u(0.45, 0.85), u(0.55, 0.85)
        rect = [x, y, x + side * 1.0, 1.5]
    elif kind == 2:  # a light switch near a side
        x, y = side * u(0.7, 0.92), u(-0.2, 0.7)
        rect = [x, y, x + side * 0.12, y + 0.16]
    else:  # a skirting board or table edge at the bottom
        y = -u(0.85, 0.97)
        rect = [-1.5, -1.5, 1.5, y]
    x0, x1 = sorted(rect[0::2])
    y0, y1 = sorted(rect[1::2])
    return [x0, y0, x1, y1, *colour]


def _rotation(roll, pitch, yaw):
    """Rotation matrix Rz(roll) @ Rx(pitch) @ Ry(yaw), angles in degrees."""
    cr, sr = math.cos(math.radians(roll)), math.sin(math.radians(roll))
    cp, sp = math.cos(math.radians(pitch)), math.sin(math.radians(pitch))
    cy, sy = math.cos(math.radians(yaw)), math.sin(math.radians(yaw))
    rz = np.array([[cr, -sr, 0], [sr, cr, 0], [0, 0, 1]])
    rx = np.array([[1, 0, 0], [0, cp, -sp], [0, sp, cp]])
    ry = np.array([[cy, 0, sy], [0, 1, 0], [-sy, 0, cy]])
    return rz @ rx @ ry


def _smin(a, b, k):
    """Polynomial smooth minimum of two distances with blend radius ``k``."""
    h = np.clip(0.5 + 0.5 * (b - a) / k, 0.0, 1.0)
    return b + h * (a - b) - k * h * (1.0 - h)


def _cone(x, y, z, a, b, ra, rb):
    """Distance to a capsule whose radius goes linearly from ``ra`` at a to ``rb`` at b."""
    ba = b - a
    pax, pay, paz = x - a[0], y - a[1], z - a[2]
    h = np.clip((pax * ba[0] + pay * ba[1] + paz * ba[2]) / float(ba @ ba), 0.0, 1.0)
    qx, qy, qz = pax - h * ba[0], pay - h * ba[1], paz - h * ba[2]
    return np.sqrt(qx * qx + qy * qy + qz * qz) - (ra + h * (rb - ra))


class HandField:
    """Signed distance (cm) from points in the hand frame to the skin of a posed hand."""

    def __init__(self, geometry):
        g = geometry
        ba = g.bones_b - g.bones_a
        self._a = [g.bones_a[:, k].copy() for k in range(3)]
        self._ba = [ba[:, k].copy() for k in range(3)]
        self._inv = 1.0 / (ba * ba).sum(1)
        self._ra = g.bones_ra
        self._dr = g.bones_rb - g.bones_ra
        self._thumb = g.thumb_meta
        self._palm_half = g.palm_half
        self.palmar = g.bones_palmar
        a, b, ra, rb = g.forearm
        scale = np.array([1.0, 1.0, FOREARM_FLATTEN])
        self._forearm = (a * scale, b * scale, ra, rb)

    def __call__(self, x, y, z):
        """Distances at the points (x, y, z), three 1-D arrays of equal length."""
        d, _ = self._bones(x, y, z)
        return _smin(self._body(x, y, z), d.min(axis=1), 0.75)

    def _bones(self, x, y, z):
        """Distance to every finger and thumb bone (n_points, n_bones), and where along each
        bone the closest point lies (0 at its start, 1 at its end)."""
        pax = x[:, None] - self._a[0]
        pay = y[:, None] - self._a[1]
        paz = z[:, None] - self._a[2]
        bx, by, bz = self._ba
        h = np.clip((pax * bx + pay * by + paz * bz) * self._inv, 0.0, 1.0)
        pax -= h * bx
        pay -= h * by
        paz -= h * bz
        return np.sqrt(pax * pax + pay * pay + paz * paz) - (self._ra + h * self._dr), h

    def _body(self, x, y, z):
        """Distance to the palm, thumb metacarpal and forearm, blended."""
        # Palm: rounded box, narrower towards the wrist.
        taper = 0.84 + 0.16 * np.clip(y * 0.1, 0.0, 1.0)
        qx = np.abs(x - PALM_CENTRE[0]) / taper - self._palm_half[0]
        # The knuckle line drops towards the little finger.
        qy = np.abs(y - PALM_CENTRE[1] - 0.22 * np.minimum(x, 0.0)) - self._palm_half[1]
        qz = np.abs(z - PALM_CENTRE[2]) - self._palm_half[2]
        mx, my, mz = np.maximum(qx, 0.0), np.maximum(qy, 0.0), np.maximum(qz, 0.0)
        palm = (
            np.sqrt(mx * mx + my * my + mz * mz)
            + np.minimum(np.maximum(np.maximum(qx, qy), qz), 0.0)
            - PALM_ROUND
        )
        thumb = _cone(x, y, z, *self._thumb)
        forearm = _cone(x, y, z * FOREARM_FLATTEN, *self._forearm) * (1.0 / FOREARM_FLATTEN)
        return _smin(_smin(palm, thumb, 1.4), forearm, 2.2)

    def nearest_bone(self, x, y, z):
        """Which finger or thumb bone is closest to each point, and where along it.

        Returns ``(bone, h)``: the bone's index in the geometry (-1 where the palm, thumb
        metacarpal or forearm is closer) and the position along it, 0 at its start and 1 at
        its end.
        """
        d, h = self._bones(x, y, z)
        bone = d.argmin(axis=1)
        rows = np.arange(len(x))
        body = self._body(x, y, z)
        bone = np.where(d[rows, bone] < body, bone, -1)
        return bone, h[rows, np.maximum(bone, 0)]


def _march(field_, ox, oy, oz, dx, dy, dz, t, t_end, steps, eps):
    """Sphere-trace rays from o along d, starting at t, until t_end. Returns hit mask and t."""
    n = len(t)
    hit = np.zeros(n, bool)
    t_out = t.copy()
    idx = np.arange(n)
    for _ in range(steps):
        d = field_(ox + dx * t, oy + dy * t, oz + dz * t)
        done = d < eps * t
        hit[idx[done]] = True
        t = t + 0.95 * d
        t_out[idx] = t
        keep = ~done & (t < t_end)
        if not keep.all():
            idx, t, t_end = idx[keep], t[keep], t_end[keep]
            ox, oy, oz, dx, dy, dz = ox[keep], oy[keep], oz[keep], dx[keep], dy[keep], dz[keep]
            if not len(idx):
                break
    # Rays out of steps: count as hits only when they ended next to the surface.
    if len(idx):
        d = field_(ox + dx * t, oy + dy * t, oz + dz * t)
        hit[idx[d < 0.05]] = True
    return hit, t_out


def _soft_shadow(field_, ox, oy, oz, lx, ly, lz, t_start, t_max, steps, k):
    """Fraction of light (0..1) reaching the points o from the direction l (penumbra k)."""
    n = len(ox)
    res = np.ones(n)
    t = np.full(n, t_start)
    idx = np.arange(n)
    for _ in range(steps):
        h = field_(ox + lx * t, oy + ly * t, oz + lz * t)
        res[idx] = np.minimum(res[idx], k * h / t)
        t = t + np.clip(h, 0.3, 6.0)
        keep = (res[idx] > 0.0) & (t < t_max)
        if not keep.all():
            idx, t = idx[keep], t[keep]
            ox, oy, oz = ox[keep], oy[keep], oz[keep]
            if not len(idx):
                break
    res = np.clip(res, 0.0, 1.0)
    return res * res * (3.0 - 2.0 * res)


def _to_linear(srgb):
    return (np.asarray(srgb, float) / 255.0) ** 2.2


def render_linear(params, size):
    """Render the scene at ``size`` x ``size`` pixels: linear RGB radiance (float, before exposure)."""
    p = params
    geometry = build_hand(p.pose)
    field_ = HandField(geometry)

    # Hand frame <-> camera frame. Camera at the origin looking down -z, y up.
    rot = _rotation(p.roll, p.pitch, p.yaw + (180.0 if p.back else 0.0))
    mirror = np.diag([-1.0 if p.left else 1.0, 1.0, 1.0])
    to_cam = rot @ mirror  # hand-frame direction -> camera-frame direction
    to_hand = mirror @ rot.T
    tan_half = math.tan(math.radians(p.fov) / 2)
    pivot = np.array([0.0, 9.3, 0.0])
    distance = 19.0 / (2.0 * tan_half * p.fill)
    centre = np.array(
        [p.shift[0] * tan_half * distance, p.shift[1] * tan_half * distance, -distance]
    )

    pts, rad = geometry.points_and_radii()
    cam_pts = (pts - pivot) @ to_cam.T + centre
    # Keep the raised fingers inside the picture: move the hand down if they poke out at the top.
    top = ((cam_pts[:, 1] + rad) / -cam_pts[:, 2]).max() / tan_half
    if top > 0.95:
        centre[1] -= (top - 0.95) * tan_half * distance
        cam_pts[:, 1] -= (top - 0.95) * tan_half * distance
    wall_z = -(distance + p.gap)

    s, u, v, dx, dy, dz = _primary_rays(size, tan_half)
    sel, near, far = _hand_pixels(s, cam_pts, rad, tan_half, size)

    color = np.empty((size * size, 3))
    # Wall everywhere first.
    pix_u, pix_v = u / tan_half, v / tan_half
    wall_light = _wall_light(p, field_, to_hand, pivot, centre, wall_z, tan_half, pix_u, pix_v)
    color[:] = wall_light * _wall_albedo(p, pix_u, pix_v)

    if len(sel):
        hit, (hx, hy, hz), view = _trace_hand(
            field_, to_hand, pivot, centre, dx[sel], dy[sel], dz[sel], near, far
        )
        if hit.any():
            color[sel[hit]] = _shade_hand(p, field_, to_hand, to_cam, hx, hy, hz, view)
    return color.reshape(size, size, 3)


def _primary_rays(size, tan_half):
    """The camera's rays through the pixel centres of a ``size`` x ``size`` picture.

    Returns (s, u, v, dx, dy, dz): ``s`` (size,) the pixel centres' coordinates across the
    picture, in [-1, 1]; ``u``, ``v`` (size * size,) each pixel's point on the image plane at
    distance 1 (row-major, row 0 the top of the picture, v up); ``dx``, ``dy``, ``dz``
    (size * size,) the unit direction of each pixel's ray in the camera frame (looking down -z).
    """
    s = (np.arange(size) + 0.5) / size * 2.0 - 1.0
    u = np.broadcast_to(s[None, :] * tan_half, (size, size)).ravel()
    v = np.broadcast_to(-s[:, None] * tan_half, (size, size)).ravel()
    norm = 1.0 / np.sqrt(u * u + v * v + 1.0)
    return s, u, v, u * norm, v * norm, -norm


def _hand_pixels(s, cam_pts, rad, tan_half, size):
    """The pixels whose rays can meet the hand: the hand's screen-space bounding box.

    ``s`` -- the pixel centres' coordinates (size,), as ``_primary_rays`` gives them;
    ``cam_pts`` (n, 3), ``rad`` (n,) -- the hand's spheres in the camera frame.
    Returns (sel, near, far): the row-major indices (k,) of the pixels in the box (widened by
    2.5 pixels), and the hand's nearest and farthest depth along -z (scene units).
    """
    z_pts = -cam_pts[:, 2]
    pu = cam_pts[:, 0] / z_pts / tan_half
    pv = cam_pts[:, 1] / z_pts / tan_half
    pr = rad / z_pts / tan_half + 2.5 / size
    inside = (
        (s[None, :] >= (pu - pr).min())
        & (s[None, :] <= (pu + pr).max())
        & (-s[:, None] >= (pv - pr).min())
        & (-s[:, None] <= (pv + pr).max())
    ).ravel()
    near = (z_pts - rad).min()
    far = (z_pts + rad).max()
    return np.flatnonzero(inside), near, far


def _trace_hand(field_, to_hand, pivot, centre, dx, dy, dz, near, far):
    """March the camera rays of direction (dx, dy, dz) (k,) (camera frame) onto the hand,
    between the depths ``near`` and ``far``.

    Returns (hit, (hx, hy, hz), view): ``hit`` bool (k,), the rays that meet the hand; the
    points where they meet it, in the hand frame, each (h,) for the h rays that hit; and
    ``view`` (h, 3), the unit direction from each point back to the camera (hand frame).
    """
    o = to_hand @ (-centre) + pivot
    ldx = to_hand[0, 0] * dx + to_hand[0, 1] * dy + to_hand[0, 2] * dz
    ldy = to_hand[1, 0] * dx + to_hand[1, 1] * dy + to_hand[1, 2] * dz
    ldz = to_hand[2, 0] * dx + to_hand[2, 1] * dy + to_hand[2, 2] * dz
    t0 = near / -dz
    t1 = far / -dz
    ones = np.ones(len(dx))
    hit, t = _march(
        field_,
        o[0] * ones,
        o[1] * ones,
        o[2] * ones,
        ldx,
        ldy,
        ldz,
        t0,
        t1,
        _MARCH_STEPS,
        0.0015,
    )
    points = (
        o[0] + ldx[hit] * t[hit],
        o[1] + ldy[hit] * t[hit],
        o[2] + ldz[hit] * t[hit],
    )
    view = -np.stack([ldx[hit], ldy[hit], ldz[hit]], 1)
    return hit, points, view


def _wall_light(p, field_, to_hand, pivot, centre, wall_z, tan_half, pix_u, pix_v):
    """Light on the wall at every pixel: key light times the hand's shadow, plus room light."""
    g = _WALL_SHADOW_GRID
    s = (np.arange(g) + 0.5) / g * 2.0 - 1.0
    gu = np.broadcast_to(s[None, :], (g, g)).ravel()
    gv = np.broadcast_to(-s[:, None], (g, g)).ravel()
    # Wall points seen through the grid, in the hand frame.
    wx, wy = gu * tan_half * -wall_z, gv * tan_half * -wall_z
    rel = np.stack([wx, wy, np.full_like(wx, wall_z)], 1) - centre
    loc = rel @ to_hand.T + pivot
    light = to_hand @ p.light
    shade = _soft_shadow(
        field_,
        loc[:, 0],
        loc[:, 1],
        loc[:, 2],
        light[0],
        light[1],
        light[2],
        1.0,
        p.gap * 3.0 + 60.0,
        22,
        p.shadow_softness * 0.35,
    )
    # Bilinear upsampling of the coarse shadow grid.
    shade = shade.reshape(g, g)
    fx = np.clip((pix_u + 1.0) * 0.5 * g - 0.5, 0.0, g - 1.0)
    fy = np.clip((1.0 - pix_v) * 0.5 * g - 0.5, 0.0, g - 1.0)
    x0, y0 = np.minimum(fx.astype(int), g - 2), np.minimum(fy.astype(int), g - 2)
    ax, ay = fx - x0, fy - y0
    sh = (shade[y0, x0] * (1 - ax) + shade[y0, x0 + 1] * ax) * (1 - ay) + (
        shade[y0 + 1, x0] * (1 - ax) + shade[y0 + 1, x0 + 1] * ax
    ) * ay
    lz = max(p.light[2], 0.0)
    gx, gy, vig = p.gradient
    falloff = 1.0 + gx * pix_u + gy * pix_v - vig * (pix_u * pix_u + pix_v * pix_v) * 0.5
    return (sh[:, None] * lz * p.light_rgb + p.ambient_rgb) * falloff[:, None]


def _wall_albedo(p, pix_u, pix_v):
    """Linear albedo of the wall seen at picture coordinates (u, v) in [-1, 1]: (n, 3).

    The paint gets a faint texture of a few waves, and the things in ``p.clutter`` cover it.
    """
    texture = np.ones_like(pix_u)
    for fx, fy, phase, amp in p.wall_waves:
        texture += amp * np.sin(math.pi * (fx * pix_u + fy * pix_v) + phase)
    albedo = texture[:, None] * _to_linear(p.wall)
    for x0, y0, x1, y1, *rgb in p.clutter:
        inside = (pix_u >= x0) & (pix_u <= x1) & (pix_v >= y0) & (pix_v <= y1)
        albedo[inside] = _to_linear(np.clip(rgb, 0, 255))
    return albedo


def _skin_albedo(p, field_, x, y, z, n):
    """Linear albedo of skin points (hand frame) with normals ``n``: (m, 3).

    Back and palm colours blend by the normal; on top come a faint mottle, darker creases
    at the finger joints and palm lines, lighter and pinker nails, and the forearm's hair.
    """
    palm_side = np.clip(n[:, 2] * 1.5 + 0.2, 0.0, 1.0)[:, None]
    albedo = _to_linear(p.skin) + palm_side * (_to_linear(p.palm) - _to_linear(p.skin))
    ph = p.mottle
    mottle = np.sin(1.7 * x + ph[0]) * np.sin(1.3 * y + ph[1]) * np.sin(2.1 * z + 0.7 * x + ph[2])
    albedo = albedo * (1.0 + ph[3] * mottle)[:, None]
    bone, h = field_.nearest_bone(x, y, z)
    on_bone = bone >= 0
    pad = np.zeros(len(x))
    pad[on_bone] = (n[on_bone] * field_.palmar[bone[on_bone]]).sum(1)
    darken = np.zeros(len(x))
    # Creases at the joints on the pad side (the start of the middle and end phalanges).
    joint = on_bone & (bone % 3 != 0) & (bone < 12)
    darken[joint] = np.exp(-((h[joint] / 0.08) ** 2)) * np.clip(pad[joint], 0.0, 1.0)
    # Palm lines: the two long creases across the palm and the one round the thumb's root.
    palm = ~on_bone & (n[:, 2] > 0.3) & (y > 1.5) & (y < 8.8)
    px, py = x[palm], y[palm]
    lines = np.maximum.reduce(
        [
            np.exp(-(((py - 7.4 + 0.28 * px) / 0.18) ** 2)) * (px < 2.0),
            np.exp(-(((py - 5.9 - 0.35 * px) / 0.18) ** 2)) * (px > -2.2),
            np.exp(-(((np.hypot(px - 3.6, py - 1.8) - 3.4) / 0.2) ** 2)) * (py > 2.2) * (px < 3.2),
        ]
    )
    darken[palm] = lines
    albedo = albedo * (1.0 - 0.22 * p.creases * darken)[:, None]
    # Nails: the back of the last phalanges, towards the tip.
    nail = on_bone & (np.isin(bone, (2, 5, 8, 11, 13))) & (h > 0.45) & (pad < -0.45)
    nail_colour = _to_linear(np.array([238.0, 196, 190]))
    albedo[nail] += p.nail * 0.55 * (nail_colour - albedo[nail])
    # Forearm: the back of it is darker where hair grows.
    arm = np.clip((0.5 - y) / 2.0, 0.0, 1.0) * np.clip(0.6 - n[:, 2], 0.0, 1.0)
    fuzz = 0.75 + 0.25 * np.sin(9.0 * x + 3.0 * y) * np.sin(7.0 * y - 5.0 * z)
    albedo = albedo * (1.0 - 0.25 * p.hair * arm * fuzz)[:, None]
    return albedo


def _shade_hand(p, field_, to_hand, to_cam, x, y, z, view):
    """Colour of skin points (hand frame) seen from direction ``view`` (unit, towards camera)."""
    e = 0.01
    k = np.array([[1, -1, -1], [-1, -1, 1], [-1, 1, -1], [1, 1, 1]], float)
    n = np.zeros((len(x), 3))
    for kk in k:
        n += kk * field_(x + e * kk[0], y + e * kk[1], z + e * kk[2])[:, None]
    n /= np.sqrt((n * n).sum(1))[:, None]

    m = len(x)
    ao_x = (x[None, :] + n[:, 0] * _AO_OFFSETS[:, None]).ravel()
    ao_y = (y[None, :] + n[:, 1] * _AO_OFFSETS[:, None]).ravel()
    ao_z = (z[None, :] + n[:, 2] * _AO_OFFSETS[:, None]).ravel()
    ao_d = field_(ao_x, ao_y, ao_z).reshape(len(_AO_OFFSETS), m)
    occ = (
        _AO_WEIGHTS[:, None] * np.maximum(_AO_OFFSETS[:, None] - ao_d, 0.0) / _AO_OFFSETS[:, None]
    ).sum(0)
    ao = np.clip(1.0 - 0.4 * occ, 0.3, 1.0)

    light = to_hand @ p.light
    start = 0.05
    sh = _soft_shadow(
        field_,
        x + n[:, 0] * start,
        y + n[:, 1] * start,
        z + n[:, 2] * start,
        light[0],
        light[1],
        light[2],
        0.2,
        40.0,
        _SHADOW_STEPS,
        p.shadow_softness,
    )

    ndl = n @ light
    wrap = np.clip((ndl + 0.35) / 1.35, 0.0, 1.0)
    # Light scattered under the skin keeps shadow edges warm.
    key = (wrap * sh)[:, None] ** np.array([1.0, 1.25, 1.5])
    up = n @ (to_hand @ np.array([0.0, 1.0, 0.0]))
    amb = (0.75 + 0.25 * up) * ao
    albedo = _skin_albedo(p, field_, x, y, z, n)
    half = light + view
    half /= np.sqrt((half * half).sum(1))[:, None]
    ndh = np.clip((n * half).sum(1), 0.0, 1.0)
    spec = 0.06 * ndh**24 * sh * np.clip(ndl * 4.0, 0.0, 1.0)
    rim = 0.04 * (1.0 - np.clip((n * view).sum(1), 0.0, 1.0)) ** 3 * ao
    return (
        albedo * (key * p.light_rgb + amb[:, None] * p.ambient_rgb)
        + (spec + rim)[:, None] * p.light_rgb
    )


def render(params, size=IMAGE_SIZE, supersample=SUPERSAMPLE, camera=True):
    """Render one picture as a uint8 array (size, size, 3).

    ``camera`` adds the camera's blur, JPEG-like chroma loss and blockiness and noise.
    """
    big = render_linear(params, size * supersample)
    # Exposure: the lit wall in the middle of the picture lands on params.exposure.
    # (The wall is taken as lit at 45 degrees or more, so that a hand facing a grazing light
    # does not burn out.)
    wall_mid = (
        _to_linear(params.wall)
        @ np.array([0.3, 0.59, 0.11])
        * (max(params.light[2], 0.7) * params.light_rgb.mean() + params.ambient_rgb.mean())
    )
    lin = big * (params.exposure**2.2 / wall_mid) * params.white_balance
    # Film-like shoulder: highlights above 0.8 roll off towards 1 instead of clipping.
    over = np.maximum(lin - 0.8, 0.0)
    lin = np.minimum(lin, 0.8) + 0.2 * (1.0 - np.exp(-over / 0.2))
    img = lin ** (1 / 2.2) * 255.0
    img = img.reshape(size, supersample, size, supersample, 3).mean(axis=(1, 3))
    if camera:
        img = _camera(img, params)
    return np.clip(np.floor(img + 0.5), 0, 255).astype(np.uint8)


def _camera(img, p):
    """Blur, JPEG-like chroma subsampling and blockiness, and sensor noise (float 0..255)."""
    b = p.blur
    pad = np.pad(img, ((1, 1), (1, 1), (0, 0)), mode="edge")
    img = (1 - 2 * b) * pad[1:-1] + b * (pad[:-2] + pad[2:])
    img = (1 - 2 * b) * img[:, 1:-1] + b * (img[:, :-2] + img[:, 2:])
    # Luma / chroma split as in JPEG: chroma is averaged over 2x2 blocks.
    yy = img @ np.array([0.299, 0.587, 0.114])
    chroma = img - yy[..., None]
    h, w = yy.shape
    chroma = chroma.reshape(h // 2, 2, w // 2, 2, 3).mean(axis=(1, 3)).repeat(2, 0).repeat(2, 1)
    blocks = yy.reshape(h // 8, 8, w // 8, 8).mean(axis=(1, 3)).repeat(8, 0).repeat(8, 1)
    yy = yy + p.blockiness * 0.25 * (blocks - yy)
    img = yy[..., None] + chroma
    rng = np.random.default_rng(p.noise_seed)
    noise = rng.normal(0.0, p.noise, (h, w, 1)) + rng.normal(0.0, p.noise * 0.25, (h, w, 3))
    return img + noise


def render_sample(label, seed, size=IMAGE_SIZE, supersample=SUPERSAMPLE):
    """Draw the parameters of ``(label, seed)`` and render them (uint8 array)."""
    return render(draw_params(label, seed), size, supersample)
