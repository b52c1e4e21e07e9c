import Testing
@testable import BerthCore

/// A category sent as text reaches CatBoost's one-hot tests as its hash, and nothing else reads as one.
@Suite struct HashedCategoryTests {
    @Test func textCarriesItsCatBoostHash() {
        for text in ["", "tokyo", "São Paulo", String(repeating: "x", count: 300)] {
            let value = HashedCategory.value(ofText: text)
            #expect(value.isNaN && Float(value).isNaN, "a numeric reading sees a missing value")
            #expect(HashedCategory.hash(in: value) == UInt32(truncatingIfNeeded: CityHash64.hash(text)))
            #expect(ObliviousForest.OneHotTest.categoryHash(value) == UInt32(truncatingIfNeeded: CityHash64.hash(text)))
        }
        // An integer category and its digits as text are the same category, as CatBoost reads both as text.
        #expect(ObliviousForest.OneHotTest.categoryHash(42) == HashedCategory.hash(in: HashedCategory.value(ofText: "42")))
    }

    @Test func numbersAndPlainNaNsCarryNoHash() {
        for value in [Double.nan, -Double.nan, Double(Float.nan), 0, 1.5, .infinity, Double(bitPattern: 0x7FF8_0000_0000_0001)] {
            #expect(HashedCategory.hash(in: value) == nil, "\(value.bitPattern)")
        }
    }

    /// A schema's hashed column takes any text; a number stays itself (its digits are hashed by the model).
    @Test func aSchemaHashesTextInHashedColumns() {
        let schema = FeatureSchema(features: [.init(name: "city", kind: .hashedCategorical), .init(name: "x", kind: .numerical)])
        #expect(schema.code(ofText: "lima", column: 0).flatMap(HashedCategory.hash(in:)) == UInt32(truncatingIfNeeded: CityHash64.hash("lima")))
        #expect(schema.code(ofNumber: 7, column: 0) == nil)
        #expect(schema.code(ofText: "lima", column: 1) == nil)
    }
}
