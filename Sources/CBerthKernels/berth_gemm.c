// The inner loop of Berth's dense layers, in C only because Swift cannot compile one function for AVX-512 or
// AVX2+FMA and choose it at run time; everything around it (packing, threading, planning) is Swift.
#include "berth_kernels.h"
#include <string.h>

#define PANEL BERTH_PANEL_WIDTH
#define BLOCK_ROWS 8
#define NARROW_COLUMNS 4

// Relu as the separate Relu kernel does it: `!(v <= 0)` keeps NaN and turns -0 into +0, as Swift's max(v, 0) does.
static inline float relu_one(float value) { return !(value <= 0.0f) ? value : 0.0f; }

// What every path does to each product of `column` before storing it: the addend, then Relu, as the separate Add
// and Relu kernels would.
static inline float finish_one(float value, berth_gemm_epilogue epilogue, long column) {
    if (epilogue.addend) value += epilogue.addend[column];
    if (epilogue.relu) value = relu_one(value);
    return value;
}

// The tests stand outside the loops: inside, clang if-converts the addend's read into masked loads, which read from
// address 0 with an empty mask when there is no addend — a fault the CPU suppresses in microcode, hundreds of cycles
// a load on AMD's Zen 3, where it took 40 % of a Relu MLP's time.
static inline void finish_portable(float *values, berth_gemm_epilogue epilogue, long p) {
    if (epilogue.addend) {
        const float *addend = epilogue.addend + p * PANEL;
        for (int j = 0; j < PANEL; j++) values[j] += addend[j];
    }
    if (epilogue.relu) {
        for (int j = 0; j < PANEL; j++) values[j] = relu_one(values[j]);
    }
}

// A finished panel's first `width` values into the output row. A whole panel (every column of a 16-unit layer) is
// one copy of constant size, which the compiler does in vector moves; a copy of a size known only at run time was a
// call into the C library each row and panel (4 % of a small network's time). A part panel goes 8, 4, then 1 at a
// time, each a constant-size copy too.
static inline __attribute__((always_inline)) void store_panel(float *to, const float *block, long width) {
    if (width == PANEL) {
        memcpy(to, block, PANEL * sizeof(float));
        return;
    }
    long j = 0;
    if (width - j >= 8) { memcpy(to + j, block + j, 8 * sizeof(float)); j += 8; }
    if (width - j >= 4) { memcpy(to + j, block + j, 4 * sizeof(float)); j += 4; }
    if (width - j >= 2) { memcpy(to + j, block + j, 2 * sizeof(float)); j += 2; }
    if (width - j >= 1) memcpy(to + j, block + j, sizeof(float));
}

// Portable: plain loops, which clang vectorises for SSE2 but on AArch64 leaves as sixteen scalar fused multiply-adds
// a step (scripts/arm-kernel-check counts them); Arm CPUs take the NEON path below instead.
static void gemm_portable(long rows, long inner, long columns, const float *a, const float *b, const float *bias,
                          berth_gemm_epilogue epilogue, float *out) {
    long panels = (columns + PANEL - 1) / PANEL;
    for (long r = 0; r < rows; r++) {
        const float *x = a + r * inner;
        for (long p = 0; p < panels; p++) {
            float acc[PANEL];
            for (int j = 0; j < PANEL; j++) acc[j] = bias ? bias[p * PANEL + j] : 0.0f;
            const float *w = b + p * inner * PANEL;
            for (long k = 0; k < inner; k++) {
                float v = x[k];
                for (int j = 0; j < PANEL; j++) acc[j] += v * w[k * PANEL + j];
            }
            finish_portable(acc, epilogue, p);
            long width = columns - p * PANEL < PANEL ? columns - p * PANEL : PANEL;
            store_panel(out + r * columns + p * PANEL, acc, width);
        }
    }
}

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

