// LayerNormalization's rows, in C only because Swift cannot compile one loop for AVX-512 or AVX2 and choose it at run
// time, and kept its conversions between float and double a value at a time. Each row's mean and variance are sums
// in double, four running sums in a fixed order; each value is (x − mean) · (1 / deviation) in double, rounded to
// float, times its scale plus its bias in float. Multiply-adds are never fused, so every path gives the same bits.
#include "berth_kernels.h"
#include "berth_isa.h"
#include <string.h>

#pragma clang fp contract(off)
// The helpers below take and return 4-double vectors; they are always inlined, so the portable path's ABI for passing
// such a vector (without AVX) is never used.
#pragma clang diagnostic ignored "-Wpsabi"

typedef double berth_double4 __attribute__((ext_vector_type(4)));
typedef float berth_float4 __attribute__((ext_vector_type(4)));

static inline __attribute__((always_inline)) berth_double4 widened(const float *from) {
    berth_float4 values;
    memcpy(&values, from, sizeof values);
    return __builtin_convertvector(values, berth_double4);
}

static inline __attribute__((always_inline)) double total(berth_double4 partial) {
    return (partial.x + partial.y) + (partial.z + partial.w);
}

// `count` rows (a constant once inlined: 4, or 1 for the last rows) normalised together. Each row's statistics are a
// chain of dependent additions, and a short row (16 values: a handful of vector steps, a square root and a division)
// spends most of its time waiting on them; four rows' chains side by side overlap. Every row's own arithmetic, in its
// order, is the one-row loop's, so the bits do not depend on how many rows go together.
static inline __attribute__((always_inline)) void normalize_group(const int count, long span, const float *in, const float *scale,
                                                                  const float *bias, double epsilon, float *out) {
    long whole = span & ~3L;
    berth_double4 partial[4];
    double mean[4], inverse[4];
    for (int r = 0; r < count; r++) partial[r] = 0;
    for (long i = 0; i < whole; i += 4)
        for (int r = 0; r < count; r++) partial[r] += widened(in + r * span + i);
    for (int r = 0; r < count; r++) {
        const float *x = in + r * span;
        double sum = total(partial[r]);
        for (long i = whole; i < span; i++) sum += x[i];
        mean[r] = sum / (double)span;
        partial[r] = 0;
    }
    for (long i = 0; i < whole; i += 4)
        for (int r = 0; r < count; r++) {
            berth_double4 deviation = widened(in + r * span + i) - mean[r];
            partial[r] += deviation * deviation;
        }
    for (int r = 0; r < count; r++) {
        const float *x = in + r * span;
        double squares = total(partial[r]);
        for (long i = whole; i < span; i++) squares += (x[i] - mean[r]) * (x[i] - mean[r]);
        inverse[r] = 1.0 / __builtin_sqrt(squares / (double)span + epsilon);
    }
    // Written only now, every row's statistics taken: `in` may be `out`, and a row's values are read before its own
    // are written, never another's.
    for (int r = 0; r < count; r++) {
        const float *x = in + r * span;
        float *y = out + r * span;
        for (long i = 0; i < whole; i += 4) {
            berth_float4 normalized = __builtin_convertvector((widened(x + i) - mean[r]) * inverse[r], berth_float4), factor, addend;
            memcpy(&factor, scale + i, sizeof factor);
            normalized = normalized * factor;
            if (bias) {
                memcpy(&addend, bias + i, sizeof addend);
                normalized = normalized + addend;
            }
            memcpy(y + i, &normalized, sizeof normalized);
        }
        for (long i = whole; i < span; i++) {
            float normalized = (float)((x[i] - mean[r]) * inverse[r]) * scale[i];
            y[i] = bias ? normalized + bias[i] : normalized;
        }
    }
}

static inline __attribute__((always_inline)) void normalize_body(long rows, long span, const float *in, const float *scale,
                                                                 const float *bias, double epsilon, float *out) {
    long row = 0;
    for (; row + 4 <= rows; row += 4) normalize_group(4, span, in + row * span, scale, bias, epsilon, out + row * span);
    for (; row < rows; row++) normalize_group(1, span, in + row * span, scale, bias, epsilon, out + row * span);
}

static void normalize_portable(long rows, long span, const float *in, const float *scale, const float *bias, double epsilon,
                               float *out) {
    normalize_body(rows, span, in, scale, bias, epsilon, out);
}

typedef void (*normalization_function)(long, long, const float *, const float *, const float *, double, float *);

#ifdef BERTH_ISA_X86
__attribute__((target("avx2,fma")))
static void normalize_avx2(long rows, long span, const float *in, const float *scale, const float *bias, double epsilon,
                           float *out) {
    normalize_body(rows, span, in, scale, bias, epsilon, out);
}

__attribute__((target("avx512f,avx512dq")))
static void normalize_avx512(long rows, long span, const float *in, const float *scale, const float *bias, double epsilon,
                             float *out) {
    normalize_body(rows, span, in, scale, bias, epsilon, out);
}

static const normalization_function paths[] = {normalize_portable, normalize_avx2, normalize_avx512};
#else
static const normalization_function paths[] = {normalize_portable};
#endif

// Chosen once; a benign race at first use picks the same function on every thread.
static normalization_function selected;

void berth_layer_normalize_f32(long rows, long span, const float *in, const float *scale, const float *bias, double epsilon,
                               float *out) {
    normalization_function function = __atomic_load_n(&selected, __ATOMIC_ACQUIRE);
    if (!function) {
        function = paths[berth_isa_best()];
        __atomic_store_n(&selected, function, __ATOMIC_RELEASE);
    }
    function(rows, span, in, scale, bias, epsilon, out);
}

int berth_layer_normalize_f32_using(int isa, long rows, long span, const float *in, const float *scale, const float *bias,
                                    double epsilon, float *out) {
    if (!berth_isa_runs(isa)) return -1;
    paths[isa](rows, span, in, scale, bias, epsilon, out);
    return 0;
}
