#!/usr/bin/env python3
"""Prints the polynomial coefficients of Berth's erf (Sources/CBerthKernels/berth_activation.c), worked out here with
mpmath at 60 digits, and the largest relative error of each polynomial with its coefficients rounded to double,
checked on a dense grid against mpmath (the C code's evaluation in double adds roundings of about 1e-16).

  python3 -m pip install mpmath && python3 scripts/erf-coefficients.py

Small |x| (below SPLIT): erf(x) = x · P(x²). Larger: erf(x) = 1 − e^(−x²) · Q(u), u = (x − mid) / half over
[SPLIT, ONE], where Q is erfc(x) · e^(x²) (smooth, between 0.14 and 0.8 there). From ONE on, the float nearest
erf(x) is 1. Each polynomial interpolates at Chebyshev points, then is rewritten in powers of its variable.
"""
import mpmath as mp

mp.mp.dps = 60
SPLIT = mp.mpf("0.875")
ONE = mp.mpf("3.9375")  # erfc(x) < 2^-25 from 3.9193 on: the float nearest erf(x) is 1 there
# Within this of erf, a double rounds to the float nearest erf but for about one value in 10^6 (a float's
# relative spacing is 6e-8 at most): the tests allow that one value a last-place difference.
TARGET = 1e-14


def chebyshev_in_powers(f, a, b, degree):
    """The polynomial of `degree` through f at Chebyshev points of [a, b], in powers of u = (x - mid) / half."""
    mid, half = (a + b) / 2, (b - a) / 2
    nodes = [mp.cos(mp.pi * (k + mp.mpf(1) / 2) / (degree + 1)) for k in range(degree + 1)]
    values = [f(mid + half * u) for u in nodes]
    # Solve the Vandermonde system exactly enough at this precision.
    matrix = mp.matrix([[u ** j for j in range(degree + 1)] for u in nodes])
    return [float(c) for c in mp.lu_solve(matrix, mp.matrix(values))], mid, half


def horner(coefficients, u):
    result = mp.mpf(coefficients[-1])
    for c in reversed(coefficients[:-1]):
        result = result * u + mp.mpf(c)
    return result


def worst(f, coefficients, to_variable, a, b, samples=4000):
    error = 0
    for k in range(samples + 1):
        x = a + (b - a) * k / samples
        exact = f(x)
        error = max(error, abs(horner(coefficients, to_variable(x)) - exact) / abs(exact))
    return error


def small(t):
    x = mp.sqrt(t)
    return mp.erf(x) / x if x else 2 / mp.sqrt(mp.pi)


def large(x):
    return mp.erfc(x) * mp.exp(x * x)


for degree in range(6, 16):
    p, mid_p, half_p = chebyshev_in_powers(small, mp.mpf(0), SPLIT ** 2, degree)
    # Rewritten around t = 0 so that the C code evaluates in t = x² directly.
    powers = mp.taylor(lambda t: horner(p, (t - mid_p) / half_p), 0, degree)
    p0 = [float(c) for c in powers]
    e = worst(small, p0, lambda t: t, mp.mpf(0), SPLIT ** 2)
    if e < TARGET:
        print(f"// small: degree {degree} in x², worst relative error {float(e):.2e}")
        print("static const double erf_small[] = {" + ", ".join(c.hex() for c in p0) + "};")
        break
for degree in range(10, 40):
    q, mid, half = chebyshev_in_powers(large, SPLIT, ONE, degree)
    e = worst(large, q, lambda x: (x - mid) / half, SPLIT, ONE)
    if e < TARGET:
        print(f"// large: degree {degree} in u = (x - {float(mid)}) / {float(half)}, worst relative error {float(e):.2e}")
        print("static const double erfc_scaled_large[] = {" + ", ".join(c.hex() for c in q) + "};")
        break
