// The instruction sets the kernels worked out in double precision (the activations, LayerNormalization) are built
// for, numbered as their `_using` functions take them: 0 portable code, 1 AVX2 with FMA, 2 AVX-512 (F and DQ). Each
// such kernel keeps its paths in an array in that order, picks `berth_isa_best()` once, and lets tests name any path
// `berth_isa_runs` allows.
#ifndef BERTH_ISA_H
#define BERTH_ISA_H

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#define BERTH_ISA_X86 1
static inline int berth_isa_runs(int isa) {
    __builtin_cpu_init();
    switch (isa) {
    case 0: return 1;
    case 1: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case 2: return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq");
    default: return 0;
    }
}
#else
static inline int berth_isa_runs(int isa) { return isa == 0; }
#endif

static inline int berth_isa_best(void) { return berth_isa_runs(2) ? 2 : berth_isa_runs(1) ? 1 : 0; }

#endif
