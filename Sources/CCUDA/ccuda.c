#include "ccuda.h"

#include <dlfcn.h>
#include <stdio.h>
#include <string.h>

static void ccuda_write(char *message, size_t capacity, const char *format, const char *a, const char *b) {
    if (message != NULL && capacity > 0) {
        snprintf(message, capacity, format, a, b);
    }
}

// Resolves `name` into `slot`; a missing required symbol is reported and stops the open.
static int ccuda_resolve(void *handle, const char *name, void *slot, int required, const char *path,
                         char *message, size_t capacity) {
    void *symbol = dlsym(handle, name);
    memcpy(slot, &symbol, sizeof symbol);
    if (symbol == NULL && required) {
        ccuda_write(message, capacity, "%s has no symbol %s", path, name);
        return 0;
    }
    return 1;
}

static void *ccuda_open(const char *path, char *message, size_t capacity) {
    dlerror();
    void *handle = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (handle == NULL) {
        const char *reason = dlerror();
        ccuda_write(message, capacity, "%s: %s", path, reason != NULL ? reason : "cannot be opened");
    }
    return handle;
}

// After resolving: keeps the library and its handle in `table`, or closes it and clears `table` when a required
// symbol was missing.
static ccuda_open_status ccuda_finish(void *handle, int resolved, void *table, size_t size, void **handleSlot) {
    if (!resolved) {
        dlclose(handle);
        memset(table, 0, size);
        return CCUDA_SYMBOL_MISSING;
    }
    *handleSlot = handle;
    return CCUDA_OPENED;
}

#define CCUDA_RESOLVE(table, name, required) \
    ccuda_resolve(handle, #name, &(table)->name, required, path, message, capacity)

ccuda_open_status ccuda_open_driver(const char *path, ccuda_driver *driver, char *message, size_t capacity) {
    memset(driver, 0, sizeof *driver);
    void *handle = ccuda_open(path, message, capacity);
    if (handle == NULL) return CCUDA_LIBRARY_NOT_FOUND;
    int ok = CCUDA_RESOLVE(driver, cuInit, 1) && CCUDA_RESOLVE(driver, cuDriverGetVersion, 1)
        && CCUDA_RESOLVE(driver, cuDeviceGetCount, 1) && CCUDA_RESOLVE(driver, cuDeviceGet, 1)
        && CCUDA_RESOLVE(driver, cuDeviceGetName, 1) && CCUDA_RESOLVE(driver, cuDeviceGetAttribute, 1)
        && CCUDA_RESOLVE(driver, cuDeviceTotalMem_v2, 1) && CCUDA_RESOLVE(driver, cuDevicePrimaryCtxRetain, 1)
        && CCUDA_RESOLVE(driver, cuDevicePrimaryCtxRelease_v2, 1) && CCUDA_RESOLVE(driver, cuCtxSetCurrent, 1)
        && CCUDA_RESOLVE(driver, cuModuleLoadData, 1) && CCUDA_RESOLVE(driver, cuModuleUnload, 1)
        && CCUDA_RESOLVE(driver, cuModuleGetFunction, 1) && CCUDA_RESOLVE(driver, cuMemAlloc_v2, 1)
        && CCUDA_RESOLVE(driver, cuMemFree_v2, 1) && CCUDA_RESOLVE(driver, cuMemAllocHost_v2, 1)
        && CCUDA_RESOLVE(driver, cuMemFreeHost, 1) && CCUDA_RESOLVE(driver, cuMemcpyHtoD_v2, 1)
        && CCUDA_RESOLVE(driver, cuMemcpyHtoDAsync_v2, 1) && CCUDA_RESOLVE(driver, cuMemcpyDtoHAsync_v2, 1)
        && CCUDA_RESOLVE(driver, cuMemsetD8Async, 1) && CCUDA_RESOLVE(driver, cuStreamCreate, 1)
        && CCUDA_RESOLVE(driver, cuStreamDestroy_v2, 1) && CCUDA_RESOLVE(driver, cuStreamSynchronize, 1)
        && CCUDA_RESOLVE(driver, cuLaunchKernel, 1) && CCUDA_RESOLVE(driver, cuGetErrorName, 1)
        && CCUDA_RESOLVE(driver, cuGetErrorString, 1);
    return ccuda_finish(handle, ok, driver, sizeof *driver, &driver->handle);
}

ccuda_open_status ccuda_open_nvrtc(const char *path, ccuda_nvrtc *nvrtc, char *message, size_t capacity) {
    memset(nvrtc, 0, sizeof *nvrtc);
    void *handle = ccuda_open(path, message, capacity);
    if (handle == NULL) return CCUDA_LIBRARY_NOT_FOUND;
    int ok = CCUDA_RESOLVE(nvrtc, nvrtcVersion, 1) && CCUDA_RESOLVE(nvrtc, nvrtcCreateProgram, 1)
        && CCUDA_RESOLVE(nvrtc, nvrtcCompileProgram, 1) && CCUDA_RESOLVE(nvrtc, nvrtcGetPTXSize, 1)
        && CCUDA_RESOLVE(nvrtc, nvrtcGetPTX, 1) && CCUDA_RESOLVE(nvrtc, nvrtcGetProgramLogSize, 1)
        && CCUDA_RESOLVE(nvrtc, nvrtcGetProgramLog, 1) && CCUDA_RESOLVE(nvrtc, nvrtcDestroyProgram, 1)
        && CCUDA_RESOLVE(nvrtc, nvrtcGetErrorString, 1)
        && CCUDA_RESOLVE(nvrtc, nvrtcGetCUBINSize, 0) && CCUDA_RESOLVE(nvrtc, nvrtcGetCUBIN, 0)
        && CCUDA_RESOLVE(nvrtc, nvrtcGetNumSupportedArchs, 0) && CCUDA_RESOLVE(nvrtc, nvrtcGetSupportedArchs, 0);
    return ccuda_finish(handle, ok, nvrtc, sizeof *nvrtc, &nvrtc->handle);
}
