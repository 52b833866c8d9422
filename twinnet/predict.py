"""``twinnet predict MODEL.json INPUT``: a saved model's answer to your own input, from both twins.

INPUT is one of

- a row of numbers separated by commas, ``0.3,-0.2``: one sample's features;
- a CSV file of such rows, one answer per row (a first line of words, a header, is skipped);
- for a model that takes 784 features or [1, 28, 28] images (MNIST, Fashion-MNIST), a PNG or
  JPEG picture, converted by :func:`mnist_image` the way MNIST's digits were made;
- for a sequence model (token inputs), a row of token indices, ``3,1,4,10``: the model continues
  it to its length, one most likely token at a time (greedy decoding).

Each twin loads the model file itself and answers with its ``network.predict``. With both
(the default), their outputs are compared within the registry's tolerance for ``predict``
(what the generated tests allow) and their answers must be the same: the command says
whether they agree, and prints the probabilities once, or each twin's when they do not.

What a model answers: a classification its class and the probabilities, largest first (the
top 3 of 10 or more classes, all of fewer); a binary model the probability of 1 for each of
its outputs, and 1 where it is above 0.5; a regression its outputs. A model file does not
record the data it was trained on, so a class is its index (Fashion-MNIST's 0 is
"T-shirt/top": ``twinnet.data.DATASETS["fashion-mnist"].classes`` names them).

Exit codes: 0 answered; 1 the twins disagree; 2 bad usage (a file that cannot be read, a row
of the wrong length, a word where a number belongs, an image that cannot be read), in one line.
"""

import csv
import math
import pathlib
from dataclasses import dataclass

import numpy as np

from twinnet import UsageError
from twinnet.contract import agreement, registry
from twinnet.contract.tolerances import AGREEMENT_RTOL
from twinnet.contract.twins import TWINS, to_pure
from twinnet.train import IMAGE_SIDES, _shape, continue_tokens, strict_json

EXIT_DISAGREE = 1
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg")
INSTALL_IMAGE = 'pip install "twinnet[image]"'
TOP = 3  # probabilities shown of a classification with 10 or more classes (all of fewer)

# MNIST's digits, as its authors describe them (Y. LeCun, C. Cortes, C. J. C. Burges, "The MNIST
# database of handwritten digits", yann.lecun.com/exdb/mnist): "size normalized to fit in a 20x20
# pixel box while preserving their aspect ratio", grey levels from anti-aliasing, then "centered in
# a 28x28 image by computing the center of mass of the pixels, and translating the image so as to
# position this point at the center of the 28x28 field". White digits on black, pixel / 255.
# Their centre of mass sits at pixel 14 of 0 .. 27 across and down (measured on MNIST's 10,000
# test images: 14.01 across, 13.99 down on average), not at 13.5, the middle of the pixels.
SIDE, BOX = IMAGE_SIDES[-1], 20
CENTRE = SIDE / 2
# Fainter than this fraction of the strongest stroke is background (paper, JPEG noise, blur). MNIST
# test images upscaled 10x and converted back differ from the originals by 0.031 a pixel on average
# with 0.2, 0.037 with 0 (measured on the first 500): faint fringes make the digit's box too wide.
INK = 0.2


@dataclass
class Inputs:
    """The samples to answer: ``rows`` one per sample as read (numbers, or token ints), ``labels``
    what each is called in the table (its numbers, or the image's file name)."""

    rows: list
    labels: list


# ---------------------------------------------------------------- the model and what it takes


def read_model(path, twin):
    """The model in the file at path, as ``twin`` loads it (a UsageError in one line when it cannot)."""
    try:
        return TWINS[twin].network.load(path)
    except OSError as error:
        raise UsageError(f"{path}: {error.strerror or error}") from None
    except (TypeError, ValueError) as error:
        raise UsageError(" ".join(str(error).split())) from None


def _sequence(model):
    """{"length", "vocabulary"} of a model that takes token indices, else None."""
    inputs = model.get("inputs")
    return inputs if isinstance(inputs, dict) else None


def _n_features(model):
    """The numbers one sample is (an image's pixels, row by row)."""
    inputs = model["inputs"] if "layers" in model else model["sizes"][0]
    return math.prod(inputs) if isinstance(inputs, list) else inputs


def takes_in_words(model):
    """What one sample is to the model: "2 numbers", "784 numbers (a 1x28x28 image, row by row)", ..."""
    sequence = _sequence(model)
    if sequence:
        return f"up to {sequence['length']} tokens, each 0 to {sequence['vocabulary'] - 1}"
    inputs = model.get("inputs")
    image = f" (a {'x'.join(map(str, inputs))} image, row by row)" if isinstance(inputs, list) else ""
    return f"{_n_features(model)} numbers{image}"


