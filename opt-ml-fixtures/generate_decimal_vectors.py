"""Test vectors for Berth's decimal conversion (Sources/BerthJSON/DecimalText.swift and its Eisel-Lemire step): numbers
of 17 to 19 significant digits within a hair of a halfway point between two doubles (typically a tenth of an ulp at
17 digits, a hundredth at 18, a thousandth at 19), on either side, and exact ties (halfway points that need at most 19
digits), with the double CPython's correctly rounded float() gives each — the conversion numpy, and so the official
container, applies. Written to decimal-halfway-vectors.json as [[text, bits], …] (the double's bits as a decimal
string: JSON numbers lose bits past 2^53). Needs Python 3.9 or later (math.nextafter):
`python3 generate_decimal_vectors.py`."""
import decimal
import json
import math
import os
import random
import struct

decimal.getcontext().prec = 900
random.seed(11)


def bits(value):
    return str(struct.unpack("<Q", struct.pack("<d", value))[0])


def digits(value, count, rounding):
    """`value` (a Decimal) to `count` significant digits, rounded the given way, in scientific notation."""
    exponent = value.adjusted() - count + 1
    quantum = decimal.Decimal(1).scaleb(exponent)
    text = format(value.quantize(quantum, rounding=rounding), "e")
    return text


vectors = []
# Near halfway: the midpoint between a random double and the next, cut to 17-19 digits downwards and upwards.
while len(vectors) < 1500:
    value = math.ldexp(random.uniform(1, 2), random.randint(-127, 63))
    midpoint = (decimal.Decimal(value) + decimal.Decimal(math.nextafter(value, math.inf))) / 2
    count = random.randint(17, 19)
    for rounding in (decimal.ROUND_FLOOR, decimal.ROUND_CEILING):
        text = digits(midpoint, count, rounding)
        if random.random() < 0.5:
            text = "-" + text
        vectors.append([text, bits(float(text))])
# Exact ties of at most 19 digits: between 2^50 and 2^63 a double's midpoints are short decimals.
while len(vectors) < 2000:
    exponent = random.randint(50, 62)
    value = math.ldexp(random.uniform(1, 2), exponent)
    midpoint = (decimal.Decimal(value) + decimal.Decimal(math.nextafter(value, math.inf))) / 2
    text = format(midpoint.normalize(), "f")
    if len(text.replace(".", "").lstrip("0")) <= 19:
        vectors.append([text, bits(float(text))])
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "decimal-halfway-vectors.json"), "w") as handle:
    json.dump(vectors, handle)
