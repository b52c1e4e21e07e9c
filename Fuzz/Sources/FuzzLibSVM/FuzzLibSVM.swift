import FuzzSupport
import BerthCodecs

/// libFuzzer's entry point: a text/libsvm request body (first byte: feature count and index base).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzRequestDecoder(.libsvm, FuzzInput(data, size))
    return 0
}