def takes_images(model):
    """Whether a picture can be its input: 784 features, or [1, 28, 28] images."""
    if _sequence(model):
        return False
    return model.get("inputs") == IMAGE_SIDES or _n_features(model) == math.prod(IMAGE_SIDES)


# ---------------------------------------------------------------- reading INPUT


def read_input(text, model):
    """INPUT as samples for the model: a picture, a CSV file, or a row of numbers (see the module)."""
    path = pathlib.Path(text)
    if path.suffix.lower() in IMAGE_EXTENSIONS:
        if not takes_images(model):
            raise UsageError(f"{text}: a picture is an input for a model that takes 784 numbers or [1, 28, 28] "
                             f"images (MNIST, Fashion-MNIST), but this one takes {takes_in_words(model)}")
        try:
            pixels = mnist_image(read_picture(text))
        except ValueError as error:
            raise UsageError(f"{text}: {error}") from None
        return Inputs([pixels.ravel().tolist()], [path.name])
    if path.is_file():
        return _read_csv(path, model)
    if "," not in text and not _is_number(text.strip()):
        raise UsageError(f"{text}: no such file (INPUT is a row of numbers such as 0.3,-0.2, a CSV file of rows, "
                         "or a PNG or JPEG picture)")
    row = _row(text.split(","), "INPUT", model)
    return Inputs([row], [_row_label(row)])


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _read_csv(path, model):
    """One sample per line of a CSV file; a first line of words only (a header) is skipped."""
    try:
        with open(path, newline="", encoding="utf-8") as file:
            lines = [(number, cells) for number, cells in enumerate(csv.reader(file), 1)
                     if any(cell.strip() for cell in cells)]
    except UnicodeDecodeError:
        raise UsageError(f"{path}: expected a CSV file of numbers, got bytes that are not text") from None
    except csv.Error as error:
        raise UsageError(f"{path}: expected a CSV file of numbers, but it cannot be read as CSV ({error})") from None
    if lines and not any(_is_number(cell.strip()) for cell in lines[0][1]):
        lines = lines[1:]
    if not lines:
        raise UsageError(f"{path}: expected rows of numbers, one sample per line, got none")
    rows = [_row(cells, f"{path} line {number}", model) for number, cells in lines]
    return Inputs(rows, [_row_label(row) for row in rows])


def _row(cells, where, model):
    """One sample from its cells: numbers (token ints for a sequence model) of the model's length."""
    sequence = _sequence(model)
    cells = [cell.strip() for cell in cells]
    for place, cell in enumerate(cells, 1):
        if not _is_number(cell) or not math.isfinite(float(cell)):
            raise UsageError(f"{where}: expected {'token indices' if sequence else 'finite numbers'} separated by "
                             f"commas, got {cell!r} as value {place}")
    if sequence:
        return _tokens(cells, where, sequence)
    if len(cells) != _n_features(model):
        raise UsageError(f"{where}: the model takes {takes_in_words(model)}, got {len(cells)} "
                         f"value{'s' if len(cells) != 1 else ''}")
    return [float(cell) for cell in cells]


def _tokens(cells, where, sequence):
    """A sequence model's row: 1 to length ints, each a token of the vocabulary."""
    if not 1 <= len(cells) <= sequence["length"]:
        raise UsageError(f"{where}: the model takes up to {sequence['length']} tokens, got {len(cells)}")
    tokens = [float(cell) for cell in cells]
    for place, token in enumerate(tokens, 1):
        if not (token.is_integer() and 0 <= token < sequence["vocabulary"]):
            raise UsageError(f"{where}: expected token indices 0 to {sequence['vocabulary'] - 1}, got "
                             f"{cells[place - 1]!r} as value {place}")
    return [int(token) for token in tokens]


def _row_label(row):
    """A row as the table shows it: tokens all, numbers all when there are few, else the first ones and how many."""
    if isinstance(row[0], int):
        return " ".join(map(str, row))
    shown = ", ".join(f"{value:g}" for value in row[:4])
    return shown if len(row) <= 4 else f"{', '.join(f'{value:g}' for value in row[:3])}, ... ({len(row)} values)"


def read_picture(path):
    """The picture in a PNG or JPEG file, as a Pillow image (Pillow: the optional [image] extra)."""
    try:
        from PIL import Image, UnidentifiedImageError
    except ImportError:
        raise UsageError(f"reading {path} needs Pillow, which is not installed: {INSTALL_IMAGE}") from None
    try:
        with Image.open(path) as image:
            image.load()
            return image
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, ValueError, SyntaxError) as error:
        # Pillow's decoders raise all of these for a damaged or truncated file.
        raise UsageError(f"{path}: cannot read it as a PNG or JPEG picture ({' '.join(str(error).split())})") from None


