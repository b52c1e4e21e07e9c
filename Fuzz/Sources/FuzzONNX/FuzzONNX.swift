import FuzzSupport
import BerthFormats

/// libFuzzer's entry point: an ONNX model, read, compiled and run.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    fuzzModel(.onnx, FuzzInput(data, size))
    return 0
}