// Relu on 16 values: a compare and a zeroing move (an unordered "not <=" keeps NaN).
__attribute__((target("avx512f")))
static inline __m512 relu_avx512(__m512 c) {
    return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(c, _mm512_setzero_ps(), _CMP_NLE_UQ), c);
}

// The epilogue on 16 products of panel p.
__attribute__((target("avx512f")))
static inline __m512 finish_avx512(__m512 c, berth_gemm_epilogue epilogue, long p) {
    if (epilogue.addend) c = _mm512_add_ps(c, _mm512_loadu_ps(epilogue.addend + p * PANEL));
    if (epilogue.relu) c = relu_avx512(c);
    return c;
}

// One 8-row block against panels p and p+1 (32 columns): sixteen accumulators, two B loads per k shared by 8 rows.
__attribute__((target("avx512f")))
static inline void block8x32_avx512(long inner, long columns, const float *x, const float *w0, const float *w1,
                                    const float *bias, berth_gemm_epilogue epilogue, long p, float *o, __mmask16 mask0,
                                    __mmask16 mask1) {
    __m512 b0 = bias ? _mm512_loadu_ps(bias + p * PANEL) : _mm512_setzero_ps();
    __m512 b1 = bias ? _mm512_loadu_ps(bias + (p + 1) * PANEL) : _mm512_setzero_ps();
    __m512 c[8], d[8];
    for (int i = 0; i < 8; i++) { c[i] = b0; d[i] = b1; }
    for (long k = 0; k < inner; k++) {
        __m512 wa = _mm512_loadu_ps(w0 + k * PANEL), wb = _mm512_loadu_ps(w1 + k * PANEL);
        for (int i = 0; i < 8; i++) {
            __m512 v = _mm512_set1_ps(x[i * inner + k]);
            c[i] = _mm512_fmadd_ps(v, wa, c[i]);
            d[i] = _mm512_fmadd_ps(v, wb, d[i]);
        }
    }
    for (int i = 0; i < 8; i++) {
        _mm512_mask_storeu_ps(o + i * columns, mask0, finish_avx512(c[i], epilogue, p));
        _mm512_mask_storeu_ps(o + i * columns + PANEL, mask1, finish_avx512(d[i], epilogue, p + 1));
    }
}

// One 8-row block against one panel (16 columns).
__attribute__((target("avx512f")))
static inline void block8x16_avx512(long inner, long columns, const float *x, const float *w, const float *bias,
                                    berth_gemm_epilogue epilogue, long p, float *o, __mmask16 mask) {
    __m512 start = bias ? _mm512_loadu_ps(bias + p * PANEL) : _mm512_setzero_ps();
    __m512 c[8];
    for (int i = 0; i < 8; i++) c[i] = start;
    for (long k = 0; k < inner; k++) {
        __m512 wk = _mm512_loadu_ps(w + k * PANEL);
        for (int i = 0; i < 8; i++) c[i] = _mm512_fmadd_ps(_mm512_set1_ps(x[i * inner + k]), wk, c[i]);
    }
    for (int i = 0; i < 8; i++) _mm512_mask_storeu_ps(o + i * columns, mask, finish_avx512(c[i], epilogue, p));
}

