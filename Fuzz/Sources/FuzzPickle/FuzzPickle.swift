import FuzzSupport

/// libFuzzer's entry point: a Python pickle or joblib file, read as data, then as a model, compiled and run.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzPickle(FuzzInput(data, size))
    return 0
}
