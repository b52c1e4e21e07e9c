import BerthCore
import BerthJSON
import BerthTestSupport
import Testing

/// Berth's CityHash64 against CityHash 1.0.2 itself (`opt-ml-fixtures/cityhash-1.0.2-vectors.json`, written by
/// clickhouse-cityhash): every length from 0 to 69 bytes, so each of the length classes and the 64-byte loop, and the
/// values CatBoost's fixtures hash.
@Suite struct CityHash64Tests {
    @Test func matchesCityHash102() throws {
        let document = try JSONReader.parse(try Fixtures.bytes(Fixtures.root + "/cityhash-1.0.2-vectors.json"))
        let vectors = try #require(document.array)
        #expect(vectors.count > 70)
        for vector in vectors {
            let text = try #require(vector.array?[0].string), expected = try #require(vector.array?[1].string.flatMap { UInt64($0) })
            #expect(CityHash64.hash(text) == expected, "\(text.utf8.count) bytes: \(text.prefix(20))")
        }
    }
}
