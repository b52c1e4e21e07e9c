import FuzzSupport
import BerthFormats

/// libFuzzer's entry point: an XGBoost JSON model, read, compiled and run.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzModel(.xgboostJSON, FuzzInput(data, size))
    return 0
}
