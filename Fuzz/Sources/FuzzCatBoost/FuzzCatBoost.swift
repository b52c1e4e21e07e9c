import FuzzSupport
import BerthFormats

/// libFuzzer's entry point: a CatBoost `.cbm` model (FlatBuffers), read, compiled and run.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzModel(.catboostBinary, FuzzInput(data, size))
    return 0
}
