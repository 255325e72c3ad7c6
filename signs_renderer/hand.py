"""Hand skeleton and the six SIGNS hand shapes.

The hand is described in its own frame, in centimetres: the wrist is at the origin, the
fingers point along +y, the palm faces +z and the thumb lies on the +x side (a right hand
seen from its palm). A left hand is the mirror image (x -> -x), applied by the renderer.

Every finger is a chain of three phalanges and the thumb a chain of three bones
(metacarpal, proximal and distal phalanx). Each bone is a "round cone": a capsule whose
radius shrinks linearly from one joint to the next. The palm is a rounded box and the
forearm a flattened round cone; ``render.py`` blends them into one signed distance field.
"""

import math
from dataclasses import dataclass, field

import numpy as np

#: What each label shows, in the order of ``list_classes``.
CLASS_DESCRIPTIONS = (
    "fingertips touch the thumb (O)",
    "index finger raised",
    "index and middle finger (V)",
    "thumb, index and middle finger",
    "four fingers, thumb folded",
    "open hand, five fingers",
)

# Knuckle (MCP joint) position, phalanx lengths and radii at the four joints of each finger:
# index, middle, ring, little finger.
_FINGER_BASES = np.array(
    [[2.55, 9.1, 0.1], [0.85, 9.45, 0.1], [-0.85, 9.2, 0.1], [-2.45, 8.6, 0.05]]
)
_FINGER_LENGTHS = np.array([[4.1, 2.5, 2.0], [4.5, 2.85, 2.1], [4.2, 2.65, 2.0], [3.4, 2.0, 1.8]])
_FINGER_RADII = np.array(
    [
        [1.0, 0.9, 0.82, 0.74],
        [1.03, 0.93, 0.85, 0.76],
        [0.97, 0.88, 0.8, 0.72],
        [0.88, 0.8, 0.72, 0.65],
    ]
)
# Spread (degrees towards the thumb) of fingers held together and held apart.
_SPREAD_TOGETHER = np.array([5.0, 0.0, -5.0, -11.0])
_SPREAD_APART = np.array([16.0, 1.0, -13.0, -27.0])

_THUMB_CMC = np.array([2.4, 1.7, 0.4])
_THUMB_LENGTHS = (3.1, 2.5)
_THUMB_RADII = (1.45, 1.12, 0.98, 0.84)

# Which fingers (index, middle, ring, little) each class raises.
_RAISED = {
    0: (False, False, False, False),
    1: (True, False, False, False),
    2: (True, True, False, False),
    3: (True, True, False, False),
    4: (True, True, True, True),
    5: (True, True, True, True),
}

#: Palm: centre, half-size of the inner box and rounding radius (see render.py).
PALM_CENTRE = np.array([0.0, 4.9, 0.0])
PALM_HALF = np.array([2.95, 3.65, 0.2])
PALM_ROUND = 1.35
#: Forearm radius at the wrist and at the elbow end, its length and its flattening (z).
FOREARM_RADII = (2.55, 3.4)
FOREARM_LENGTH = 26.0
FOREARM_FLATTEN = 1.25


@dataclass
class HandPose:
    """Joint angles of one hand, all in degrees except the thumb target (cm, hand frame)."""

    label: int
    flex: np.ndarray  # (4, 3) flexion of MCP, PIP, DIP joints, towards the palm
    spread: np.ndarray  # (4,) abduction, towards the thumb
    thumb_mcp: np.ndarray  # (3,) thumb MCP joint position
    thumb_target: np.ndarray  # (3,) where the thumb tip should go, or None: computed from fingers
    thumb_bend: float  # how far the thumb IP joint bulges outwards, 0..1
    wrist_flex: float  # forearm bend forwards/backwards
    wrist_dev: float  # forearm bend sideways
    lengths: np.ndarray = None  # (4,) length factor of each finger (1 = the model's)
    thickness: float = 1.0  # factor on every finger and thumb radius
    palm_width: float = 1.0  # factor on the palm's width and the knuckles' spacing

    def as_vector(self):
        """All parameters as one flat float array (used to compare draws)."""
        return np.concatenate(
            [
                self.flex.ravel(),
                self.spread,
                self.thumb_mcp,
                self.thumb_target,
                [self.thumb_bend, self.wrist_flex, self.wrist_dev, self.thickness, self.palm_width],
                self.lengths,
            ]
        )