// One row against four panels at once (independent accumulators hide the FMA latency; a single row is bound by
// reading B, which this streams once).
__attribute__((target("avx512f")))
static void row_avx512(long inner, long columns, const float *x, const float *b, const float *bias,
                       berth_gemm_epilogue epilogue, float *o) {
    long panels = (columns + PANEL - 1) / PANEL;
    long p = 0;
    for (; p + 4 <= panels; p += 4) {
        __m512 c[4];
        for (int j = 0; j < 4; j++) c[j] = bias ? _mm512_loadu_ps(bias + (p + j) * PANEL) : _mm512_setzero_ps();
        const float *w = b + p * inner * PANEL;
        for (long k = 0; k < inner; k++) {
            __m512 v = _mm512_set1_ps(x[k]);
            for (int j = 0; j < 4; j++) c[j] = _mm512_fmadd_ps(v, _mm512_loadu_ps(w + j * inner * PANEL + k * PANEL), c[j]);
        }
        for (int j = 0; j < 4; j++) {
            long width = columns - (p + j) * PANEL < PANEL ? columns - (p + j) * PANEL : PANEL;
            _mm512_mask_storeu_ps(o + (p + j) * PANEL, (__mmask16)((1u << width) - 1u), finish_avx512(c[j], epilogue, p + j));
        }
    }
    for (; p < panels; p++) {
        __m512 c = bias ? _mm512_loadu_ps(bias + p * PANEL) : _mm512_setzero_ps();
        const float *w = b + p * inner * PANEL;
        for (long k = 0; k < inner; k++) c = _mm512_fmadd_ps(_mm512_set1_ps(x[k]), _mm512_loadu_ps(w + k * PANEL), c);
        long width = columns - p * PANEL < PANEL ? columns - p * PANEL : PANEL;
        _mm512_mask_storeu_ps(o + p * PANEL, (__mmask16)((1u << width) - 1u), finish_avx512(c, epilogue, p));
    }
}

// Transposes 16 rows of 16 floats in registers: afterwards v[j] holds element j of every row, row i in lane i.
__attribute__((target("avx512f")))
static inline void transpose16_avx512(__m512 v[16]) {
    __m512 t[16], u[16];
    for (int i = 0; i < 16; i += 2) {
        t[i] = _mm512_unpacklo_ps(v[i], v[i + 1]);
        t[i + 1] = _mm512_unpackhi_ps(v[i], v[i + 1]);
    }
    // u[4g + j]: rows 4g … 4g+3 of elements j, j+4, j+8 and j+12, one per 128-bit lane.
    for (int g = 0; g < 16; g += 4) {
        u[g] = _mm512_shuffle_ps(t[g], t[g + 2], 0x44);
        u[g + 1] = _mm512_shuffle_ps(t[g], t[g + 2], 0xEE);
        u[g + 2] = _mm512_shuffle_ps(t[g + 1], t[g + 3], 0x44);
        u[g + 3] = _mm512_shuffle_ps(t[g + 1], t[g + 3], 0xEE);
    }
    for (int j = 0; j < 4; j++) {
        __m512 x = _mm512_shuffle_f32x4(u[j], u[4 + j], 0x88), y = _mm512_shuffle_f32x4(u[j], u[4 + j], 0xDD);
        __m512 z = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0x88), w = _mm512_shuffle_f32x4(u[8 + j], u[12 + j], 0xDD);
        v[j] = _mm512_shuffle_f32x4(x, z, 0x88);
        v[j + 8] = _mm512_shuffle_f32x4(x, z, 0xDD);
        v[j + 4] = _mm512_shuffle_f32x4(y, w, 0x88);
        v[j + 12] = _mm512_shuffle_f32x4(y, w, 0xDD);
    }
}

