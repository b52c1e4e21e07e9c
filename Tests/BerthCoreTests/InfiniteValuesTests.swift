import Testing
@testable import BerthCore

/// The scan for infinite feature values finds the first one wherever it lies — in a block's first or last lane, past
/// a block's end, in the short tail — and takes no NaN or large finite value for one.
@Suite struct InfiniteValuesTests {
    /// Values that are not infinite but sit beside infinity's bits: the largest finite values, and NaNs whose bits
    /// are infinity's plus one, and all ones.
    static let floatNeighbours: [Float] = [.greatestFiniteMagnitude, -.greatestFiniteMagnitude, Float(bitPattern: 0x7F80_0001),
                                           Float(bitPattern: 0xFFFF_FFFF), .nan, 0, -0.0]
    static let doubleNeighbours: [Double] = [.greatestFiniteMagnitude, -.greatestFiniteMagnitude,
                                             Double(bitPattern: 0x7FF0_0000_0000_0001), Double(bitPattern: .max), .nan, 0]

    @Test(arguments: [0, 1, 15, 16, 17, 4095, 4096, 4097, 10_001])
    func theFirstInfiniteValueIsFoundWhereverItLies(count: Int) {
        let floats = (0..<count).map { Self.floatNeighbours[$0 % Self.floatNeighbours.count] }
        let doubles = (0..<count).map { Self.doubleNeighbours[$0 % Self.doubleNeighbours.count] }
        #expect(FeatureBatch(rowCount: 1, columnCount: count, values: floats).firstInfiniteIndex == nil)
        #expect(FeatureBatch(rowCount: 1, columnCount: count, values: floats, doubles: doubles).firstInfiniteIndex == nil)
        let places = Set([0, 15, 16, 4095, 4096, count - 2, count - 1].filter { $0 >= 0 && $0 < count })
        for place in places {
            for infinity in [Float.infinity, -.infinity] {
                var withInfinity = floats
                withInfinity[place] = infinity
                if place + 1 < count { withInfinity[count - 1] = .infinity }
                #expect(FeatureBatch(rowCount: 1, columnCount: count, values: withInfinity).firstInfiniteIndex == place, "\(count) \(place)")
                var wide = doubles
                wide[place] = Double(infinity)
                #expect(FeatureBatch(rowCount: 1, columnCount: count, values: floats, doubles: wide).firstInfiniteIndex == place)
            }
        }
    }

    /// A model that reads the kept doubles reads 1e300 as it is: finite, although its float32 is infinite.
    @Test func theKeptDoublesDecide() {
        let batch = FeatureBatch(rowCount: 1, columnCount: 2, values: [1, .infinity], doubles: [1, 1e300])
        #expect(batch.firstInfiniteIndex == nil)
    }
}
