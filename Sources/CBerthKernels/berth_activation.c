// Sigmoid, Tanh, Erf, the exact GELU, Softplus, Mish, ELU and LeakyRelu over arrays of floats, in C only because
// Swift cannot compile one loop for AVX-512 or AVX2 and choose it at run time (`berth_isa.h`). Each value is worked
// out in double precision and rounded once to float: for Sigmoid, Tanh, Softplus and ELU's e^x − 1 the double is
// within about 1e-15 of the exact value, so the float is the correctly rounded one on every path (the AVX2 and AVX-512
// paths fuse multiply-adds, the portable path on x86-64 cannot; their doubles differ in the last bits, never enough to
// move a float in the tests' millions of values); for Erf and GELU within about 1e-14, which gives the nearest float
// but for about one value in a million, then its neighbour. Mish composes Softplus and Tanh, each rounded.
#include "berth_kernels.h"
#include "berth_isa.h"
#include <stdint.h>
#include <string.h>

#pragma clang fp contract(on)

// Values are copied into a block of the stack before they are worked out, so `in` may be `out`: the compiler then
// vectorises the loop without checking whether the two overlap.
#define BLOCK 64
// Four vectors' values a step: each value's work is one long dependent chain (e^x's series, a division), and one
// vector a step leaves the cores waiting on it; four side by side keep both multiply-add units busy. The same
// operations on each value, so the same bits.
#define SIDE_BY_SIDE _Pragma("clang loop interleave_count(4)")
_Static_assert(BLOCK <= 64, "erf_parts marks a block's values in the bits of one 64-bit word");

static inline uint64_t bits_of(double value) {
    uint64_t bits;
    memcpy(&bits, &value, sizeof bits);
    return bits;
}

static inline double double_of(uint64_t bits) {
    double value;
    memcpy(&value, &bits, sizeof value);
    return value;
}

// e^y for y in [-250, 0]: y = n ln 2 + r with |r| <= ln 2 / 2 (ln 2 in two parts, so n ln 2 is exact enough),
// e^r by its Taylor series to r^12 (the next term is under 2e-16 of it), then 2^n put straight into the exponent.
static inline double exp_nonpositive(double y) {
    const double shifter = 0x1.8p52;
    double shifted = y * 0x1.71547652b82fep0 + shifter;
    uint64_t n = bits_of(shifted);
    double k = shifted - shifter;
    double r = y - k * 0x1.62e42fefa3800p-1;
    r = r - k * 0x1.ef35793c76730p-45;
    // The series' terms in pairs, then pairs of pairs (Estrin's scheme): the same value to about 1e-16, in four
    // dependent steps instead of twelve.
    double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    double p01 = 1.0 + r, p23 = 0.5 + r * (1.0 / 6.0), p45 = 1.0 / 24.0 + r * (1.0 / 120.0);
    double p67 = 1.0 / 720.0 + r * (1.0 / 5040.0), p89 = 1.0 / 40320.0 + r * (1.0 / 362880.0);
    double p1011 = 1.0 / 3628800.0 + r * (1.0 / 39916800.0), p12 = 1.0 / 479001600.0;
    double p03 = p01 + r2 * p23, p47 = p45 + r2 * p67, p811 = p89 + r2 * p1011;
    double p07 = p03 + r4 * p47, p812 = p811 + r4 * p12;
    double p = p07 + r8 * p812;
    return double_of(bits_of(p) + (n << 52));
}

// 1 / (1 + e^-x), from e^-|x| so that nothing cancels: past |x| = 120 the float answer is 0 or 1 either way.
static inline float sigmoid_one(float value) {
    double x = value;
    double magnitude = x < 0 ? -x : x;
    double e = exp_nonpositive(magnitude > 120.0 ? -120.0 : -magnitude);
    double result = (x < 0 ? e : 1.0) / (1.0 + e);
    return value != value ? value + value : (float)result;
}

// `rounded`, a function's value at |x|, never negative, with x's sign bit (-0 stays -0): for the odd functions.
static inline __attribute__((always_inline)) float with_sign_of(float value, float rounded) {
    uint32_t bits, sign;
    memcpy(&bits, &rounded, sizeof bits);
    memcpy(&sign, &value, sizeof sign);
    bits |= sign & 0x80000000u;
    memcpy(&rounded, &bits, sizeof rounded);
    return rounded;
}

