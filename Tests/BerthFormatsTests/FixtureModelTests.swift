import BerthArtifacts
import BerthTestSupport
import BerthCore
import BerthJSON
import Testing
@testable import BerthFormats

/// Every fixture model, read and run on the CPU kernel, must give xgboost's own predictions (≤ 1e-5 relative).
@Suite struct FixtureModelTests {
    static let fixtures = Fixtures.root
    static let predictingCases = [
        "xgboost-binary-legacy", "xgboost-multiclass-ubjson", "xgboost-regression-json-gz",
        "xgboost-missing-categorical", "xgboost-high-categories", "xgboost-1.7-categorical-json", "xgboost-1.7-categorical-ubjson", "xgboost-dart", "xgboost-gblinear-poisson", "xgboost-gblinear-multiclass", "xgboost-logistic-one-class",
    ] + pickleCases
    /// Pickled and joblib-dumped models, one per layout xgboost's Booster state and joblib have had.
    static let pickleCases = [
        "xgboost-pickle-0.90", "xgboost-pickle-0.90-classifier-strings", "xgboost-pickle-1.0", "xgboost-pickle-1.2",
        "xgboost-pickle-1.2-regressor-joblib-zlib", "xgboost-pickle-1.5-classifier-joblib", "xgboost-pickle-1.7",
        "xgboost-pickle-3.2-classifier-protocol-5", "xgboost-pickle-3.2-regressor-joblib-gzip", "xgboost-pickle-3.2-classifier-early-stopped",
        "xgboost-pickle-0.90-classifier-early-stopped", "xgboost-pickle-1.2-regressor-early-stopped",
    ]

    /// Each walk the tree kernel can take, and the one measured at load: all must give the same numbers.
    static let walks = [TreeWalkPreference.measured] + TreeWalk.allCases.map { .fixed($0) }

    @Test(arguments: predictingCases)
    func predictsLikeXGBoost(_ name: String) throws {
        var predictionsOfWalks = [[Float]]()
        for walk in Self.walks {
            predictionsOfWalks.append(try predictsLikeXGBoost(name, walk: walk))
        }
        for (walk, predictions) in zip(Self.walks, predictionsOfWalks) {
            #expect(predictions == predictionsOfWalks[0], "\(name): \(walk) gives other numbers than the measured walk")
        }
    }

    /// The predictions of all rows at once and then in requests of 1…8 rows, each checked against xgboost's.
    func predictsLikeXGBoost(_ name: String, walk: TreeWalkPreference) throws -> [Float] {
        let folder = Self.fixtures + "/" + name
        let contents = try ArtifactStore(directory: folder + "/model").open()
        #expect(contents.files.count == 1)
        let loaded = try ModelReader.read(file: contents.files[0].path, bytes: contents.files[0].bytes)
        let model = try CPUBackend(treeWalk: walk).compile(loaded.ir)
        var everyPrediction = [Float]()

        let rows = try JSONReader.parse(try Fixtures.bytes(folder + "/requests/rows.jsonl").split(separator: UInt8(ascii: "\n")).map {
            Array($0)
        }.reduce(into: [UInt8]("[".utf8)) { body, line in
            if body.count > 1 { body.append(UInt8(ascii: ",")) }
            body.append(contentsOf: line)
        } + Array("]".utf8))
        let values = rows.array!.flatMap { row in row.array!.map { $0.number.map(Float.init) ?? .nan } }
        let rowCount = rows.array!.count
        let expected = String(decoding: try Fixtures.bytes(folder + "/expected/rows.csv"), as: UTF8.self)
            .split(separator: "\n").flatMap { $0.split(separator: ",").map { Double($0)! } }
        // All rows at once, then in requests of 1…8 rows: the kernel walks small blocks differently.
        for requestRows in [rowCount] + Array(1...8) {
            var predictions = [Float]()
            for first in stride(from: 0, to: rowCount, by: requestRows) {
                let count = min(requestRows, rowCount - first)
                let columns = model.featureCount
                let batch = FeatureBatch(rowCount: count, columnCount: columns, values: Array(values[first * columns ..< (first + count) * columns]))
                predictions += model.predict(batch).values
            }
            #expect(predictions.count == expected.count)
            for (got, want) in zip(predictions, expected) {
                #expect(abs(Double(got) - want) <= 1e-5 * max(1, abs(want)), "\(name), \(walk), \(requestRows) rows a request: got \(got), want \(want)")
            }
            everyPrediction += predictions
        }
        return everyPrediction
    }

    @Test func legacyFileIsDetectedAsBinary() throws {
        let contents = try ArtifactStore(directory: Self.fixtures + "/xgboost-binary-legacy/model").open()
        let loaded = try ModelReader.read(file: contents.files[0].path, bytes: contents.files[0].bytes)
        #expect(loaded.format == .xgboostLegacyBinary)
        #expect(loaded.objectiveName == "binary:logistic")
        #expect(loaded.treeCount == 40)
        #expect(loaded.ir.featureCount == 12)
    }

    @Test func picklesAreReadAsPickles() throws {
        for name in Self.pickleCases {
            let contents = try ArtifactStore(directory: Self.fixtures + "/" + name + "/model").open()
            let loaded = try ModelReader.read(file: contents.files[0].path, bytes: contents.files[0].bytes)
            #expect(loaded.format == .pythonPickle, "\(name)")
        }
    }

    @Test func aStringClassifierKeepsItsClasses() throws {
        let contents = try ArtifactStore(directory: Self.fixtures + "/xgboost-pickle-0.90-classifier-strings/model").open()
        let loaded = try ModelReader.read(file: contents.files[0].path, bytes: contents.files[0].bytes)
        #expect(loaded.meaning == .classProbabilities(labels: .strings(["ant", "bee", "cat"])))
        #expect(loaded.kind == "gbtree in xgboost.sklearn.XGBClassifier")
    }

    @Test func aPipelineIsRefusedNamingItsClass() throws {
        let contents = try ArtifactStore(directory: Self.fixtures + "/pickle-refused-pipeline/model").open()
        let error = #expect(throws: ModelReadError.self) {
            try ModelReader.read(file: contents.files[0].path, bytes: contents.files[0].bytes)
        }
        #expect(error?.reason.contains("is a pickle holding sklearn.pipeline.Pipeline") == true, "\(String(describing: error))")
        #expect(error?.reason.contains("xgboost.sklearn.XGBRegressor") == true)
        #expect(error?.reason.contains("It wraps an xgboost.sklearn.XGBRegressor: package that model alone") == true)
        #expect(error?.reason.contains("ONNX") == true)
        #expect(error?.reason.contains("numpy.") == false, "numpy plumbing buries the classes that matter")
    }
}
