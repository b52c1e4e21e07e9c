import FuzzSupport
import BerthFormats

/// libFuzzer's entry point: a CatBoost `.cbm` model (FlatBuffers), read, compiled, run and explained (its trees are
/// at most 16 levels deep, so an explanation's work follows from the file's size; rows explained are bounded in
/// width by `fuzzModel`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzModel(.catboostBinary, FuzzInput(data, size), explain: true)
    return 0
}