// A narrow layer (at most NARROW_COLUMNS columns: a classifier's last layer, a linear model) on 16 rows at a time.
// The wide blocks would fill a 16-column panel mostly of padding; here 16 × 16 inputs are transposed in registers,
// so one vector holds one input of 16 rows, and each column takes one multiply-add per input for all 16 rows. Each
// sum is the same chain as the wide kernels' (the bias, then k in order, fused multiply-adds), so the answers are
// the same bit for bit.
__attribute__((target("avx512f")))
static void block16_narrow_avx512(long inner, long columns, const float *x, const float *b, const float *bias,
                                  berth_gemm_epilogue epilogue, float *o) {
    __m512 acc[NARROW_COLUMNS];
    for (long c = 0; c < columns; c++) acc[c] = bias ? _mm512_set1_ps(bias[c]) : _mm512_setzero_ps();
    for (long start = 0; start < inner; start += 16) {
        long width = inner - start < 16 ? inner - start : 16;
        __mmask16 mask = (__mmask16)((1u << width) - 1u);
        __m512 v[16];
        for (int i = 0; i < 16; i++) v[i] = _mm512_maskz_loadu_ps(mask, x + i * inner + start);
        transpose16_avx512(v);
        for (long k = 0; k < width; k++) {
            const float *w = b + (start + k) * PANEL;
            for (long c = 0; c < columns; c++) acc[c] = _mm512_fmadd_ps(v[k], _mm512_set1_ps(w[c]), acc[c]);
        }
    }
    const __m512i stride = _mm512_mullo_epi32(_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                                              _mm512_set1_epi32((int)columns));
    for (long c = 0; c < columns; c++) {
        __m512 value = acc[c];
        if (epilogue.addend) value = _mm512_add_ps(value, _mm512_set1_ps(epilogue.addend[c]));
        if (epilogue.relu) value = relu_avx512(value);
        _mm512_i32scatter_ps(o + c, stride, value, 4);
    }
}

__attribute__((target("avx512f")))
static void gemm_avx512(long rows, long inner, long columns, const float *a, const float *b, const float *bias,
                        berth_gemm_epilogue epilogue, float *out) {
    if (columns <= NARROW_COLUMNS) {
        long r = 0;
        for (; r + 16 <= rows; r += 16) block16_narrow_avx512(inner, columns, a + r * inner, b, bias, epilogue, out + r * columns);
        for (; r < rows; r++) row_avx512(inner, columns, a + r * inner, b, bias, epilogue, out + r * columns);
        return;
    }
    long panels = (columns + PANEL - 1) / PANEL;
    long r = 0;
    for (; r + BLOCK_ROWS <= rows; r += BLOCK_ROWS) {
        const float *x = a + r * inner;
        long p = 0;
        for (; p + 2 <= panels; p += 2) {
            long width1 = columns - (p + 1) * PANEL < PANEL ? columns - (p + 1) * PANEL : PANEL;
            block8x32_avx512(inner, columns, x, b + p * inner * PANEL, b + (p + 1) * inner * PANEL, bias, epilogue, p,
                             out + r * columns + p * PANEL, (__mmask16)0xFFFF, (__mmask16)((1u << width1) - 1u));
        }
        if (p < panels) {
            long width = columns - p * PANEL;
            block8x16_avx512(inner, columns, x, b + p * inner * PANEL, bias, epilogue, p, out + r * columns + p * PANEL,
                             (__mmask16)((1u << width) - 1u));
        }
    }
    for (; r < rows; r++) row_avx512(inner, columns, a + r * inner, b, bias, epilogue, out + r * columns);
}

// The epilogue on 8 products from column `column` on, in registers: the addend's values added, then Relu as a compare
// and a mask (an ordered "<=" is false for NaN, which stays; -0 becomes +0), the same bits as `finish_portable`.
__attribute__((target("avx2,fma")))
static inline __attribute__((always_inline)) __m256 finish_avx2(__m256 c, berth_gemm_epilogue epilogue, long column) {
    if (epilogue.addend) c = _mm256_add_ps(c, _mm256_loadu_ps(epilogue.addend + column));
    if (epilogue.relu) c = _mm256_andnot_ps(_mm256_cmp_ps(c, _mm256_setzero_ps(), _CMP_LE_OQ), c);
    return c;
}

