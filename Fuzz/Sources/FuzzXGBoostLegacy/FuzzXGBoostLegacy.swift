import FuzzSupport
import BerthFormats

/// libFuzzer's entry point: a legacy binary xgboost-model, read, compiled and run.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzModel(.xgboostLegacyBinary, FuzzInput(data, size))
    return 0
}
