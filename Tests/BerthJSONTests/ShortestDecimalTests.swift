import Testing
import BerthJSON

/// Numbers written into a byte buffer must be exactly the text `description` gives (what the answers always held).
@Suite struct ShortestDecimalTests {
    func written(_ value: Double) -> String {
        var bytes: [UInt8] = Array("x,".utf8)
        ShortestDecimal.append(value, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func randomDoublesAndWidenedFloatsReadAsDescriptionDoes() {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        for _ in 0..<100_000 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            let double = Double(bitPattern: state)
            let widened = Double(Float(bitPattern: UInt32(truncatingIfNeeded: state >> 11)))
            for value in [double, widened] where written(value) != "x," + value.description {
                Issue.record("\(value.bitPattern): \(written(value)) against \(value.description)")
                return
            }
        }
    }

    @Test func specialValues() {
        for value in [0.0, -0.0, 1, -1, 1e16, 1e-5, 0.1, .nan, .infinity, -.infinity, .ulpOfOne, .leastNonzeroMagnitude,
                      .greatestFiniteMagnitude, Double(Float(0.7394))] {
            #expect(written(value) == "x," + value.description)
        }
    }
}
