import FuzzSupport
import BerthCodecs

/// libFuzzer's entry point: a text/csv request body (first byte: feature count).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzRequestDecoder(.csv, FuzzInput(data, size))
    return 0
}
