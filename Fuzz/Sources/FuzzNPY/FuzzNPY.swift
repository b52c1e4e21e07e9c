import FuzzSupport
import BerthCodecs

/// libFuzzer's entry point: an application/x-npy request body (first byte: feature count).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzRequestDecoder(.npy, FuzzInput(data, size))
    return 0
}