// (1 - e^-2|x|) / (1 + e^-2|x|) with the sign of x; below |x| = 1/32, where 1 - e^-2|x| would lose digits, the
// series to x^9 (the next term is under 4e-14 of the sum). Past |x| = 20 the answer is ±1 in double already.
static inline float tanh_one(float value) {
    double x = value;
    double magnitude = x < 0 ? -x : x;
    double e = exp_nonpositive(-2.0 * (magnitude > 20.0 ? 20.0 : magnitude));
    double large = (1.0 - e) / (1.0 + e);
    double square = magnitude * magnitude;
    double series = 62.0 / 2835.0;
    series = series * square - 17.0 / 315.0;
    series = series * square + 2.0 / 15.0;
    series = series * square - 1.0 / 3.0;
    series = series * square * magnitude + magnitude;
    float rounded = with_sign_of(value, (float)(magnitude < 0.03125 ? series : large));
    return value != value ? value + value : rounded;
}

// erf in double precision, within about 1e-14 of the exact value, in two parts for x >= 0: below 0.875, x · P(x²)
// (`erf_small_part`); from there to 3.9375, erfc(x) = e^(−x²) · Q(u), Q being erfc(x) · e^(x²) over
// u = (x − 2.40625) / 1.53125 (`erfc_large_part`); beyond, erf is 1 to the nearest float (from 3.9193 on). Each part
// is worked out in loops without a branch, which vectorise across values (`erf_parts`). The
// coefficients and their errors are printed by scripts/erf-coefficients.py (Chebyshev interpolation with mpmath,
// rewritten in powers).
#define ERF_SPLIT 0.875
#define ERF_ONE 3.9375
static const double erf_small[] = {
    0x1.20dd750429b67p+0, -0x1.812746b035fa9p-2, 0x1.ce2f219f2787ap-4, -0x1.b82ce2c85246bp-6, 0x1.565bc329c2ce2p-8,
    -0x1.c02c2f317546ap-11, 0x1.f97ead4530e88p-14, -0x1.f2b0ac35a0b70p-17, 0x1.a6623d33f009cp-20, -0x1.f2c794f1c6c02p-24};
static const double erfc_scaled_large[] = {
    0x1.be780aa21fddcp-3, -0x1.f1027e2e8e61ep-4, 0x1.066d7e703b0b6p-4, -0x1.088ee05228b4bp-5, 0x1.ffb80ecec398ep-7,
    -0x1.dca414483f436p-8, 0x1.acfa0b697772bp-9, -0x1.760d3743cc5c5p-10, 0x1.3cb93cfe45c89p-11, -0x1.04efddbcfd38cp-12,
    0x1.a30c6eae24a5fp-14, -0x1.48747a54e5cf5p-15, 0x1.f76e81ad4d015p-17, -0x1.796792edc1e6dp-18, 0x1.13f0d04de7bc9p-19,
    -0x1.8daaf2b1e2c07p-21, 0x1.24f3f3cf94c53p-22, -0x1.95348c8e65b7ep-24, 0x1.9b06341e7792bp-26, -0x1.19a1c576b27c9p-27,
    0x1.a97bb2d4de458p-28, -0x1.10228fc09d7e9p-29};

// c[0] + c[1]·u + … + c[n−1]·u^(n−1) by Estrin's scheme: neighbours paired with u, the pairs with u², and so on, a
// chain log2(n) steps long instead of Horner's n, so that a vector's multiply-adds overlap.
static inline __attribute__((always_inline)) double polynomial(const double *c, int n, double u) {
    double level[32];
    for (int i = 0; i < n; i++) level[i] = c[i];
    double power = u;
    for (int m = n; m > 1; m = (m + 1) / 2) {
        for (int i = 0; i < (m + 1) / 2; i++) level[i] = 2 * i + 1 < m ? level[2 * i] + level[2 * i + 1] * power : level[2 * i];
        power *= power;
    }
    return level[0];
}

static inline __attribute__((always_inline)) double erf_small_part(double magnitude) {
    double square = magnitude * magnitude;
    return polynomial(erf_small, sizeof erf_small / sizeof erf_small[0], square) * magnitude;
}

static inline __attribute__((always_inline)) double erfc_large_part(double magnitude) {
    double clamped = magnitude < ERF_SPLIT ? ERF_SPLIT : magnitude > ERF_ONE ? ERF_ONE : magnitude;
    double u = (clamped - 2.40625) * (1.0 / 1.53125);
    double sum = polynomial(erfc_scaled_large, sizeof erfc_scaled_large / sizeof erfc_scaled_large[0], u);
    return exp_nonpositive(-(clamped * clamped)) * sum;
}