// `ROWS` rows (6, 4, or 1 for the rows past the last block; a constant once inlined) × 16 columns per step (two
// 8-wide halves): 2 × ROWS accumulators, the two B loads of a step shared by the rows. Six rows keep 12 of the 16
// vector registers summing, three multiply-adds for every load, where four rows kept eight, two for every load. Each
// sum is the bias, then every input's fused multiply-add in order, however many rows go together, so a row's answer
// does not depend on where it falls in its batch.
__attribute__((target("avx2,fma")))
static inline __attribute__((always_inline)) void rows_avx2(const int ROWS, long inner, long columns, const float *x,
                                                            const float *b, const float *bias, berth_gemm_epilogue epilogue,
                                                            float *o) {
    long panels = (columns + PANEL - 1) / PANEL;
    for (long p = 0; p < panels; p++) {
        __m256 low = bias ? _mm256_loadu_ps(bias + p * PANEL) : _mm256_setzero_ps();
        __m256 high = bias ? _mm256_loadu_ps(bias + p * PANEL + 8) : _mm256_setzero_ps();
        __m256 c[6], d[6];
        for (int i = 0; i < ROWS; i++) { c[i] = low; d[i] = high; }
        const float *w = b + p * inner * PANEL;
        for (long k = 0; k < inner; k++) {
            __m256 wl = _mm256_loadu_ps(w + k * PANEL), wh = _mm256_loadu_ps(w + k * PANEL + 8);
            for (int i = 0; i < ROWS; i++) {
                __m256 v = _mm256_broadcast_ss(x + i * inner + k);
                c[i] = _mm256_fmadd_ps(v, wl, c[i]);
                d[i] = _mm256_fmadd_ps(v, wh, d[i]);
            }
        }
        long width = columns - p * PANEL < PANEL ? columns - p * PANEL : PANEL;
        for (int i = 0; i < ROWS; i++) {
            c[i] = finish_avx2(c[i], epilogue, p * PANEL);
            d[i] = finish_avx2(d[i], epilogue, p * PANEL + 8);
        }
        if (width == PANEL) {
            // Straight from the registers: through a block on the stack, each reload of a half the epilogue had just
            // written stalled on its stores (8 % of a 3 × 256 MLP's time on an AMD Zen 3).
            for (int i = 0; i < ROWS; i++) {
                _mm256_storeu_ps(o + i * columns + p * PANEL, c[i]);
                _mm256_storeu_ps(o + i * columns + p * PANEL + 8, d[i]);
            }
            continue;
        }
        float block[6][PANEL];
        for (int i = 0; i < ROWS; i++) {
            _mm256_storeu_ps(block[i], c[i]);
            _mm256_storeu_ps(block[i] + 8, d[i]);
            store_panel(o + i * columns + p * PANEL, block[i], width);
        }
    }
}

// Transposes 8 rows of 8 floats in registers: afterwards v[j] holds element j of every row, row i in lane i.
__attribute__((target("avx2,fma")))
static inline void transpose8_avx2(__m256 v[8]) {
    __m256 t[8], u[8];
    for (int i = 0; i < 8; i += 2) {
        t[i] = _mm256_unpacklo_ps(v[i], v[i + 1]);
        t[i + 1] = _mm256_unpackhi_ps(v[i], v[i + 1]);
    }
    // u[4g + j]: rows 4g … 4g+3 of element j in the low half, of element j+4 in the high half.
    for (int g = 0; g < 8; g += 4) {
        u[g] = _mm256_shuffle_ps(t[g], t[g + 2], 0x44);
        u[g + 1] = _mm256_shuffle_ps(t[g], t[g + 2], 0xEE);
        u[g + 2] = _mm256_shuffle_ps(t[g + 1], t[g + 3], 0x44);
        u[g + 3] = _mm256_shuffle_ps(t[g + 1], t[g + 3], 0xEE);
    }
    for (int j = 0; j < 4; j++) {
        v[j] = _mm256_permute2f128_ps(u[j], u[4 + j], 0x20);
        v[j + 4] = _mm256_permute2f128_ps(u[j], u[4 + j], 0x31);
    }
}

