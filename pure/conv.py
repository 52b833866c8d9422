"""Convolution, pooling and flattening of images, written as plain loops over lists.

Images are ``(n_samples, channels, height, width)``, as in PyTorch and the classic
course (NCHW); a convolution's weights are ``(n_filters, channels, kernel_height,
kernel_width)``. A stride, a padding or a pooling window is an int, or a pair
``(vertical, horizontal)``. A window slid over a side of ``size`` values fits at

    out = (size + 2 * padding - kernel) // stride + 1

positions. Compare with ``vectorized/conv.py``, which gathers every window at once
(im2col) and makes the convolution one matrix product.
"""

import numbers

from pure import _checks, linalg

_dot = linalg.dot.unchecked


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
    width = len(inputs[0][0][0]) + 2 * pad_width
    zeros, side = [[0.0] * width for _ in range(pad_height)], [0.0] * pad_width
    return [[[row[:] for row in zeros] + [side + list(row) + side for row in channel] + [row[:] for row in zeros]
             for channel in image] for image in inputs]


def _unpad(padded, padding):
    """The images inside ``padding`` (vertical, horizontal): what _pad added, taken off."""
    pad_height, pad_width = padding
    return [[[row[pad_width:len(row) - pad_width] for row in channel[pad_height:len(channel) - pad_height]]
             for channel in image] for image in padded]


def _zeros_like(images):
    return [[[[0.0] * len(row) for row in channel] for channel in image] for image in images]


def _window(channel, top, left, size):
    """The values of the window of ``size`` (height, width) at (top, left) of one channel, row by row."""
    return [x for row in channel[top:top + size[0]] for x in row[left:left + size[1]]]


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
    kernel_height, kernel_width = len(weights[0][0]), len(weights[0][0][0])
    out_height = _output_size(len(inputs[0][0]), kernel_height, stride[0], padding[0])
    out_width = _output_size(len(inputs[0][0][0]), kernel_width, stride[1], padding[1])
    outputs = []
    for image in _pad(inputs, padding):                  # each sample
        maps = []
        for kernel, bias in zip(weights, biases):         # each filter
            out = [[bias] * out_width for _ in range(out_height)]
            for i in range(out_height):                   # each output position
                for j in range(out_width):
                    top, left = i * stride[0], j * stride[1]
                    for channel, kernel_channel in zip(image, kernel):   # each kernel offset
                        for di, kernel_row in enumerate(kernel_channel):
                            window_row = channel[top + di][left:left + kernel_width]
                            out[i][j] += _dot(window_row, kernel_row)
            maps.append(out)
        outputs.append(maps)
    return outputs


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
    (stride_height, stride_width), padding = _pair(stride), _pair(padding)
    kernel_width = len(weights[0][0][0])
    padded = _pad(inputs, padding)
    dpadded, dweights, dbiases = _zeros_like(padded), _zeros_like(weights), [0.0] * len(weights)
    for image, dimage, image_dvalues in zip(padded, dpadded, dvalues):          # each sample
        for f, (kernel, dkernel) in enumerate(zip(weights, dweights)):          # each filter
            for i, dvalues_row in enumerate(image_dvalues[f]):                  # each output position
                for j, g in enumerate(dvalues_row):
                    top, left = i * stride_height, j * stride_width
                    dbiases[f] += g
                    for channel, dchannel, kernel_channel, dkernel_channel in zip(image, dimage, kernel, dkernel):
                        for di, (kernel_row, dkernel_row) in enumerate(zip(kernel_channel, dkernel_channel)):
                            row, drow = channel[top + di], dchannel[top + di]    # each kernel offset
                            for dj in range(kernel_width):
                                drow[left + dj] += g * kernel_row[dj]
                                dkernel_row[dj] += g * row[left + dj]
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
    size, (stride_height, stride_width) = _pool_window(size, stride)
    out_height = _output_size(len(inputs[0][0]), size[0], stride_height, 0)
    out_width = _output_size(len(inputs[0][0][0]), size[1], stride_width, 0)
    return [[[[max(_window(channel, i * stride_height, j * stride_width, size)) for j in range(out_width)]
              for i in range(out_height)] for channel in image] for image in inputs]


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
    size, (stride_height, stride_width) = _pool_window(size, stride)
    dinputs = _zeros_like(inputs)
    for image, dimage, image_dvalues in zip(inputs, dinputs, dvalues):         # each sample
        for channel, dchannel, channel_dvalues in zip(image, dimage, image_dvalues):   # each channel
            for i, dvalues_row in enumerate(channel_dvalues):                  # each window
                for j, g in enumerate(dvalues_row):
                    top, left = i * stride_height, j * stride_width
                    values = _window(channel, top, left, size)
                    first = values.index(max(values))          # the first maximum, row by row
                    dchannel[top + first // size[1]][left + first % size[1]] += g
    return dinputs


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
    size, (stride_height, stride_width) = _pool_window(size, stride)
    out_height = _output_size(len(inputs[0][0]), size[0], stride_height, 0)
    out_width = _output_size(len(inputs[0][0][0]), size[1], stride_width, 0)
    return [[[[sum(_window(channel, i * stride_height, j * stride_width, size)) / (size[0] * size[1])
               for j in range(out_width)] for i in range(out_height)] for channel in image] for image in inputs]


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
    size, (stride_height, stride_width) = _pool_window(size, stride)
    dinputs = _zeros_like(inputs)
    for dimage, image_dvalues in zip(dinputs, dvalues):                      # each sample
        for dchannel, channel_dvalues in zip(dimage, image_dvalues):          # each channel
            for i, dvalues_row in enumerate(channel_dvalues):                 # each window
                for j, g in enumerate(dvalues_row):
                    share, top, left = g / (size[0] * size[1]), i * stride_height, j * stride_width
                    for drow in dchannel[top:top + size[0]]:                  # each offset
                        for dj in range(left, left + size[1]):
                            drow[dj] += share
    return dinputs


@_checks.takes(inputs="images")
def flatten(inputs):
    """Each image as one row of values, channel by channel, row by row: what a dense layer takes.

    inputs: (n_samples, channels, height, width)    ->    (n_samples, channels * height * width)

        outputs[n][(c * height + i) * width + j] = inputs[n][c][i][j]
    """
    return [[x for channel in image for row in channel for x in row] for image in inputs]


@_checks.takes(dvalues="matrix", shape="image shape for dvalues")
def flatten_backward(dvalues, shape):
    """Gradient of flatten: each row of the upstream gradient, back in the shape of an image.

    dvalues: (n_samples, channels * height * width)
    shape: (n_samples, channels, height, width), the inputs' shape
    ->    dinputs: shape

        dinputs[n][c][i][j] = dvalues[n][(c * height + i) * width + j]
    """
    _, channels, height, width = shape
    return [[[list(row[(c * height + i) * width:(c * height + i + 1) * width]) for i in range(height)]
             for c in range(channels)] for row in dvalues]
