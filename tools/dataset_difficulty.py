"""How easy the SIGNS photos are for a linear model: the figure quoted in datasets/README.md.

Usage::

    .venv/bin/python tools/dataset_difficulty.py [--data datasets/]

Fits multinomial logistic (softmax) regression on the raw pixels of the 1080 training photos
(scaled to [0, 1], mean-centred) by full-batch gradient descent, and prints the best test
accuracy over three learning rates and every 20th of 400 iterations: an upper bound on what
a linear classifier of the pixels reaches with this training. NumPy only, a few seconds.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def softmax_regression(x_train, y_train, x_test, y_test, iterations=400, l2=1e-3):
    """Best test accuracy of softmax regression on raw pixels.

    Arguments: x_* -- uint8 images (m, 64, 64, 3); y_* -- int labels (m,).
    The weights W stay in the span of the training pictures, W = X_train.T @ A, so the
    descent runs on A with the Gram matrix: the same iterates, much cheaper.
    Returns a float in [0, 1].
    """
    xtr = x_train.reshape(len(x_train), -1) / 255.0
    xte = x_test.reshape(len(x_test), -1) / 255.0
    mean = xtr.mean(axis=0)
    xtr, xte = xtr - mean, xte - mean
    gram_tr, gram_te = xtr @ xtr.T, xte @ xtr.T
    m, classes = len(xtr), int(y_train.max()) + 1
    onehot = np.eye(classes)[y_train]
    lipschitz = np.linalg.eigvalsh(gram_tr)[-1] / m
    best = 0.0
    for factor in (0.5, 1.0, 2.0):
        lr = factor / lipschitz
        a, b = np.zeros((m, classes)), np.zeros(classes)
        for it in range(1, iterations + 1):
            z = gram_tr @ a + b
            p = np.exp(z - z.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            g = (p - onehot) / m
            a -= lr * (g + l2 * a)
            b -= lr * g.sum(axis=0)
            if it % 20 == 0:
                best = max(best, float(((gram_te @ a + b).argmax(axis=1) == y_test).mean()))
    return best


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data",
        type=Path,
        default=None,
        help="folder with train_signs.h5 and test_signs.h5 (default datasets/)",
    )
    args = parser.parse_args(argv)
    import resnets_utils

    x_train, y_train, x_test, y_test, _ = resnets_utils.load_dataset(args.data)
    accuracy = softmax_regression(x_train, y_train[0], x_test, y_test[0])
    print(f"softmax regression on raw pixels, best test accuracy: {accuracy:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
