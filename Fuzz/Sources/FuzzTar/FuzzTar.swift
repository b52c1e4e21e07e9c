import FuzzSupport

/// libFuzzer's entry point: an uncompressed tar archive.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzTar(FuzzInput(data, size).bytes)
    return 0
}
