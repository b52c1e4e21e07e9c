import FuzzSupport

/// libFuzzer's entry point: a gzipped model file or model.tar.gz.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzGzip(FuzzInput(data, size))
    return 0
}
