import BerthCodecs
import BerthCore
import BerthJSON
import Testing

/// The schema as `berth inspect` and `/openapi.json` print it: every feature while that is readable, and of a row
/// too wide to list whose file names no features, the columns that are not numerical alone.
@Suite struct FeatureSchemaDescriptionTests {
    func text(_ value: JSONValue) -> String { String(decoding: value.jsonText, as: UTF8.self) }

    @Test func aNarrowSchemaIsDescribedFeatureByFeature() throws {
        let schema = FeatureSchema(features: [
            .init(name: "age", kind: .numerical),
            .init(name: "colour", kind: .categorical(.strings(["red", "blue"]))),
            .init(name: "city", kind: .hashedCategorical),
        ])
        #expect(schema.isDescribedFeatureByFeature)
        #expect(text(schema.jsonDescription) == #"[{"kind":"numerical","name":"age"},{"categories":["red","blue"],"kind":"categorical","name":"colour"},{"hashed":true,"kind":"categorical","name":"city"}]"#)
        #expect(text(schema.nonNumericalDescription) == #"[{"categories":["red","blue"],"column":1,"kind":"categorical","name":"colour"},{"column":2,"hashed":true,"kind":"categorical","name":"city"}]"#)
    }

    /// A CatBoost file may name a categorical column at 2²⁴ − 1 and nothing else: its description is that column.
    @Test func aWideUnnamedSchemaIsDescribedByItsNonNumericalColumns() throws {
        let last = 16_777_215
        let schema = try #require(FeatureSchema(featureCount: last + 1, names: nil, kinds: [last: .hashedCategorical, 3: .categorical(nil)]))
        #expect(!schema.isDescribedFeatureByFeature)
        #expect(text(schema.nonNumericalDescription) == #"[{"column":3,"kind":"categorical"},{"column":16777215,"hashed":true,"kind":"categorical"}]"#)
        let atTheLimit = try #require(FeatureSchema(featureCount: FeatureSchema.widestDescribedRow, names: nil, kinds: [0: .hashedCategorical]))
        #expect(atTheLimit.isDescribedFeatureByFeature)
        let named = FeatureSchema(features: (0...FeatureSchema.widestDescribedRow).map { .init(name: "f\($0)", kind: .numerical) })
        #expect(named.isDescribedFeatureByFeature, "names are the point of the description, however many")
    }
}
