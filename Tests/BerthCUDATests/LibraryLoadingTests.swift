@testable import BerthCUDA
import Testing

/// The shim's failures without a GPU: each is a `CUDAUnavailable` naming the library and what is wrong, never a
/// crash. zlib stands in for "a library that is not the driver": it opens, and has none of CUDA's symbols.
@Suite struct LibraryLoadingTests {
    @Test func aMissingDriverLibraryIsNamed() {
        #expect {
            _ = try CUDADriver(path: "/nonexistent/libcuda.so.1")
        } throws: { error in
            guard let error = error as? CUDAUnavailable else { return false }
            return error.kind == .libraryNotFound && error.message.contains("/nonexistent/libcuda.so.1")
        }
    }

    @Test func theUsualDriverNameSaysNoDriverWasInjected() {
        let message = CUDADriver.notFound(path: CUDADriver.libraryName, loaderMessage: "ignored")
        #expect(message == "libcuda.so.1 not found (no NVIDIA driver in this container)")
    }

    @Test func aLibraryWithoutTheDriversSymbolsIsRefused() {
        #expect {
            _ = try CUDADriver(path: "libz.so.1")
        } throws: { error in
            guard let error = error as? CUDAUnavailable else { return false }
            return error.kind == .symbolMissing && error.message.contains("has no symbol cuInit")
        }
    }

    @Test func aMissingNVRTCNamesTheVariableToSet() {
        #expect {
            _ = try NVRTC(configuredPath: "/nonexistent/libnvrtc.so.12")
        } throws: { error in
            guard let error = error as? CUDAUnavailable else { return false }
            return error.kind == .libraryNotFound && error.message.contains("BERTH_NVRTC_PATH")
                && error.message.contains("/nonexistent/libnvrtc.so.12")
        }
    }

    @Test func aFolderWithoutNVRTCIsRefused() {
        #expect {
            _ = try NVRTC(configuredPath: "/tmp")
        } throws: { error in
            (error as? CUDAUnavailable)?.kind == .libraryNotFound
        }
    }

    @Test func aLibraryWithoutNVRTCsSymbolsIsRefused() {
        #expect {
            _ = try NVRTC(configuredPath: "libz.so.1")
        } throws: { error in
            guard let error = error as? CUDAUnavailable else { return false }
            return error.kind == .symbolMissing && error.message.contains("has no symbol nvrtcVersion")
        }
    }

    @Test func driverErrorCodesMapToKinds() {
        #expect(CUDADriver.kind(of: 2) == .outOfMemory)
        #expect(CUDADriver.kind(of: 100) == .noDevice)
        #expect(CUDADriver.kind(of: 35) == .driverTooOld)
        #expect(CUDADriver.kind(of: 222) == .driverTooOld)
        #expect(CUDADriver.kind(of: 218) == .compileFailed)
        #expect(CUDADriver.kind(of: 999) == .driverError)
    }
}
