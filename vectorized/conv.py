"""Convolution, pooling and flattening of images, vectorized with NumPy.

Images are ``(n_samples, channels, height, width)``, as in PyTorch and the classic
course (NCHW); a convolution's weights are ``(n_filters, channels, kernel_height,
kernel_width)``. A stride, a padding or a pooling window is an int, or a pair
``(vertical, horizontal)``. A window slid over a side of ``size`` values fits at

    out = (size + 2 * padding - kernel) // stride + 1

positions. Compare with ``pure/conv.py``, which loops over samples, filters,
positions and kernel offsets: here im2col gathers every window at once, and the
convolution is one matrix product. No Python loop runs over samples, channels or
positions; col2im loops over the kernel offsets only.
"""

import numbers

import numpy as np

from vectorized import _checks


def _pair(value):
    """(vertical, horizontal) of a stride, a padding or a window: an int is both."""
    return (value, value) if isinstance(value, numbers.Integral) else tuple(value)


def _pool_window(size, stride):
    """A pool's (window, stride) as pairs: the stride is the window's size when None."""
    return _pair(size), _pair(size if stride is None else stride)


def _output_size(size, kernel, stride, padding):
    """How many positions a window of ``kernel`` values fits at, along a side of ``size`` values."""
    return (size + 2 * padding - kernel) // stride + 1


def _pad(inputs, padding):
    """The images with ``padding`` (vertical, horizontal) rows and columns of zeros around each channel."""
    pad_height, pad_width = padding
    return np.pad(inputs, ((0, 0), (0, 0), (pad_height, pad_height), (pad_width, pad_width)))


def _unpad(padded, padding):
    """The images inside ``padding`` (vertical, horizontal): what _pad added, taken off."""
    pad_height, pad_width = padding
    return padded[:, :, pad_height:padded.shape[2] - pad_height, pad_width:padded.shape[3] - pad_width]


def _windows(images, size, stride):
    """Every window of ``size`` (height, width), ``stride`` apart, as a view without a copy:
    (n_samples, channels, out_height, out_width, height, width)."""
    windows = np.lib.stride_tricks.sliding_window_view(images, size, axis=(2, 3))
    return windows[:, :, ::stride[0], ::stride[1]]


def _im2col(padded, size, stride):
    """The columns of a convolution: a column per output position (n_samples * out_height * out_width),
    holding its window's values channel by channel, row by row (channels * kernel_height * kernel_width rows)."""
    windows = _windows(padded, size, stride)
    n_samples, channels, out_height, out_width, height, width = windows.shape
    return windows.transpose(1, 4, 5, 0, 2, 3).reshape(channels * height * width, -1)


def _col2im(windows, shape, stride):
    """Windows (n_samples, channels, out_height, out_width, height, width) put back where _windows took
    them from, in images of ``shape``: where windows overlap, their values add up."""
    images = np.zeros(shape, dtype=windows.dtype)
    _, _, out_height, out_width, height, width = windows.shape
    for di in range(height):          # a loop over the kernel offsets only
        for dj in range(width):
            images[:, :, di:di + stride[0] * out_height:stride[0], dj:dj + stride[1] * out_width:stride[1]] += \
                windows[:, :, :, :, di, dj]
    return images


@_checks.takes(inputs="images", weights="kernels, channels = channels of inputs (one per input channel)",
               biases="vector, values = rows of weights (one per filter)", stride="stride",
               padding=_checks.window_over("inputs", kernels="weights"))
def conv2d(inputs, weights, biases, stride=1, padding=0):
    """A 2-D convolution: each filter slid over the padded images, a weighted sum at each position.

    inputs: (n_samples, channels, height, width)
    weights: (n_filters, channels, kernel_height, kernel_width)    biases: (n_filters,)
    stride, padding: an int, or a pair (vertical, horizontal)
    ->    outputs: (n_samples, n_filters, out_height, out_width),
          out = (size + 2 * padding - kernel) // stride + 1

        outputs[n][f][i][j] = biases[f] + sum over c, di, dj of
            padded[n][c][i * stride + di][j * stride + dj] * weights[f][c][di][dj]

    Cross-correlation, as PyTorch and the classic course compute it: the kernel
    is not flipped. The padding is zeros.
    """
    stride, padding = _pair(stride), _pair(padding)
    n_filters, _, kernel_height, kernel_width = weights.shape
    out_height = _output_size(inputs.shape[2], kernel_height, stride[0], padding[0])
    out_width = _output_size(inputs.shape[3], kernel_width, stride[1], padding[1])
    columns = _im2col(_pad(inputs, padding), (kernel_height, kernel_width), stride)
    outputs = weights.reshape(n_filters, -1) @ columns + biases[:, None]     # one matrix product
    return outputs.reshape(n_filters, len(inputs), out_height, out_width).transpose(1, 0, 2, 3)


@_checks.takes(inputs="images", weights="kernels, channels = channels of inputs (one per input channel)",
               stride="stride", padding=_checks.window_over("inputs", kernels="weights"),
               dvalues=_checks.outputs_of("inputs", kernels="weights"))
