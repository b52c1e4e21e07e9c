import FuzzSupport
import BerthCodecs

/// libFuzzer's entry point: an application/jsonlines request body (first byte: feature count).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzRequestDecoder(.jsonLines, FuzzInput(data, size))
    return 0
}