// erf's two parts for a block's magnitudes (|x|, or |x| / √2 for GELU): `small` everywhere, and `complement`, erfc,
// where the magnitude lies between ERF_SPLIT and ERF_ONE (0 elsewhere). The complement, three quarters of the work,
// is worked out only for those values, packed together first: most of a layer's values lie below the split.
static inline __attribute__((always_inline)) void erf_parts(const double *magnitude, long length, double *small, double *complement) {
    int packed[BLOCK];
    double packed_values[BLOCK];
    long count = 0;
    for (long i = 0; i < length; i++) {
        small[i] = erf_small_part(magnitude[i]);
        complement[i] = 0;
    }
    // Which values need it, a bit each (compared a vector at a time), then their positions from the set bits: work
    // for each of those values rather than a dependent step for every value.
    uint64_t inside = 0;
    for (long i = 0; i < length; i++) inside |= (uint64_t)(magnitude[i] >= ERF_SPLIT && magnitude[i] < ERF_ONE) << i;
    while (inside) {
        packed[count++] = __builtin_ctzll(inside);
        inside &= inside - 1;
    }
    for (long j = 0; j < count; j++) packed_values[j] = magnitude[packed[j]];
    for (long j = 0; j < count; j++) packed_values[j] = erfc_large_part(packed_values[j]);
    for (long j = 0; j < count; j++) complement[packed[j]] = packed_values[j];
}

// The float nearest erf(x), x's sign kept (-0 stays -0), NaN passed through.
static inline __attribute__((always_inline)) void erf_block(const float *in, float *out, long length) {
    double magnitude[BLOCK], small[BLOCK], complement[BLOCK];
    for (long i = 0; i < length; i++) magnitude[i] = in[i] < 0 ? -(double)in[i] : (double)in[i];
    erf_parts(magnitude, length, small, complement);
    for (long i = 0; i < length; i++) {
        float rounded = (float)(magnitude[i] < ERF_SPLIT ? small[i] : magnitude[i] < ERF_ONE ? 1.0 - complement[i] : 1.0);
        out[i] = in[i] != in[i] ? in[i] + in[i] : with_sign_of(in[i], rounded);
    }
}

// The exact GELU, x · (1 + erf(x / √2)) / 2, in double and rounded once. Below zero 1 + erf is erfc(|x| / √2), taken
// as it is rather than as 1 less a number near 1, so the small answers keep their digits down to x = −5.57, past
// which the answer is −0 (as float32's 1 + erf gives in onnxruntime and PyTorch from about −5.6), −∞'s too.
static inline __attribute__((always_inline)) void gelu_block(const float *in, float *out, long length) {
    double magnitude[BLOCK], small[BLOCK], complement[BLOCK];
    for (long i = 0; i < length; i++) {
        double scaled = (double)in[i] * 0x1.6a09e667f3bcdp-1;
        magnitude[i] = scaled < 0 ? -scaled : scaled;
    }
    erf_parts(magnitude, length, small, complement);
    for (long i = 0; i < length; i++) {
        double x = in[i], m = magnitude[i];
        double above = m < ERF_SPLIT ? 1.0 + small[i] : m < ERF_ONE ? 2.0 - complement[i] : 2.0;
        double below = m < ERF_SPLIT ? 1.0 - small[i] : m < ERF_ONE ? complement[i] : 0.0;
        // −0 past the tail, −∞ included (whose product with 0 would be a NaN, of another sign on x86 than on Arm).
        double result = x < 0 && !(m < ERF_ONE) ? -0.0 : 0.5 * x * (x < 0 ? below : above);
        out[i] = in[i] != in[i] ? in[i] + in[i] : (float)result;
    }
}

// log(1 + y) for y in [0, 1]: 2 · atanh(s) with s = y / (2 + y), at most 1/3, by its series to s^35 (the next term is
// under 2e-18 of the sum).
static const double atanh_series[] = {
    1.0, 1.0 / 3, 1.0 / 5, 1.0 / 7, 1.0 / 9, 1.0 / 11, 1.0 / 13, 1.0 / 15, 1.0 / 17,
    1.0 / 19, 1.0 / 21, 1.0 / 23, 1.0 / 25, 1.0 / 27, 1.0 / 29, 1.0 / 31, 1.0 / 33, 1.0 / 35};

static inline __attribute__((always_inline)) double log1p_unit(double y) {
    double s = y / (2.0 + y);
    return 2.0 * s * polynomial(atanh_series, sizeof atanh_series / sizeof atanh_series[0], s * s);
}

// Softplus, log(1 + e^x), as max(x, 0) + log(1 + e^−|x|) so that nothing overflows, in double and rounded once (past
// |x| = 250 the second term is far below a float's last place of the first, or of 0).
static inline __attribute__((always_inline)) float softplus_one(float value) {
    double x = value;
    double magnitude = x < 0 ? -x : x;
    double result = (x > 0 ? x : 0.0) + log1p_unit(exp_nonpositive(magnitude > 250.0 ? -250.0 : -magnitude));
    return value != value ? value + value : (float)result;
}

