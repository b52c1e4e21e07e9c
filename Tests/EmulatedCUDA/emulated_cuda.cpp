// A stand-in for the CUDA driver (libcuda.so.1) that runs on the CPU, for BerthCUDATests on machines without a
// GPU. It implements the entry points CCUDA resolves with host memory and synchronous copies, and "launches"
// Berth's kernels by running their real CUDA C source — compiled here as C++ (BERTH_TREE_KERNEL,
// BERTH_TREE_SHAP_KERNEL, BERTH_DOUBLE_FOREST_KERNEL, BERTH_OBLIVIOUS_FOREST_KERNEL and BERTH_DENSE_KERNEL, written
// by the test) — once per thread of the grid. The one-dimensional kernels without barriers (forests, TreeSHAP) run
// their blocks on several OS threads at once, so the TreeSHAP kernel's atomic adds really do meet; the dense
// kernel's blocks run one after another, a block's threads as fibers
// (ucontext), so `__syncthreads()` is a real barrier and `__shared__` memory is shared by the block. It proves the host side of the GPU path (binding, uploads, lanes,
// chunks, launch arguments, read-back, fallbacks) and the kernel's logic; it says nothing about a real GPU's
// speed or its compiler, and since its copies and launches complete at once it cannot see a race between streams. Failure modes are chosen at build time with -D flags:
//   EMULATED_INIT_RESULT      what cuInit returns (default 0)
//   EMULATED_DEVICE_COUNT     devices (default 1)
//   EMULATED_COMPUTE          compute capability × 10 (default 80)
//   EMULATED_ALLOC_LIMIT      bytes of device memory before CUDA_ERROR_OUT_OF_MEMORY (default unlimited)
//   EMULATED_REFUSE_LAUNCHES  every launch fails with CUDA_ERROR_NOT_SUPPORTED (the per-call CPU fallback)
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <ucontext.h>
#include <memory>
#include <vector>

#ifndef EMULATED_INIT_RESULT
#define EMULATED_INIT_RESULT 0
#endif
#ifndef EMULATED_DEVICE_COUNT
#define EMULATED_DEVICE_COUNT 1
#endif
#ifndef EMULATED_COMPUTE
#define EMULATED_COMPUTE 80
#endif
#ifndef EMULATED_ALLOC_LIMIT
#define EMULATED_ALLOC_LIMIT (1ULL << 62)
#endif
#ifndef EMULATED_REFUSE_LAUNCHES
#define EMULATED_REFUSE_LAUNCHES 0
#endif

