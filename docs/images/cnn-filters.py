"""Makes docs/images/cnn-filters.png: a small CNN's first layer after one epoch on 2,000 MNIST images.

Run from the repository's root, with matplotlib installed (pip install "twinnet[plot]"):

    python docs/images/cnn-filters.py MNIST_FOLDER    (the folder of the four IDX files, as --data-dir takes it)

The vectorized twin, float32, Adam at lr 0.001, mini-batches of 64, seed 0: about 10 s on 2 cores.
"""

import pathlib
import sys

import numpy as np

from twinnet import plots
from vectorized import data, network

if len(sys.argv) != 2:
    sys.exit("usage: python docs/images/cnn-filters.py MNIST_FOLDER")
folder = pathlib.Path(sys.argv[1])
train, labels = data.load_idx(folder / "train-images-idx3-ubyte.gz", folder / "train-labels-idx1-ubyte.gz",
                              limit=2000, dtype="float32")
test, test_labels = data.load_idx(folder / "t10k-images-idx3-ubyte.gz", folder / "t10k-labels-idx1-ubyte.gz",
                                  limit=500, dtype="float32")
train, test = train.reshape(-1, 1, 28, 28), test.reshape(-1, 1, 28, 28)
layers = [{"type": "conv2d", "filters": 8, "kernel": 3, "padding": 1}, {"type": "relu"},
          {"type": "max_pool2d", "size": 2}, {"type": "flatten"}, {"type": "dense", "units": 10}]
model = network.create_layers([1, 28, 28], layers, seed=0, dtype="float32")
model, history = network.fit(model, train, labels, epochs=1, batch_size=64, optimizer="adam",
                             hyperparameters={"lr": 0.001}, seed=0)
predictions = np.argmax(network.predict(model, test), axis=1)
print(f"1 epoch on 2,000 images: loss {history[-1]['loss']:.3f}, "
      f"test accuracy {np.mean(predictions == test_labels):.3f} on 500")
plots.cnn_figure(pathlib.Path(__file__).with_suffix(".png"), model, test, test_labels, predictions)