// Mish, x · tanh(softplus(x)), each function rounded to float as ONNX's definition composes them; −0 at −∞, its
// limit (−∞ · 0 would be a NaN, of another sign on x86 than on Arm).
static inline __attribute__((always_inline)) float mish_one(float value) {
    return value == -__builtin_inff() ? -0.0f : value * tanh_one(softplus_one(value));
}

// e^x − 1 for x <= 0: above −1/4, x times its series to x^12 / 13! (the next term is under 2e-19 of it), which keeps
// the digits 1 less e^x would cancel; below, e^x less 1 (at most a fifth of it lost).
static const double expm1_series[] = {
    1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040, 1.0 / 40320, 1.0 / 362880, 1.0 / 3628800,
    1.0 / 39916800, 1.0 / 479001600, 1.0 / 6227020800};

static inline __attribute__((always_inline)) double exp_minus_one_nonpositive(double x) {
    double series = x * polynomial(expm1_series, sizeof expm1_series / sizeof expm1_series[0], x);
    double difference = exp_nonpositive(x < -250.0 ? -250.0 : x) - 1.0;
    return x > -0.25 ? series : difference;
}

// ELU, x from 0 up and alpha · (e^x − 1) below, e^x − 1 in double and rounded once (NaN kept).
static inline __attribute__((always_inline)) float elu_one(float value, float alpha) {
    double x = value;
    float below = alpha * (float)exp_minus_one_nonpositive(x > 0 ? 0.0 : x);
    return value >= 0 || value != value ? value : below;
}

// LeakyRelu as the graph's own kernel writes it: x, or alpha · x below zero (NaN stays NaN).
static inline float leaky_relu_one(float value, float alpha) {
    return value >= 0 ? value : alpha * value;
}

// The loop every path shares, inlined into each target's copy.
static inline __attribute__((always_inline)) void activate_portable_body(int kind, float alpha, const float *in, float *out,
                                                                        long count) {
    float block[BLOCK];
    for (long start = 0; start < count; start += BLOCK) {
        long length = count - start < BLOCK ? count - start : BLOCK;
        memcpy(block, in + start, (size_t)length * sizeof(float));
        float *target = out + start;
        switch (kind) {
        case BERTH_ACTIVATION_SIGMOID:
            SIDE_BY_SIDE for (long i = 0; i < length; i++) target[i] = sigmoid_one(block[i]);
            break;
        case BERTH_ACTIVATION_TANH:
            SIDE_BY_SIDE for (long i = 0; i < length; i++) target[i] = tanh_one(block[i]);
            break;
        case BERTH_ACTIVATION_ERF:
            erf_block(block, target, length);
            break;
        case BERTH_ACTIVATION_GELU:
            gelu_block(block, target, length);
            break;
        case BERTH_ACTIVATION_SOFTPLUS:
            SIDE_BY_SIDE for (long i = 0; i < length; i++) target[i] = softplus_one(block[i]);
            break;
        case BERTH_ACTIVATION_MISH:
            SIDE_BY_SIDE for (long i = 0; i < length; i++) target[i] = mish_one(block[i]);
            break;
        case BERTH_ACTIVATION_ELU:
            SIDE_BY_SIDE for (long i = 0; i < length; i++) target[i] = elu_one(block[i], alpha);
            break;
        default:
            for (long i = 0; i < length; i++) target[i] = leaky_relu_one(block[i], alpha);
            break;
        }
    }
}

static void activate_portable(int kind, float alpha, const float *in, float *out, long count) {
    activate_portable_body(kind, alpha, in, out, count);
}

typedef void (*activation_function)(int, float, const float *, float *, long);

#ifdef BERTH_ISA_X86
__attribute__((target("avx2,fma")))
static void activate_avx2(int kind, float alpha, const float *in, float *out, long count) {
    activate_portable_body(kind, alpha, in, out, count);
}

__attribute__((target("avx512f,avx512dq")))
static void activate_avx512(int kind, float alpha, const float *in, float *out, long count) {
    activate_portable_body(kind, alpha, in, out, count);
}

static const activation_function paths[] = {activate_portable, activate_avx2, activate_avx512};
#else
static const activation_function paths[] = {activate_portable};
#endif

// Chosen once; a benign race at first use picks the same function on every thread.
static activation_function selected;

void berth_activate_f32(int kind, float alpha, const float *in, float *out, long count) {
    activation_function function = __atomic_load_n(&selected, __ATOMIC_ACQUIRE);
    if (!function) {
        function = paths[berth_isa_best()];
        __atomic_store_n(&selected, function, __ATOMIC_RELEASE);
    }
    function(kind, alpha, in, out, count);
}

int berth_activate_f32_using(int isa, int kind, float alpha, const float *in, float *out, long count) {
    if (!berth_isa_runs(isa)) return -1;
    paths[isa](kind, alpha, in, out, count);
    return 0;
}