@dataclass
class HandGeometry:
    """Primitives of a posed hand, in the hand frame.

    ``bones_*`` hold the round cones of the 4 fingers (3 each) and the thumb phalanges;
    the thumb metacarpal and the forearm are kept apart because they blend softly with
    the palm.
    """

    bones_a: np.ndarray  # (n, 3) start points
    bones_b: np.ndarray  # (n, 3) end points
    bones_ra: np.ndarray  # (n,) radius at a
    bones_rb: np.ndarray  # (n,) radius at b
    thumb_meta: tuple  # (a, b, ra, rb)
    forearm: tuple  # (a, b, ra, rb)
    palm_half: np.ndarray = field(default_factory=PALM_HALF.copy)  # (3,) half-size of the palm box
    bones_palmar: np.ndarray = None  # (n, 3) unit vector from each bone's axis to its pad side

    def points_and_radii(self):
        """All segment end points with their radii, to bound the hand on screen."""
        corners = PALM_CENTRE + self.palm_half * np.array(
            [[1, 1, 1], [-1, -1, 1], [1, -1, -1], [-1, 1, -1]]
        )
        pts = [
            self.bones_a,
            self.bones_b,
            np.array(self.thumb_meta[:2]),
            np.array(self.forearm[:2]),
            corners,
        ]
        rad = [
            self.bones_ra,
            self.bones_rb,
            self.thumb_meta[2:],
            (self.forearm[2], self.forearm[3] * FOREARM_FLATTEN),
            (PALM_ROUND,) * 4,
        ]
        return np.concatenate(pts), np.concatenate([np.asarray(r, float) for r in rad])


def _unit(v):
    return v / math.sqrt(float(v @ v))


def _direction(theta_deg, phi_deg):
    """Unit vector of a bone flexed by theta (towards +z) and spread by phi (towards +x)."""
    t, p = math.radians(theta_deg), math.radians(phi_deg)
    return np.array([math.sin(p) * math.cos(t), math.cos(p) * math.cos(t), math.sin(t)])


def _draw_fingers(label, rng):
    """The four fingers' joint angles, (4, 3) degrees (MCP, PIP, DIP), and their spread,
    (4,) degrees, for hand shape ``label``; the folded ones share one curl."""
    u = rng.uniform
    raised = _RAISED[label]
    flex = np.empty((4, 3))
    spread = np.empty(4)
    apart = u(0.55, 1.0)
    curl = u(0.0, 1.0)  # how tightly the folded fingers curl, shared by the hand
    for f in range(4):
        if label == 0:  # fingers arch forwards so that their tips meet the thumb in a ring
            flex[f] = [u(38, 50) + 2 * f, u(62, 76) + 4 * f, u(32, 45)]
            spread[f] = [-3.0, -1.0, 1.5, 5.0][f] + u(-2, 2)
        elif raised[f]:
            if label in (3, 5):
                flex[f] = [u(-8, 8), u(0, 12), u(0, 10)]
            else:
                flex[f] = [u(-3, 10), u(2, 15), u(2, 12)]
            spread[f] = (
                _SPREAD_TOGETHER[f]
                + apart * (_SPREAD_APART[f] - _SPREAD_TOGETHER[f])
                + u(-2.5, 2.5)
            )
        else:
            flex[f] = [u(68, 80) + 14 * curl, u(88, 100) + 12 * curl, u(40, 55) + 18 * curl]
            spread[f] = 0.5 * _SPREAD_TOGETHER[f] + u(-2, 2)
    if label == 2:  # a V between index and middle finger, from wide open to nearly closed
        spread[0] += u(0, 6)
        spread[1] -= u(1, 9)
    if label == 3:  # index and middle finger a little apart, like the 2 of the same signer
        spread[0] += u(0, 4)
        spread[1] -= u(0, 6)
    return flex, spread


def _draw_thumb(label, rng):
    """The thumb's base joint, (3,) in the hand's units, and the point its tip reaches for,
    (3,), NaN where the thumb simply bends (shapes 0, 1 and 2)."""
    u = rng.uniform
    if label in (3, 5):  # thumb sticking out sideways
        thumb_mcp = np.array([5.0, 4.6, 1.0]) + rng.uniform(-0.3, 0.3, 3)
        reach = _unit(np.array([u(0.6, 0.9), u(0.45, 0.75), u(0.1, 0.45)]))
        target = thumb_mcp + 0.97 * sum(_THUMB_LENGTHS) * reach
    elif label == 4:  # thumb folded across the palm
        thumb_mcp = np.array([3.7, 4.6, 1.8]) + rng.uniform(-0.2, 0.2, 3)
        target = np.array([u(-1.2, 0.2), u(5.6, 7.0), u(2.4, 2.7)])
    elif label == 0:  # the thumb reaches forwards and up, leaving a hole under it
        thumb_mcp = np.array([4.0, 5.6, 3.0]) + rng.uniform(-0.2, 0.2, 3)
        target = np.full(3, np.nan)
    else:  # the thumb holds the curled fingers down
        thumb_mcp = np.array([3.9, 5.2, 2.4]) + rng.uniform(-0.2, 0.2, 3)
        target = np.full(3, np.nan)
    return thumb_mcp, target