def _grey(picture):
    """A picture's grey levels from its darkest (0) to its lightest (1); a transparent background is white."""
    from PIL import Image

    if "A" in picture.mode or "transparency" in picture.info:
        rgba = picture.convert("RGBA")
        picture = Image.alpha_composite(Image.new("RGBA", rgba.size, (255, 255, 255, 255)), rgba)
    # 16- and 32-bit grey (I, I;16, F) as they are: converting them to 8 bits would clip them.
    grey = np.asarray(picture if picture.mode.startswith(("I", "F")) else picture.convert("L"), dtype=np.float64)
    grey = grey - grey.min()
    if grey.max() == 0:
        raise ValueError("the picture is all one shade: there is no digit in it")
    return grey / grey.max()


def mnist_image(picture):
    """A picture of a digit as MNIST's 28x28 images are: (28, 28) grey levels in [0, 1], white on black.

    picture: a Pillow image of any size and mode    ->    (28, 28) floats

    As MNIST was made (see SIDE above): grey scale; inverted if the background, the median of the
    border pixels, is light (nearer the lightest pixel than the darkest); the background taken off
    and the strongest stroke scaled to 1, what is fainter than INK of it dropped; cut to the
    digit's bounding box, resized so that its longer side is 20 pixels, keeping its aspect ratio
    (bilinear, anti-aliased); and put in the 28x28 field with its centre of mass at the field's
    centre, as near as whole pixels and the field's edges allow. A ValueError when there is no digit.
    """
    from PIL import Image

    grey = _grey(picture)
    background = float(np.median(np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])))
    if background > 0.5:  # dark on light: MNIST's digits are light on dark
        grey, background = 1.0 - grey, 1.0 - background
    ink = np.clip(grey - background, 0.0, None)
    if ink.max() == 0:
        raise ValueError("nothing in the picture stands out from its border: there is no digit in it")
    ink /= ink.max()
    ink[ink < INK] = 0.0
    rows, columns = np.nonzero(ink)
    ink = ink[rows.min():rows.max() + 1, columns.min():columns.max() + 1]
    height, width = ink.shape
    scale = BOX / max(height, width)
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    digit = np.clip(np.asarray(Image.fromarray(ink.astype(np.float32)).resize(size, Image.Resampling.BILINEAR),
                               dtype=np.float64), 0.0, 1.0)
    ys, xs = np.indices(digit.shape)
    top = int(np.clip(round(CENTRE - (ys * digit).sum() / digit.sum()), 0, SIDE - digit.shape[0]))
    left = int(np.clip(round(CENTRE - (xs * digit).sum() / digit.sum()), 0, SIDE - digit.shape[1]))
    field = np.zeros((SIDE, SIDE))
    field[top:top + digit.shape[0], left:left + digit.shape[1]] = digit
    return field


# ---------------------------------------------------------------- the answers


@dataclass
class Answers:
    """One twin's answers, a row each: ``outputs`` what the network gave (for a sequence model,
    the probabilities each chosen token was chosen from, one row per token), ``choices`` what
    that decides (a class, 0/1 per output, tokens; None for a regression)."""

    outputs: list
    choices: list


def _as_twin_inputs(twin, model, rows):
    """Rows as the twin's network.predict takes them: (n, features), (n, c, h, w) images or (n, length) tokens."""
    inputs = np.array(rows)
    if isinstance(model.get("inputs"), list):
        inputs = inputs.reshape(len(rows), *model["inputs"])
    return inputs if twin == "vectorized" else to_pure(inputs)


def answer(twin, model, rows):
    """The twin's Answers to the rows."""
    if _sequence(model):
        decoded = [continue_tokens(twin, model, [row], len(row)) for row in rows]  # rows of any length
        return Answers([outputs[0] for _, outputs in decoded], [tokens[0].tolist() for tokens, _ in decoded])
    outputs = np.asarray(TWINS[twin].network.predict(model, _as_twin_inputs(twin, model, rows)), dtype=np.float64)
    choose = {"classification": lambda row: int(np.argmax(row)),
              "binary": lambda row: [int(p > 0.5) for p in row],  # as the binary accuracy counts
              "regression": lambda row: None}[model["task"]]
    return Answers(list(outputs), [choose(row) for row in outputs])


