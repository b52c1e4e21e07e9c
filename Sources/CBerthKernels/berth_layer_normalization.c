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

static inline __attribute__((always_inline)) void normalize_body(long rows, long span, const float *in, const float *scale,
                                                                 const float *bias, double epsilon, float *out) {
    long whole = span & ~3L;
    for (long row = 0; row < rows; row++) {
        const float *x = in + row * span;
        float *y = out + row * span;
        berth_double4 partial = 0;
        for (long i = 0; i < whole; i += 4) partial += widened(x + i);
        double sum = total(partial);
        for (long i = whole; i < span; i++) sum += x[i];
        double mean = sum / (double)span;
        partial = 0;
        for (long i = 0; i < whole; i += 4) {
            berth_double4 deviation = widened(x + i) - mean;
            partial += deviation * deviation;
        }
        double squares = total(partial);
        for (long i = whole; i < span; i++) squares += (x[i] - mean) * (x[i] - mean);
        double inverse = 1.0 / __builtin_sqrt(squares / (double)span + epsilon);
        for (long i = 0; i < whole; i += 4) {
            berth_float4 normalized = __builtin_convertvector((widened(x + i) - mean) * inverse, berth_float4), factor, addend;
            memcpy(&factor, scale + i, sizeof factor);
            normalized = normalized * factor;
            if (bias) {
                memcpy(&addend, bias + i, sizeof addend);
                normalized = normalized + addend;
            }
            memcpy(y + i, &normalized, sizeof normalized);
        }
        for (long i = whole; i < span; i++) {
            float normalized = (float)((x[i] - mean) * inverse) * scale[i];
            y[i] = bias ? normalized + bias[i] : normalized;
        }
    }
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