def sample_pose(label, rng):
    """Draw a random pose of the hand shape ``label`` (0..5) with generator ``rng``.

    Besides the joint angles, every hand gets its own proportions: each finger's length
    (+-7%), the thickness of fingers and thumb (+-12%) and the palm's width (+-7%).
    The draws come in a fixed order, so a seed always gives the same hand.
    """
    u = rng.uniform
    flex, spread = _draw_fingers(label, rng)
    thumb_mcp, target = _draw_thumb(label, rng)
    return HandPose(
        label=int(label),
        flex=flex,
        spread=spread,
        thumb_mcp=thumb_mcp,
        thumb_target=target,
        thumb_bend=u(0.3, 1.0),
        wrist_flex=u(-18, 12),
        wrist_dev=u(-12, 12),
        lengths=rng.uniform(0.93, 1.07, 4),
        thickness=u(0.88, 1.12),
        palm_width=u(0.93, 1.07),
    )


def _finger_joints(pose, f):
    """The four joint positions (MCP, PIP, DIP, tip) of finger ``f``."""
    pts = [_FINGER_BASES[f] * np.array([pose.palm_width, 1.0, 1.0])]
    theta = 0.0
    for j in range(3):
        theta += pose.flex[f, j]
        pts.append(
            pts[-1] + pose.lengths[f] * _FINGER_LENGTHS[f, j] * _direction(theta, pose.spread[f])
        )
    return np.array(pts)


def _two_bone(root, target, l1, l2, pole):
    """Middle joint and end of a two-bone chain reaching from ``root`` towards ``target``."""
    v = target - root
    dist = min(max(math.sqrt(float(v @ v)), abs(l1 - l2) + 1e-3), l1 + l2 - 1e-3)
    axis = _unit(v)
    a = (l1 * l1 - l2 * l2 + dist * dist) / (2 * dist)
    h = math.sqrt(max(l1 * l1 - a * a, 0.0))
    side = _unit(pole - (pole @ axis) * axis)
    joint = root + a * axis + h * side
    return joint, root + dist * axis


def thumb_target(pose, fingers):
    """Where the thumb tip goes: its drawn target, or a point set by the finger joints."""
    if not np.isnan(pose.thumb_target).any():
        return pose.thumb_target
    if pose.label == 0:  # meet the pads of the index and middle fingertips
        return 0.5 * (fingers[0][3] + fingers[1][3]) + np.array([0.9, -0.6, -0.2])
    held = {1: 1, 2: 2}[pose.label]  # lie across the middle phalanx of a curled finger
    mid = 0.5 * (fingers[held][1] + fingers[held][2])
    return mid + np.array([0.3, -0.2, 1.5])


def build_hand(pose):
    """Turn a :class:`HandPose` into the :class:`HandGeometry` the renderer draws."""
    fingers = [_finger_joints(pose, f) for f in range(4)]
    a, b, ra, rb = [], [], [], []
    for f, joints in enumerate(fingers):
        for j in range(3):
            a.append(joints[j])
            b.append(joints[j + 1])
            ra.append(pose.thickness * _FINGER_RADII[f, j])
            rb.append(pose.thickness * _FINGER_RADII[f, j + 1])
    target = thumb_target(pose, fingers)
    pole = np.array([1.0, -0.2, 0.3]) * (0.3 + pose.thumb_bend) + np.array([0.0, 0.0, 0.6])
    ip, tip = _two_bone(pose.thumb_mcp, target, _THUMB_LENGTHS[0], _THUMB_LENGTHS[1], pole)
    a += [pose.thumb_mcp, ip]
    b += [ip, tip]
    # Pad side of each bone: for a finger, perpendicular to the bone in its flexion plane;
    # for the thumb, roughly towards the palm and the fingers.
    palmar = []
    for f in range(4):
        lateral = np.array(
            [math.cos(math.radians(pose.spread[f])), -math.sin(math.radians(pose.spread[f])), 0.0]
        )
        for j in range(3):
            palmar.append(_unit(np.cross(lateral, b[3 * f + j] - a[3 * f + j])))
    for j in (12, 13):
        d = _unit(b[j] - a[j])
        towards = np.array([-1.0, 0.0, 0.6])
        palmar.append(_unit(towards - (towards @ d) * d))
    thumb_r = pose.thickness * np.array(_THUMB_RADII)
    ra += [thumb_r[1], thumb_r[2]]
    rb += [thumb_r[2], thumb_r[3]]
    wrist = np.array([0.0, 0.8, -0.1])
    down = -_direction(-pose.wrist_flex, pose.wrist_dev)
    return HandGeometry(
        bones_a=np.array(a),
        bones_b=np.array(b),
        bones_ra=np.array(ra),
        bones_rb=np.array(rb),
        thumb_meta=(
            _THUMB_CMC * np.array([pose.palm_width, 1.0, 1.0]),
            pose.thumb_mcp,
            thumb_r[0],
            thumb_r[1],
        ),
        palm_half=PALM_HALF * np.array([pose.palm_width, 1.0, 1.0]),
        bones_palmar=np.array(palmar),
        forearm=(wrist, wrist + FOREARM_LENGTH * down, FOREARM_RADII[0], FOREARM_RADII[1]),
    )