// A narrow layer (at most NARROW_COLUMNS columns) on 8 rows at a time, as block16_narrow_avx512 does on 16: 8 × 8
// inputs transposed in registers, one multiply-add per input and column for the 8 rows, each sum the blocks' chain.
__attribute__((target("avx2,fma")))
static void block8_narrow_avx2(long inner, long columns, const float *x, const float *b, const float *bias,
                               berth_gemm_epilogue epilogue, float *o) {
    __m256 acc[NARROW_COLUMNS];
    for (long c = 0; c < columns; c++) acc[c] = bias ? _mm256_set1_ps(bias[c]) : _mm256_setzero_ps();
    for (long start = 0; start < inner; start += 8) {
        long width = inner - start < 8 ? inner - start : 8;
        __m256 v[8];
        if (width == 8) {
            // Plain loads for a whole chunk: masked ones, even with every lane on, ran about 20 times slower here on
            // an AMD Zen 3 (8 % of a 3 × 256 MLP's time in its two-column last layer).
            for (int i = 0; i < 8; i++) v[i] = _mm256_loadu_ps(x + i * inner + start);
        } else {
            __m256i mask = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)width), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
            for (int i = 0; i < 8; i++) v[i] = _mm256_maskload_ps(x + i * inner + start, mask);
        }
        transpose8_avx2(v);
        for (long k = 0; k < width; k++) {
            const float *w = b + (start + k) * PANEL;
            for (long c = 0; c < columns; c++) acc[c] = _mm256_fmadd_ps(v[k], _mm256_set1_ps(w[c]), acc[c]);
        }
    }
    for (long c = 0; c < columns; c++) {
        float sums[8];
        _mm256_storeu_ps(sums, acc[c]);
        for (int i = 0; i < 8; i++) o[i * columns + c] = finish_one(sums[i], epilogue, c);
    }
}

__attribute__((target("avx2,fma")))
static void gemm_avx2(long rows, long inner, long columns, const float *a, const float *b, const float *bias,
                      berth_gemm_epilogue epilogue, float *out) {
    long r = 0;
    if (columns <= NARROW_COLUMNS) {
        for (; r + 8 <= rows; r += 8) block8_narrow_avx2(inner, columns, a + r * inner, b, bias, epilogue, out + r * columns);
        for (; r < rows; r++) rows_avx2(1, inner, columns, a + r * inner, b, bias, epilogue, out + r * columns);
        return;
    }
    for (; r + 6 <= rows; r += 6) rows_avx2(6, inner, columns, a + r * inner, b, bias, epilogue, out + r * columns);
    for (; r + 4 <= rows; r += 4) rows_avx2(4, inner, columns, a + r * inner, b, bias, epilogue, out + r * columns);
    for (; r < rows; r++) rows_avx2(1, inner, columns, a + r * inner, b, bias, epilogue, out + r * columns);
}

typedef void (*gemm_function)(long, long, long, const float *, const float *, const float *, berth_gemm_epilogue, float *);

static gemm_function chosen(const char **name) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) { *name = "avx512"; return gemm_avx512; }
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) { *name = "avx2"; return gemm_avx2; }
    *name = "portable";
    return gemm_portable;
}
#elif defined(__aarch64__)
#include <arm_neon.h>

// One row against each panel in turn (the rows past the last block of 4): fused multiply-adds from the bias, k in
// order — the chain of the AVX2 and AVX-512 paths, so an Arm CPU answers their bits.
static void row_neon(long inner, long columns, const float *x, const float *b, const float *bias,
                     berth_gemm_epilogue epilogue, float *o) {
    long panels = (columns + PANEL - 1) / PANEL;
    for (long p = 0; p < panels; p++) {
        float32x4_t c[4];
        for (int q = 0; q < 4; q++) c[q] = bias ? vld1q_f32(bias + p * PANEL + 4 * q) : vdupq_n_f32(0.0f);
        const float *w = b + p * inner * PANEL;
        for (long k = 0; k < inner; k++) {
            float32x4_t v = vdupq_n_f32(x[k]);
            for (int q = 0; q < 4; q++) c[q] = vfmaq_f32(c[q], v, vld1q_f32(w + k * PANEL + 4 * q));
        }
        float block[PANEL];
        for (int q = 0; q < 4; q++) vst1q_f32(block + 4 * q, c[q]);
        finish_portable(block, epilogue, p);
        long width = columns - p * PANEL < PANEL ? columns - p * PANEL : PANEL;
        store_panel(o + p * PANEL, block, width);
    }
}