// What CUDA C gives a kernel, for the kernel source below.
struct uint2 { unsigned int x, y; };
struct uint4 { unsigned int x, y, z, w; };
struct dim3 { unsigned int x, y, z; };
static thread_local dim3 blockIdx, blockDim, threadIdx;
#define __global__
#define __device__
#define __forceinline__ inline
// One copy per OS thread, and a block's fibers share their OS thread: shared by the block, as on a GPU.
#define __shared__ static thread_local
template <class T> static T __ldg(const T *pointer) { return *pointer; }
static float __uint_as_float(unsigned int bits) { float value; std::memcpy(&value, &bits, 4); return value; }
static float __int_as_float(int bits) { float value; std::memcpy(&value, &bits, 4); return value; }
// atomicAdd on double (compute 6.0 and later): a compare-and-swap loop on the value's bits, atomic across the OS
// threads that run a launch's blocks.
static double atomicAdd(double *address, double value) {
    unsigned long long *bits = reinterpret_cast<unsigned long long *>(address);
    unsigned long long seen = __atomic_load_n(bits, __ATOMIC_RELAXED);
    for (;;) {
        double old, sum;
        std::memcpy(&old, &seen, 8);
        sum = old + value;
        unsigned long long desired;
        std::memcpy(&desired, &sum, 8);
        if (__atomic_compare_exchange_n(bits, &seen, desired, false, __ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) return old;
    }
}

// A block's threads as fibers: each runs until its next barrier, then the next one runs.
static thread_local ucontext_t scheduler;
static thread_local ucontext_t *running;
static void __syncthreads() { swapcontext(running, &scheduler); }

#include BERTH_TREE_KERNEL
#include BERTH_TREE_SHAP_KERNEL
#include BERTH_DOUBLE_FOREST_KERNEL
#include BERTH_OBLIVIOUS_FOREST_KERNEL
#include BERTH_DENSE_KERNEL

typedef int result;
typedef unsigned long long device_pointer;
enum { SUCCESS = 0, OUT_OF_MEMORY = 2, INSUFFICIENT_DRIVER = 35, NO_DEVICE = 100, INVALID_IMAGE = 200,
       NOT_FOUND = 500, NOT_SUPPORTED = 801 };

static int context_tag, module_tag, stream_tag, tree_kernel_tag, tree_leaves_kernel_tag, tree_sums_kernel_tag,
    tree_shap_kernel_tag, double_forest_kernel_tag, double_leaves_kernel_tag, double_sums_kernel_tag,
    oblivious_forest_kernel_tag, oblivious_leaves_kernel_tag, oblivious_sums_kernel_tag, dense_kernel_tag;
static std::atomic<unsigned long long> allocated{0};

// The launch's parameter `index`, which the kernel declares as a `T`.
template <class T> static T parameter(void **parameters, int index) { return *static_cast<T *>(parameters[index]); }

// Runs one thread of a forest or TreeSHAP kernel (one-dimensional grids, no barriers, so no fiber is needed).
static void run_forest_thread(void *function, void **parameters) {
    if (function == &tree_kernel_tag) {
        berth_tree_ensemble_margins(
            parameter<const uint4 *>(parameters, 0), parameter<const int *>(parameters, 1),
            parameter<const int *>(parameters, 2), parameter<const int *>(parameters, 3),
            parameter<const int *>(parameters, 4), parameter<const unsigned int *>(parameters, 5),
            parameter<const float *>(parameters, 6), parameter<const float *>(parameters, 7),
            parameter<float *>(parameters, 8), parameter<long long>(parameters, 9),
            parameter<long long>(parameters, 10), parameter<long long>(parameters, 11),
            parameter<long long>(parameters, 12));
    } else if (function == &tree_leaves_kernel_tag) {
        berth_tree_ensemble_leaves(
            parameter<const uint4 *>(parameters, 0), parameter<const int *>(parameters, 1),
            parameter<const int *>(parameters, 2), parameter<const int *>(parameters, 3),
            parameter<const unsigned int *>(parameters, 4), parameter<const float *>(parameters, 5),
            parameter<float *>(parameters, 6), parameter<long long>(parameters, 7),
            parameter<long long>(parameters, 8), parameter<long long>(parameters, 9));
    } else if (function == &tree_sums_kernel_tag) {
        berth_tree_ensemble_sums(
            parameter<const float *>(parameters, 0), parameter<const int *>(parameters, 1),
            parameter<const float *>(parameters, 2), parameter<float *>(parameters, 3),
            parameter<long long>(parameters, 4), parameter<long long>(parameters, 5),
            parameter<long long>(parameters, 6));
    } else if (function == &tree_shap_kernel_tag) {
        berth_tree_shap_contributions(
            parameter<const uint4 *>(parameters, 0), parameter<const int *>(parameters, 1),
            parameter<const int *>(parameters, 2), parameter<const unsigned int *>(parameters, 3),
            parameter<const int *>(parameters, 4), parameter<const int *>(parameters, 5),
            parameter<const double *>(parameters, 6), parameter<const int *>(parameters, 7),
            parameter<const double *>(parameters, 8), parameter<const int *>(parameters, 9),
            parameter<const int *>(parameters, 10), parameter<const float *>(parameters, 11),
            parameter<double *>(parameters, 12), parameter<long long>(parameters, 13),
            parameter<long long>(parameters, 14), parameter<long long>(parameters, 15),
            parameter<long long>(parameters, 16));
    } else if (function == &double_forest_kernel_tag) {
        berth_double_forest_margins(
            parameter<const berth_double_split *>(parameters, 0), parameter<const int *>(parameters, 1),
            parameter<const unsigned char *>(parameters, 2), parameter<const int *>(parameters, 3),
            parameter<const int *>(parameters, 4), parameter<const unsigned int *>(parameters, 5),
            parameter<const double *>(parameters, 6), parameter<const double *>(parameters, 7),
            parameter<const int *>(parameters, 8), parameter<const int *>(parameters, 9),
            parameter<const int *>(parameters, 10), parameter<const double *>(parameters, 11),
            parameter<const double *>(parameters, 12), parameter<double *>(parameters, 13),
            parameter<long long>(parameters, 14), parameter<long long>(parameters, 15),
            parameter<long long>(parameters, 16), parameter<long long>(parameters, 17), parameter<double>(parameters, 18));
    } else if (function == &double_leaves_kernel_tag) {
        berth_double_forest_leaves(
            parameter<const berth_double_split *>(parameters, 0), parameter<const int *>(parameters, 1),
            parameter<const unsigned char *>(parameters, 2), parameter<const int *>(parameters, 3),
            parameter<const int *>(parameters, 4), parameter<const unsigned int *>(parameters, 5),
            parameter<const double *>(parameters, 6), parameter<const double *>(parameters, 7),
            parameter<const int *>(parameters, 8), parameter<const int *>(parameters, 9),
            parameter<const int *>(parameters, 10), parameter<const double *>(parameters, 11),
            parameter<const double *>(parameters, 12), parameter<double *>(parameters, 13),
            parameter<long long>(parameters, 14), parameter<long long>(parameters, 15),
            parameter<long long>(parameters, 16), parameter<double>(parameters, 17));
    } else if (function == &double_sums_kernel_tag) {
        berth_double_forest_sums(
            parameter<const double *>(parameters, 0), parameter<double *>(parameters, 1),
            parameter<long long>(parameters, 2), parameter<long long>(parameters, 3), parameter<long long>(parameters, 4));
    } else if (function == &oblivious_leaves_kernel_tag) {
        berth_oblivious_forest_leaves(
            parameter<const uint2 *>(parameters, 0), parameter<const long long *>(parameters, 1),
            parameter<const float *>(parameters, 2), parameter<int *>(parameters, 3),
            parameter<long long>(parameters, 4), parameter<long long>(parameters, 5), parameter<long long>(parameters, 6));
    } else if (function == &oblivious_sums_kernel_tag) {
        berth_oblivious_forest_sums(
            parameter<const long long *>(parameters, 0), parameter<const double *>(parameters, 1),
            parameter<const int *>(parameters, 2), parameter<double *>(parameters, 3),
            parameter<long long>(parameters, 4), parameter<long long>(parameters, 5), parameter<long long>(parameters, 6));
    } else {
        berth_oblivious_forest_margins(
            parameter<const uint2 *>(parameters, 0), parameter<const long long *>(parameters, 1),
            parameter<const long long *>(parameters, 2), parameter<const double *>(parameters, 3),
            parameter<const float *>(parameters, 4), parameter<double *>(parameters, 5),
            parameter<long long>(parameters, 6), parameter<long long>(parameters, 7),
            parameter<long long>(parameters, 8), parameter<long long>(parameters, 9));
    }
}

extern "C" {
result cuInit(unsigned int) { return EMULATED_INIT_RESULT; }
result cuDriverGetVersion(int *version) { *version = 12080; return SUCCESS; }
result cuDeviceGetCount(int *count) { *count = EMULATED_DEVICE_COUNT; return EMULATED_DEVICE_COUNT ? SUCCESS : NO_DEVICE; }
result cuDeviceGet(int *device, int ordinal) { *device = ordinal; return ordinal < EMULATED_DEVICE_COUNT ? SUCCESS : NO_DEVICE; }
result cuDeviceGetName(char *name, int length, int) { std::strncpy(name, "Berth emulated GPU", length); return SUCCESS; }
result cuDeviceGetAttribute(int *value, int attribute, int) {
    // Compute capability, and a small GPU's size: 2 multiprocessors (16) of 2,048 threads (39).
    *value = attribute == 75 ? EMULATED_COMPUTE / 10 : attribute == 76 ? EMULATED_COMPUTE % 10
        : attribute == 16 ? 2 : attribute == 39 ? 2048 : 1;
    return SUCCESS;
}
result cuDeviceTotalMem_v2(size_t *bytes, int) { *bytes = 16ULL << 30; return SUCCESS; }
result cuDevicePrimaryCtxRetain(void **context, int) { *context = &context_tag; return SUCCESS; }
result cuDevicePrimaryCtxRelease_v2(int) { return SUCCESS; }
result cuCtxSetCurrent(void *) { return SUCCESS; }

result cuModuleLoadData(void **module, const void *image) {
    const unsigned char *bytes = static_cast<const unsigned char *>(image);
    bool elf = bytes[0] == 0x7f && bytes[1] == 'E' && bytes[2] == 'L' && bytes[3] == 'F';
    bool ptx = std::strstr(static_cast<const char *>(image), ".entry") != nullptr;
    if (!elf && !ptx) return INVALID_IMAGE;
    *module = &module_tag;
    return SUCCESS;
}
result cuModuleUnload(void *) { return SUCCESS; }
result cuModuleGetFunction(void **function, void *, const char *name) {
    if (std::strcmp(name, "berth_tree_ensemble_margins") == 0) { *function = &tree_kernel_tag; return SUCCESS; }
    if (std::strcmp(name, "berth_tree_ensemble_leaves") == 0) { *function = &tree_leaves_kernel_tag; return SUCCESS; }
    if (std::strcmp(name, "berth_tree_ensemble_sums") == 0) { *function = &tree_sums_kernel_tag; return SUCCESS; }
    if (std::strcmp(name, "berth_tree_shap_contributions") == 0) { *function = &tree_shap_kernel_tag; return SUCCESS; }
    if (std::strcmp(name, "berth_double_forest_margins") == 0) { *function = &double_forest_kernel_tag; return SUCCESS; }
    if (std::strcmp(name, "berth_double_forest_leaves") == 0) { *function = &double_leaves_kernel_tag; return SUCCESS; }
    if (std::strcmp(name, "berth_double_forest_sums") == 0) { *function = &double_sums_kernel_tag; return SUCCESS; }
    if (std::strcmp(name, "berth_oblivious_forest_margins") == 0) { *function = &oblivious_forest_kernel_tag; return SUCCESS; }
    if (std::strcmp(name, "berth_oblivious_forest_leaves") == 0) { *function = &oblivious_leaves_kernel_tag; return SUCCESS; }
    if (std::strcmp(name, "berth_oblivious_forest_sums") == 0) { *function = &oblivious_sums_kernel_tag; return SUCCESS; }
    if (std::strcmp(name, "berth_dense_layer") == 0) { *function = &dense_kernel_tag; return SUCCESS; }
    return NOT_FOUND;
}

result cuMemAlloc_v2(device_pointer *pointer, size_t bytes) {
    if (allocated.fetch_add(bytes) + bytes > EMULATED_ALLOC_LIMIT) { allocated.fetch_sub(bytes); return OUT_OF_MEMORY; }
    void *memory = std::malloc(bytes + sizeof(size_t));
    if (memory == nullptr) return OUT_OF_MEMORY;
    *static_cast<size_t *>(memory) = bytes;
    *pointer = reinterpret_cast<device_pointer>(static_cast<size_t *>(memory) + 1);
    return SUCCESS;
}
result cuMemFree_v2(device_pointer pointer) {
    size_t *memory = reinterpret_cast<size_t *>(pointer) - 1;
    allocated.fetch_sub(*memory);
    std::free(memory);
    return SUCCESS;
}
result cuMemAllocHost_v2(void **pointer, size_t bytes) { *pointer = std::malloc(bytes); return *pointer ? SUCCESS : OUT_OF_MEMORY; }
result cuMemFreeHost(void *pointer) { std::free(pointer); return SUCCESS; }
result cuMemcpyHtoD_v2(device_pointer destination, const void *source, size_t bytes) {
    std::memcpy(reinterpret_cast<void *>(destination), source, bytes);
    return SUCCESS;
}
result cuMemcpyHtoDAsync_v2(device_pointer destination, const void *source, size_t bytes, void *) {
    return cuMemcpyHtoD_v2(destination, source, bytes);
}
result cuMemcpyDtoHAsync_v2(void *destination, device_pointer source, size_t bytes, void *) {
    std::memcpy(destination, reinterpret_cast<const void *>(source), bytes);
    return SUCCESS;
}
result cuMemsetD8Async(device_pointer destination, unsigned char value, size_t count, void *) {
    std::memset(reinterpret_cast<void *>(destination), value, count);
    return SUCCESS;
}
result cuStreamCreate(void **stream, unsigned int) { *stream = &stream_tag; return SUCCESS; }
result cuStreamDestroy_v2(void *) { return SUCCESS; }
result cuStreamSynchronize(void *) { return SUCCESS; }

static thread_local void **fiber_parameters;
static thread_local bool *fiber_done;

static void run_dense_thread() {
    void **parameters = fiber_parameters;
    bool *done = fiber_done;
    berth_dense_layer(
        *static_cast<const float **>(parameters[0]), *static_cast<const float **>(parameters[1]),
        *static_cast<const float **>(parameters[2]), *static_cast<float **>(parameters[3]),
        *static_cast<long long *>(parameters[4]), *static_cast<long long *>(parameters[5]),
        *static_cast<long long *>(parameters[6]), *static_cast<long long *>(parameters[7]),
        *static_cast<const float **>(parameters[8]), *static_cast<long long *>(parameters[9]),
        *static_cast<long long *>(parameters[10]), *static_cast<double *>(parameters[11]));
    *done = true;
}

// Runs one block of the dense kernel: every thread a fiber, resumed in turn until all have finished.
static void run_dense_block(unsigned int threads, void **parameters) {
    const size_t stack_bytes = 64 * 1024;
    std::vector<ucontext_t> fibers(threads);
    std::vector<char> stacks(threads * stack_bytes);
    std::unique_ptr<bool[]> done(new bool[threads]());
    for (unsigned int thread = 0; thread < threads; ++thread) {
        getcontext(&fibers[thread]);
        fibers[thread].uc_stack.ss_sp = stacks.data() + thread * stack_bytes;
        fibers[thread].uc_stack.ss_size = stack_bytes;
        fibers[thread].uc_link = &scheduler;
        makecontext(&fibers[thread], run_dense_thread, 0);
    }
    bool finished = false;
    while (!finished) {
        finished = true;
        for (unsigned int thread = 0; thread < threads; ++thread) {
            if (done[thread]) continue;
            threadIdx = {thread % blockDim.x, thread / blockDim.x, 0};
            fiber_parameters = parameters;
            fiber_done = &done[thread];
            running = &fibers[thread];
            swapcontext(&scheduler, &fibers[thread]);
            finished = finished && done[thread];
        }
    }
}

result cuLaunchKernel(void *function, unsigned int gridX, unsigned int gridY, unsigned int gridZ, unsigned int blockX,
                      unsigned int blockY, unsigned int blockZ, unsigned int, void *, void **parameters, void **) {
    if (EMULATED_REFUSE_LAUNCHES || gridZ != 1 || blockZ != 1) return NOT_SUPPORTED;
    blockDim = {blockX, blockY, 1};
    if (function == &dense_kernel_tag) {
        for (unsigned int y = 0; y < gridY; ++y) {
            for (unsigned int x = 0; x < gridX; ++x) {
                blockIdx = {x, y, 0};
                run_dense_block(blockX * blockY, parameters);
            }
        }
        return SUCCESS;
    }
    bool forest = function == &tree_kernel_tag || function == &tree_leaves_kernel_tag || function == &tree_sums_kernel_tag
        || function == &tree_shap_kernel_tag || function == &double_forest_kernel_tag || function == &double_leaves_kernel_tag
        || function == &double_sums_kernel_tag
        || function == &oblivious_forest_kernel_tag || function == &oblivious_leaves_kernel_tag
        || function == &oblivious_sums_kernel_tag;
    if (!forest || gridY != 1 || blockY != 1) return NOT_SUPPORTED;
    // Blocks dealt round-robin to a few OS threads, each with its own blockIdx and threadIdx (thread_local).
    unsigned int workers = std::min(gridX, std::max(2u, std::min(8u, std::thread::hardware_concurrency())));
    std::vector<std::thread> threads;
    for (unsigned int worker = 0; worker < workers; ++worker) {
        threads.emplace_back([=] {
            blockDim = {blockX, 1, 1};
            for (unsigned int block = worker; block < gridX; block += workers) {
                for (unsigned int thread = 0; thread < blockX; ++thread) {
                    blockIdx = {block, 0, 0};
                    threadIdx = {thread, 0, 0};
                    run_forest_thread(function, parameters);
                }
            }
        });
    }
    for (std::thread &thread : threads) thread.join();
    return SUCCESS;
}

result cuGetErrorName(result code, const char **name) {
    switch (code) {
    case OUT_OF_MEMORY: *name = "CUDA_ERROR_OUT_OF_MEMORY"; break;
    case INSUFFICIENT_DRIVER: *name = "CUDA_ERROR_INSUFFICIENT_DRIVER"; break;
    case NO_DEVICE: *name = "CUDA_ERROR_NO_DEVICE"; break;
    case NOT_SUPPORTED: *name = "CUDA_ERROR_NOT_SUPPORTED"; break;
    default: *name = nullptr; return 1;
    }
    return SUCCESS;
}
result cuGetErrorString(result code, const char **text) {
    const char *name = nullptr;
    if (cuGetErrorName(code, &name) != SUCCESS) { *text = nullptr; return 1; }
    *text = "emulated";
    return SUCCESS;
}
}
