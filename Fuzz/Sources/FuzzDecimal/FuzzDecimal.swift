import FuzzSupport

/// libFuzzer's entry point: number text, converted by Berth and by `strtod`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzDecimal(FuzzInput(data, size))
    return 0
}
