// The CUDA driver and NVRTC, bound at run time.
//
// Berth never links against CUDA: the NVIDIA container runtime injects the driver's libcuda.so.1 only on GPU
// hosts, and NVRTC comes with the CUDA runtime image. This header declares the few CUDA types and entry points
// Berth uses (their ABI is stable across driver versions) and two functions that dlopen a library and fill a
// table of function pointers. All logic lives in Swift (BerthCUDA).
#ifndef CCUDA_H
#define CCUDA_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

// Driver API types (cuda.h), declared here so building needs no CUDA headers.
typedef int ccuda_result;                       // CUresult; 0 is CUDA_SUCCESS
typedef int ccuda_device;                       // CUdevice
typedef struct ccuda_context_st *ccuda_context; // CUcontext
typedef struct ccuda_module_st *ccuda_module;   // CUmodule
typedef struct ccuda_function_st *ccuda_function; // CUfunction
typedef struct ccuda_stream_st *ccuda_stream;   // CUstream
typedef unsigned long long ccuda_device_pointer; // CUdeviceptr (64-bit)

// NVRTC types (nvrtc.h).
typedef int ccuda_nvrtc_result;                 // nvrtcResult; 0 is NVRTC_SUCCESS
typedef struct ccuda_nvrtc_program_st *ccuda_nvrtc_program; // nvrtcProgram

// How opening a library ended.
typedef enum {
    CCUDA_OPENED = 0,
    CCUDA_LIBRARY_NOT_FOUND = 1,
    CCUDA_SYMBOL_MISSING = 2,
} ccuda_open_status;

// The driver entry points Berth calls, resolved by name (the `_v2` names are the 64-bit ABI).
typedef struct {
    void *handle;
    ccuda_result (*cuInit)(unsigned int flags);
    ccuda_result (*cuDriverGetVersion)(int *version);
    ccuda_result (*cuDeviceGetCount)(int *count);
    ccuda_result (*cuDeviceGet)(ccuda_device *device, int ordinal);
    ccuda_result (*cuDeviceGetName)(char *name, int length, ccuda_device device);
    ccuda_result (*cuDeviceGetAttribute)(int *value, int attribute, ccuda_device device);
    ccuda_result (*cuDeviceTotalMem_v2)(size_t *bytes, ccuda_device device);
    ccuda_result (*cuDevicePrimaryCtxRetain)(ccuda_context *context, ccuda_device device);
    ccuda_result (*cuDevicePrimaryCtxRelease_v2)(ccuda_device device);
    ccuda_result (*cuCtxSetCurrent)(ccuda_context context);
    ccuda_result (*cuModuleLoadData)(ccuda_module *module, const void *image);
    ccuda_result (*cuModuleUnload)(ccuda_module module);
    ccuda_result (*cuModuleGetFunction)(ccuda_function *function, ccuda_module module, const char *name);
    ccuda_result (*cuMemAlloc_v2)(ccuda_device_pointer *pointer, size_t bytes);
    ccuda_result (*cuMemFree_v2)(ccuda_device_pointer pointer);
    ccuda_result (*cuMemAllocHost_v2)(void **pointer, size_t bytes);
    ccuda_result (*cuMemFreeHost)(void *pointer);
    ccuda_result (*cuMemcpyHtoD_v2)(ccuda_device_pointer destination, const void *source, size_t bytes);
    ccuda_result (*cuMemcpyHtoDAsync_v2)(ccuda_device_pointer destination, const void *source, size_t bytes, ccuda_stream stream);
    ccuda_result (*cuMemcpyDtoHAsync_v2)(void *destination, ccuda_device_pointer source, size_t bytes, ccuda_stream stream);
    ccuda_result (*cuMemsetD8Async)(ccuda_device_pointer destination, unsigned char value, size_t count, ccuda_stream stream);
    ccuda_result (*cuStreamCreate)(ccuda_stream *stream, unsigned int flags);
    ccuda_result (*cuStreamDestroy_v2)(ccuda_stream stream);
    ccuda_result (*cuStreamSynchronize)(ccuda_stream stream);
    ccuda_result (*cuLaunchKernel)(ccuda_function function,
                                   unsigned int gridX, unsigned int gridY, unsigned int gridZ,
                                   unsigned int blockX, unsigned int blockY, unsigned int blockZ,
                                   unsigned int sharedBytes, ccuda_stream stream, void **parameters, void **extra);
    ccuda_result (*cuGetErrorName)(ccuda_result result, const char **name);
    ccuda_result (*cuGetErrorString)(ccuda_result result, const char **text);
} ccuda_driver;

// The NVRTC entry points. The last four are optional (CUBIN output from CUDA 11.1, architecture lists from 11.2)
// and may be NULL.
typedef struct {
    void *handle;
    ccuda_nvrtc_result (*nvrtcVersion)(int *major, int *minor);
    ccuda_nvrtc_result (*nvrtcCreateProgram)(ccuda_nvrtc_program *program, const char *source, const char *name,
                                             int headerCount, const char *const *headers, const char *const *includeNames);
    ccuda_nvrtc_result (*nvrtcCompileProgram)(ccuda_nvrtc_program program, int optionCount, const char *const *options);
    ccuda_nvrtc_result (*nvrtcGetPTXSize)(ccuda_nvrtc_program program, size_t *size);
    ccuda_nvrtc_result (*nvrtcGetPTX)(ccuda_nvrtc_program program, char *ptx);
    ccuda_nvrtc_result (*nvrtcGetProgramLogSize)(ccuda_nvrtc_program program, size_t *size);
    ccuda_nvrtc_result (*nvrtcGetProgramLog)(ccuda_nvrtc_program program, char *log);
    ccuda_nvrtc_result (*nvrtcDestroyProgram)(ccuda_nvrtc_program *program);
    const char *(*nvrtcGetErrorString)(ccuda_nvrtc_result result);
    ccuda_nvrtc_result (*nvrtcGetCUBINSize)(ccuda_nvrtc_program program, size_t *size);
    ccuda_nvrtc_result (*nvrtcGetCUBIN)(ccuda_nvrtc_program program, char *cubin);
    ccuda_nvrtc_result (*nvrtcGetNumSupportedArchs)(int *count);
    ccuda_nvrtc_result (*nvrtcGetSupportedArchs)(int *architectures);
} ccuda_nvrtc;

// Opens the driver library at `path` (normally "libcuda.so.1") and resolves every entry point of `ccuda_driver`.
// On failure `driver` is zeroed, the library is closed again, and `message` (of `capacity` bytes) says why:
// the loader's error, or the first missing symbol.
ccuda_open_status ccuda_open_driver(const char *path, ccuda_driver *driver, char *message, size_t capacity);

// Opens an NVRTC library at `path` (e.g. "libnvrtc.so.12") the same way.
ccuda_open_status ccuda_open_nvrtc(const char *path, ccuda_nvrtc *nvrtc, char *message, size_t capacity);

#ifdef __cplusplus
}
#endif

#endif
