import FuzzSupport
import BerthFormats

/// libFuzzer's entry point: an XGBoost UBJSON model, read, compiled and run.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzModel(.xgboostUBJSON, FuzzInput(data, size))
    return 0
}