// A narrow layer (at most NARROW_COLUMNS columns) on 4 rows at a time, as block8_narrow_avx2 does on 8: 4 × 4 inputs
// transposed in registers, one multiply-add per input and column for the 4 rows, each sum the blocks' chain.
static void block4_narrow_neon(long inner, long columns, const float *x, const float *b, const float *bias,
                               berth_gemm_epilogue epilogue, float *o) {
    float32x4_t acc[NARROW_COLUMNS];
    for (long c = 0; c < columns; c++) acc[c] = vdupq_n_f32(bias ? bias[c] : 0.0f);
    for (long start = 0; start < inner; start += 4) {
        long width = inner - start < 4 ? inner - start : 4;
        float32x4_t v[4];
        for (int i = 0; i < 4; i++) {
            float lanes[4] = {0.0f, 0.0f, 0.0f, 0.0f};
            memcpy(lanes, x + i * inner + start, (size_t)width * sizeof(float));
            v[i] = vld1q_f32(lanes);
        }
        // Afterwards v[k] holds input start + k of the 4 rows, row i in lane i.
        float32x4_t t0 = vtrn1q_f32(v[0], v[1]), t1 = vtrn2q_f32(v[0], v[1]);
        float32x4_t t2 = vtrn1q_f32(v[2], v[3]), t3 = vtrn2q_f32(v[2], v[3]);
        v[0] = vreinterpretq_f32_f64(vtrn1q_f64(vreinterpretq_f64_f32(t0), vreinterpretq_f64_f32(t2)));
        v[1] = vreinterpretq_f32_f64(vtrn1q_f64(vreinterpretq_f64_f32(t1), vreinterpretq_f64_f32(t3)));
        v[2] = vreinterpretq_f32_f64(vtrn2q_f64(vreinterpretq_f64_f32(t0), vreinterpretq_f64_f32(t2)));
        v[3] = vreinterpretq_f32_f64(vtrn2q_f64(vreinterpretq_f64_f32(t1), vreinterpretq_f64_f32(t3)));
        for (long k = 0; k < width; k++) {
            const float *w = b + (start + k) * PANEL;
            for (long c = 0; c < columns; c++) acc[c] = vfmaq_f32(acc[c], v[k], vdupq_n_f32(w[c]));
        }
    }
    for (long c = 0; c < columns; c++) {
        float sums[4];
        vst1q_f32(sums, acc[c]);
        for (int i = 0; i < 4; i++) o[i * columns + c] = finish_one(sums[i], epilogue, c);
    }
}

