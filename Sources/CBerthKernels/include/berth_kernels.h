#ifndef BERTH_KERNELS_H
#define BERTH_KERNELS_H

/// Berth's dense matrix kernel: out[r, c] = bias[c] + sum_k a[r, k] * b[k, c] for r in [0, rows).
///
/// `packed_b` holds B in panels of BERTH_PANEL_WIDTH columns: panel p is inner × 16 floats, row-major, the last
/// panel zero-padded; `bias` has one value per padded column (zeros past `columns`), or is NULL. The kernel picks
/// AVX-512, AVX2+FMA or portable code once, at first use, from what the CPU supports.
#define BERTH_PANEL_WIDTH 16

void berth_gemm_f32(long rows, long inner, long columns, const float *a, const float *packed_b,
                    const float *bias, float *out);

/// The instruction set the kernel runs with on this machine: "avx512", "avx2" or "portable".
const char *berth_gemm_isa(void);

/// The same computation with a given instruction set (0 portable, 1 AVX2+FMA, 2 AVX-512), for tests that check
/// every path on one machine. Returns 0, or -1 when this CPU (or build) lacks the instruction set.
int berth_gemm_f32_using(int isa, long rows, long inner, long columns, const float *a, const float *packed_b,
                         const float *bias, float *out);

#endif
