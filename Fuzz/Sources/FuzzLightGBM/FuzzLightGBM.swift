import FuzzSupport
import BerthFormats

/// libFuzzer's entry point: a LightGBM text model, read, compiled and run in double precision.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzModel(.lightgbmText, FuzzInput(data, size))
    return 0
}