def compare(model, rows, pure, vectorized):
    """(whether the twins agree, their largest difference): the same choices, and outputs within
    the tolerance the generated tests allow ``predict``."""
    operation = registry.get("predict")
    same = pure.choices == vectorized.choices and not any(
        agreement.compare(operation, {"model": model, "inputs": rows}, p, v)
        for p, v in zip(pure.outputs, vectorized.outputs))
    largest = max(float(np.max(np.abs(p - v))) for p, v in zip(pure.outputs, vectorized.outputs))
    return same, largest


# ---------------------------------------------------------------- what is printed


def _ranked(probabilities):
    """ "1: 0.9812  0: 0.0123  2: 0.0065": the classes largest first, the top 3 of 10 or more."""
    order = np.argsort(-probabilities, kind="stable")
    shown = order[:TOP] if len(probabilities) >= 10 else order
    return "  ".join(f"{k}: {probabilities[k]:.4f}" for k in shown)


# Per task: the headings of the answer's two columns, and the two cells of one row's answer.
COLUMNS = {
    "classification": (("class", "probabilities, largest first"),
                       lambda outputs, choice: (f"{choice}", _ranked(outputs))),
    "binary": (("answer", "probability of 1"),
               lambda outputs, choice: (" ".join(map(str, choice)), " ".join(f"{p:.4f}" for p in outputs))),
    "regression": (("output", ""), lambda outputs, choice: (" ".join(f"{y:.6g}" for y in outputs), "")),
    "tokens": (("continued with", "its first token's probabilities, largest first"),
               lambda outputs, choice: (" ".join(map(str, choice)), _ranked(outputs[0]))),
}


def _kind(model):
    return "tokens" if _sequence(model) else model["task"]


def table(model, inputs, answers):
    """The lines of a table: a row per input, its answer and what the answer came from."""
    headings, cells = COLUMNS[_kind(model)]
    lines = [("row", "input", *headings)]
    lines += [(f"{i}", label, *cells(outputs, choice))
              for i, (label, outputs, choice) in enumerate(zip(inputs.labels, answers.outputs, answers.choices), 1)]
    widths = [max(len(line[column]) for line in lines) for column in range(3)]
    return [f"  {line[0]:>{widths[0]}}  {line[1]:<{widths[1]}}  {line[2]:>{widths[2]}}  {line[3]}".rstrip()
            for line in lines]


def as_json(model, inputs, answers):
    """One twin's answers as plain data: a dict per row."""
    kind = _kind(model)
    rows = []
    for label, outputs, choice in zip(inputs.labels, answers.outputs, answers.choices):
        row = {"input": label, "outputs" if kind == "regression" else "probabilities": outputs.tolist()}
        if kind != "regression":
            row[{"classification": "class", "binary": "answer", "tokens": "continuation"}[kind]] = choice
        rows.append(row)
    return rows


def _network_words(model):
    network = _shape(model) if "layers" in model else f"{_shape(model)} {model['activation']}"
    return f"{network} -> {model['task']}"


def command(args):
    """Load the model in each twin, read INPUT, answer, and print (or --json) the answers."""
    names = ["pure", "vectorized"] if args.twin == "both" else [args.twin]
    models = {name: read_model(args.model, name) for name in names}
    model = models[names[0]]
    inputs = read_input(args.input, model)
    answers = {name: answer(name, models[name], inputs.rows) for name in names}
    agree, largest = compare(model, inputs.rows, answers["pure"], answers["vectorized"]) if len(names) == 2 \
        else (None, None)
    if args.json:
        print(strict_json({"model": args.model, "network": _network_words(model), "twins": names,
                           "answers": {name: as_json(model, inputs, answers[name]) for name in names},
                           "agree": agree, "largest_difference": largest}))
        return EXIT_DISAGREE if agree is False else 0
    rows = f"{len(inputs.rows)} row{'s' if len(inputs.rows) != 1 else ''}"
    print(f"twinnet predict: {args.model}, network {_network_words(model)}, {rows}, twins: {' and '.join(names)}")
    if _sequence(model):
        print("  each token of the continuation is the most likely after those before it (greedy decoding)")
    if agree is False:
        for name in names:
            print(f"{name}:")
            print("\n".join(table(model, inputs, answers[name])))
        print(f"the twins disagree: their answers or outputs differ (by up to {largest:.1e}) beyond what the tests "
              "allow")
        return EXIT_DISAGREE
    print("\n".join(table(model, inputs, answers[names[-1]])))
    if agree:
        same = {"classification": "the same class for every row, and ", "binary": "the same answers for every row, "
                "and ", "regression": "", "tokens": "the same tokens for every row, and "}[_kind(model)]
        print(f"the twins agree: {same}outputs within {largest:.1e} of each other (the tests allow "
              f"{AGREEMENT_RTOL:g} of each output's scale)")
    return 0
