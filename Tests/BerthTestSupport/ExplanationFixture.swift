import BerthCore
import BerthJSON

/// A fixture's `expected/explanations.json`, written by `opt-ml-fixtures/generate_explanations.py`: the rows the
/// library explained and its answers. Shared by the CPU's explanation tests and the emulated GPU's.
public struct ExplanationFixture {
    public let batch: FeatureBatch
    /// Nil where Berth must refuse: the library gives none (a gblinear model's leaves), or Berth does not (CatBoost's
    /// contributions).
    public let answers: [ExplanationKind: [Double]?]

    struct Malformed: Error {}

    /// The expectations of fixture `name`, whose model reads `featureCount` features with `precision`.
    public init(_ name: String, featureCount: Int, precision: FeaturePrecision = .float32) throws {
        let document = try JSONReader.parse(try Fixtures.bytes(Fixtures.root + "/" + name + "/expected/explanations.json"))
        func flattened(_ value: JSONValue?) -> [Double] {
            guard let value else { return [] }
            if let list = value.array { return list.flatMap { flattened($0) } }
            return [value.number ?? .nan]
        }
        guard let rows = document["rows"]?.array else { throw Malformed() }
        let wide = flattened(document["rows"])
        // LightGBM models (and CatBoost's with categories) read the doubles, their requests keep them; the rest float32.
        let doubles = document["lightgbm"] != nil || precision == .float64 ? wide : nil
        var answers = [ExplanationKind: [Double]?]()
        for kind in ExplanationKind.allCases {
            answers[kind] = document[kind.rawValue].flatMap { $0 == .null ? nil : flattened($0) } as [Double]?
        }
        batch = FeatureBatch(rowCount: rows.count, columnCount: featureCount, values: wide.map { Float($0) }, doubles: doubles)
        self.answers = answers
    }
}