def conv2d_backward(dvalues, inputs, weights, stride=1, padding=0):
    """Gradients of a convolution, given the gradient of the loss with respect to its outputs.

    dvalues: (n_samples, n_filters, out_height, out_width)
    inputs: (n_samples, channels, height, width)
    weights: (n_filters, channels, kernel_height, kernel_width)
    stride, padding: as given to conv2d
    ->    dinputs: (n_samples, channels, height, width),
          dweights: (n_filters, channels, kernel_height, kernel_width), dbiases: (n_filters,)

        for each output position (n, f, i, j), with g = dvalues[n][f][i][j]:
            dpadded[n][c][i * stride + di][j * stride + dj] += g * weights[f][c][di][dj]
            dweights[f][c][di][dj] += g * padded[n][c][i * stride + di][j * stride + dj]
            dbiases[f] += g
        dinputs = dpadded without its padding

    Windows that overlap (stride < kernel) add their gradients up.
    """
    stride, padding = _pair(stride), _pair(padding)
    n_filters, channels, kernel_height, kernel_width = weights.shape
    padded = _pad(inputs, padding)
    columns = _im2col(padded, (kernel_height, kernel_width), stride)
    n_samples, _, out_height, out_width = dvalues.shape
    dout = dvalues.transpose(1, 0, 2, 3).reshape(n_filters, -1)       # a column per output position
    dweights = (dout @ columns.T).reshape(weights.shape)
    dbiases = dvalues.sum(axis=(0, 2, 3))
    dcolumns = weights.reshape(n_filters, -1).T @ dout
    dwindows = dcolumns.reshape(channels, kernel_height, kernel_width, n_samples, out_height, out_width)
    dpadded = _col2im(dwindows.transpose(3, 0, 4, 5, 1, 2), padded.shape, stride)
    return _unpad(dpadded, padding), dweights, dbiases


@_checks.takes(inputs="images", size="window", stride=_checks.window_over("inputs", size="size"))
def max_pool2d(inputs, size=2, stride=None):
    """Max pooling: the largest value of each window, channel by channel.

    inputs: (n_samples, channels, height, width)
    size: the window, an int or a pair (vertical, horizontal)
    stride: an int or a pair; None (the default) is the size: windows side by side
    ->    outputs: (n_samples, channels, out_height, out_width),
          out = (size_of_the_side - size) // stride + 1

        outputs[n][c][i][j] = max over di, dj of inputs[n][c][i * stride + di][j * stride + dj]
    """
    size, stride = _pool_window(size, stride)
    return _windows(inputs, size, stride).max(axis=(4, 5))


@_checks.takes(inputs="images", size="window", stride=_checks.window_over("inputs", size="size"),
               dvalues=_checks.outputs_of("inputs", size="size"))
def max_pool2d_backward(dvalues, inputs, size=2, stride=None):
    """Gradient of max pooling: each window's upstream gradient goes to its maximum, the rest 0.

    dvalues: (n_samples, channels, out_height, out_width)
    inputs: (n_samples, channels, height, width)    size, stride: as given to max_pool2d
    ->    dinputs: (n_samples, channels, height, width)

        for each window (n, c, i, j), its maximum at (i * stride + di, j * stride + dj):
            dinputs[n][c][i * stride + di][j * stride + dj] += dvalues[n][c][i][j]

    A tie sends the gradient to the first maximum of the window, row by row
    (PyTorch's rule); windows that overlap (stride < size) add up (+=, not =).
    """
    size, stride = _pool_window(size, stride)
    windows = _windows(inputs, size, stride)
    flat = windows.reshape(windows.shape[:4] + (-1,))
    first = flat.argmax(axis=-1)                      # the first maximum, row by row
    dwindows = (np.arange(flat.shape[-1]) == first[..., None]) * dvalues[..., None]
    return _col2im(dwindows.reshape(windows.shape), inputs.shape, stride)


@_checks.takes(inputs="images", size="window", stride=_checks.window_over("inputs", size="size"))
def avg_pool2d(inputs, size=2, stride=None):
    """Average pooling: the mean of each window, channel by channel.

    inputs: (n_samples, channels, height, width)
    size: the window, an int or a pair (vertical, horizontal)
    stride: an int or a pair; None (the default) is the size: windows side by side
    ->    outputs: (n_samples, channels, out_height, out_width),
          out = (size_of_the_side - size) // stride + 1

        outputs[n][c][i][j] = mean over di, dj of inputs[n][c][i * stride + di][j * stride + dj]
    """
    size, stride = _pool_window(size, stride)
    return _windows(inputs, size, stride).mean(axis=(4, 5))


@_checks.takes(inputs="images", size="window", stride=_checks.window_over("inputs", size="size"),
               dvalues=_checks.outputs_of("inputs", size="size"))
def avg_pool2d_backward(dvalues, inputs, size=2, stride=None):
    """Gradient of average pooling: each window's upstream gradient, shared equally by its values.

    dvalues: (n_samples, channels, out_height, out_width)
    inputs: (n_samples, channels, height, width)    size, stride: as given to avg_pool2d
    ->    dinputs: (n_samples, channels, height, width)

        for each window (n, c, i, j) and each offset (di, dj) in it, with area = size_h * size_w:
            dinputs[n][c][i * stride + di][j * stride + dj] += dvalues[n][c][i][j] / area

    Windows that overlap (stride < size) add up.
    """
    size, stride = _pool_window(size, stride)
    share = dvalues / (size[0] * size[1])
    dwindows = np.broadcast_to(share[..., None, None], share.shape + size)
    return _col2im(dwindows, inputs.shape, stride)


@_checks.takes(inputs="images")
def flatten(inputs):
    """Each image as one row of values, channel by channel, row by row: what a dense layer takes.

    inputs: (n_samples, channels, height, width)    ->    (n_samples, channels * height * width)

        outputs[n][(c * height + i) * width + j] = inputs[n][c][i][j]
    """
    return inputs.reshape(len(inputs), -1)


@_checks.takes(dvalues="matrix", shape="image shape for dvalues")
def flatten_backward(dvalues, shape):
    """Gradient of flatten: each row of the upstream gradient, back in the shape of an image.

    dvalues: (n_samples, channels * height * width)
    shape: (n_samples, channels, height, width), the inputs' shape
    ->    dinputs: shape

        dinputs[n][c][i][j] = dvalues[n][(c * height + i) * width + j]
    """
    return dvalues.reshape(shape)