// 4 rows × 16 columns per step: sixteen 4-wide accumulators (of AArch64's 32 vector registers), four B loads shared
// by the 4 rows; a narrow layer in transposed blocks of 4 rows instead. NEON is part of every AArch64 CPU
// (Graviton's Neoverse cores included), so no check is needed.
static void gemm_neon(long rows, long inner, long columns, const float *a, const float *b, const float *bias,
                      berth_gemm_epilogue epilogue, float *out) {
    long panels = (columns + PANEL - 1) / PANEL;
    long r = 0;
    if (columns <= NARROW_COLUMNS) {
        for (; r + 4 <= rows; r += 4) block4_narrow_neon(inner, columns, a + r * inner, b, bias, epilogue, out + r * columns);
        for (; r < rows; r++) row_neon(inner, columns, a + r * inner, b, bias, epilogue, out + r * columns);
        return;
    }
    for (; r + 4 <= rows; r += 4) {
        const float *x = a + r * inner;
        for (long p = 0; p < panels; p++) {
            float32x4_t c[4][4];
            for (int q = 0; q < 4; q++) {
                float32x4_t start = bias ? vld1q_f32(bias + p * PANEL + 4 * q) : vdupq_n_f32(0.0f);
                for (int i = 0; i < 4; i++) c[i][q] = start;
            }
            const float *w = b + p * inner * PANEL;
            for (long k = 0; k < inner; k++) {
                float32x4_t w0 = vld1q_f32(w + k * PANEL), w1 = vld1q_f32(w + k * PANEL + 4);
                float32x4_t w2 = vld1q_f32(w + k * PANEL + 8), w3 = vld1q_f32(w + k * PANEL + 12);
                for (int i = 0; i < 4; i++) {
                    float32x4_t v = vdupq_n_f32(x[i * inner + k]);
                    c[i][0] = vfmaq_f32(c[i][0], v, w0);
                    c[i][1] = vfmaq_f32(c[i][1], v, w1);
                    c[i][2] = vfmaq_f32(c[i][2], v, w2);
                    c[i][3] = vfmaq_f32(c[i][3], v, w3);
                }
            }
            long width = columns - p * PANEL < PANEL ? columns - p * PANEL : PANEL;
            float block[4][PANEL];
            for (int i = 0; i < 4; i++) {
                for (int q = 0; q < 4; q++) vst1q_f32(block[i] + 4 * q, c[i][q]);
                finish_portable(block[i], epilogue, p);
                store_panel(out + (r + i) * columns + p * PANEL, block[i], width);
            }
        }
    }
    for (; r < rows; r++) row_neon(inner, columns, a + r * inner, b, bias, epilogue, out + r * columns);
}

typedef void (*gemm_function)(long, long, long, const float *, const float *, const float *, berth_gemm_epilogue, float *);

static gemm_function chosen(const char **name) {
    *name = "neon";
    return gemm_neon;
}
#else
typedef void (*gemm_function)(long, long, long, const float *, const float *, const float *, berth_gemm_epilogue, float *);

static gemm_function chosen(const char **name) {
    *name = "portable";
    return gemm_portable;
}
#endif

// Chosen once; a benign race at first use computes the same answer on every thread.
static gemm_function selected;
static const char *selected_name = "portable";

static gemm_function kernel(void) {
    gemm_function function = __atomic_load_n(&selected, __ATOMIC_ACQUIRE);
    if (!function) {
        const char *name;
        function = chosen(&name);
        selected_name = name;
        __atomic_store_n(&selected, function, __ATOMIC_RELEASE);
    }
    return function;
}

void berth_gemm_f32(long rows, long inner, long columns, const float *a, const float *packed_b, const float *bias,
                    berth_gemm_epilogue epilogue, float *out) {
    kernel()(rows, inner, columns, a, packed_b, bias, epilogue, out);
}

const char *berth_gemm_isa(void) {
    kernel();
    return selected_name;
}

int berth_gemm_f32_using(int isa, long rows, long inner, long columns, const float *a, const float *packed_b,
                         const float *bias, berth_gemm_epilogue epilogue, float *out) {
    switch (isa) {
    case 0:
        gemm_portable(rows, inner, columns, a, packed_b, bias, epilogue, out);
        return 0;
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    case 1:
        if (!(__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))) return -1;
        gemm_avx2(rows, inner, columns, a, packed_b, bias, epilogue, out);
        return 0;
    case 2:
        if (!__builtin_cpu_supports("avx512f")) return -1;
        gemm_avx512(rows, inner, columns, a, packed_b, bias, epilogue, out);
        return 0;
#elif defined(__aarch64__)
    case 3:
        gemm_neon(rows, inner, columns, a, packed_b, bias, epilogue, out);
        return 0;
#endif
    default:
        return -1;
    }
}
