"""How hard the SIGNS files are for a small network: the figure quoted in datasets/README.md.

Usage::

    .venv/bin/python tools/dataset_difficulty.py [--epochs 25] [--data datasets/]

Trains a small CNN (four 3x3 convolutions of 16, 32, 64 and 64 filters, each followed by
BatchNorm and ReLU, max pooling after the first three, global average pooling, a softmax
layer; 61,000 parameters)
with Adam for 25 epochs, batch 32, on the 1080 training pictures scaled to [0, 1], without
augmentation, and prints its accuracy on the 120 test pictures. Seeded (0) and
deterministic on a given machine; takes about a minute on 2 CPU cores.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import resnets_utils  # noqa: E402  (first: checks the environment)


def small_cnn():
    """The small CNN described in the module's docstring (uncompiled keras.Model)."""
    import keras
    from keras import layers

    stack = [keras.Input((64, 64, 3))]
    for i, filters in enumerate((16, 32, 64, 64)):
        stack += [layers.Conv2D(filters, 3, padding="same", use_bias=False),
                  layers.BatchNormalization(), layers.Activation("relu")]
        stack.append(layers.MaxPooling2D() if i < 3 else layers.GlobalAveragePooling2D())
    stack.append(layers.Dense(6, activation="softmax"))
    return keras.Sequential(stack, name="small_cnn")


def main(argv=None):
    """Command-line entry point: train the small CNN and print its test accuracy."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--data", default=None, help="folder of the SIGNS files (default datasets/)")
    args = parser.parse_args(argv)
    resnets_utils.setup_notebook(seed=0)
    X_train, Y_train, X_test, Y_test, classes = resnets_utils.load_dataset(args.data)
    X_train, X_test = X_train / 255.0, X_test / 255.0
    Y_train = resnets_utils.convert_to_one_hot(Y_train, len(classes)).T
    Y_test = resnets_utils.convert_to_one_hot(Y_test, len(classes)).T
    model = small_cnn()
    model.compile("adam", "categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(X_train, Y_train, epochs=args.epochs, batch_size=32, verbose=0)
    accuracy = model.evaluate(X_test, Y_test, verbose=0)[1]
    print(f"small CNN ({model.count_params():,} parameters), {args.epochs} epochs without "
          f"augmentation: test accuracy {accuracy:.3f} ({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
