import FuzzSupport

/// libFuzzer's entry point: an Open Inference Protocol infer request (first byte: feature count, and whether the
/// body has a binary section).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzOpenInference(FuzzInput(data, size))
    return 0
}
