import Foundation
import Testing
@testable import BerthFormats

/// Pickles crafted to run a command when unpickled are refused at startup, naming the call, and nothing runs.
@Suite struct PickledModelRefusalTests {
    /// Where the command in the pickles below would leave its mark.
    static let marker = "/tmp/berth-pickle-ran"

    /// `pickle.dumps(Evil(), protocol=p)` where `Evil.__reduce__` returns `(os.system, ("touch /tmp/berth-pickle-ran",))`,
    /// written by CPython 3.11 for protocols 2 (`GLOBAL`) and 5 (`STACK_GLOBAL` in a frame).
    @Test(arguments: [
        "800263706f7369780a73797374656d0a7100581b000000746f756368202f746d702f62657274682d7069636b6c652d72616e71018571025271032e",
        "80059536000000000000008c05706f736978948c0673797374656d9493948c1b746f756368202f746d702f62657274682d7069636b6c652d72616e94859452942e",
    ])
    func aPickleThatCallsOsSystemIsRefusedAndNothingRuns(hex: String) throws {
        try? FileManager.default.removeItem(atPath: Self.marker)
        let bytes = stride(from: 0, to: hex.count, by: 2).map { offset -> UInt8 in
            let start = hex.index(hex.startIndex, offsetBy: offset)
            return UInt8(hex[start ..< hex.index(start, offsetBy: 2)], radix: 16)!
        }
        let error = #expect(throws: ModelReadError.self) { try ModelReader.read(file: "model.pkl", bytes: bytes) }
        #expect(error?.reason.contains("is a pickle holding posix.system, which Berth does not run") == true,
                "\(String(describing: error))")
        #expect(!FileManager.default.fileExists(atPath: Self.marker), "reading the pickle ran its command")
    }
}
