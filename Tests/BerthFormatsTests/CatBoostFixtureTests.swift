import BerthArtifacts
import BerthCore
import BerthJSON
import BerthTestSupport
import Testing
@testable import BerthFormats

/// Every CatBoost fixture, read from its JSON or its native `.cbm` and run on the CPU kernel, must give CatBoost's own answers within
/// 1e-9 relative on rows exactly on split borders and one float32-ulp above them; a model with categorical
/// features is refused naming them.
@Suite struct CatBoostFixtureTests {
    static let cases = [
        "catboost-binary", "catboost-binary-nan-max", "catboost-multiclass-strings", "catboost-multiclass-one-vs-all",
        "catboost-regression", "catboost-poisson", "catboost-binary-cbm", "catboost-multiclass-strings-cbm",
        "catboost-regression-cbm", "catboost-depthwise-binary", "catboost-depthwise-binary-cbm",
        "catboost-lossguide-regression", "catboost-lossguide-regression-cbm", "catboost-depthwise-multiclass",
        "catboost-depthwise-multiclass-cbm", "catboost-one-hot-binary", "catboost-one-hot-binary-cbm",
        "catboost-one-hot-multiclass", "catboost-one-hot-multiclass-cbm",
    ]

    static func load(_ name: String) throws -> LoadedModel {
        let contents = try ArtifactStore(directory: Fixtures.root + "/" + name + "/model").open()
        return try ModelReader.read(file: contents.files[0].path, bytes: contents.files[0].bytes)
    }

    @Test(arguments: cases)
    func predictsLikeCatBoost(_ name: String) throws {
        let model = try CPUBackend().compile(try Self.load(name).ir)
        let (rowCount, values) = try LightGBMFixtureTests.rows(name)
        let expected = String(decoding: try Fixtures.bytes(Fixtures.root + "/" + name + "/expected/rows.csv"), as: UTF8.self)
            .split(separator: "\n").flatMap { $0.split(separator: ",").map { Double($0)! } }
        // CatBoost reads its float features as float32, which is what the batch's values are; categories (whole
        // numbers of any size) are read from the doubles, which the request decoders keep for such models.
        let batch = FeatureBatch(rowCount: rowCount, columnCount: model.featureCount, values: values.map { Float($0) },
                                 doubles: model.featurePrecision == .float64 ? values : nil)
        let predictions = try #require(model.predict(batch).doubles)
        #expect(predictions.count == expected.count)
        for (index, (got, want)) in zip(predictions, expected).enumerated() {
            #expect(abs(got - want) <= 1e-9 * abs(want) || got == want, "\(name), value \(index): got \(got), want \(want)")
        }
    }

    @Test func modelsAreDescribed() throws {
        let binary = try Self.load("catboost-binary")
        #expect(binary.format == .catboostJSON)
        #expect(binary.objectiveName == "Logloss")
        #expect(binary.meaning == .binaryProbability)
        #expect(binary.writerVersion == "catboost 1.2.10")
        #expect(binary.treeCount == 40)
        let classes = try Self.load("catboost-multiclass-strings")
        #expect(classes.meaning == .classProbabilities(labels: .strings(["high", "low", "mid"])))
        #expect(try Self.load("catboost-regression").featureNames == ["age", "income", "tenure", "visits", "score"])
        let native = try Self.load("catboost-multiclass-strings-cbm")
        #expect(native.format == .catboostBinary)
        #expect(native.writerVersion == "catboost 1.2.10")
        #expect(native.meaning == classes.meaning)
        #expect(try Self.load("catboost-regression-cbm").featureNames == ["age", "income", "tenure", "visits", "score"])
    }

    /// Every prefix of a .cbm file is refused with an error, never a crash or a model.
    @Test func truncatedNativeFilesAreRefused() throws {
        let contents = try ArtifactStore(directory: Fixtures.root + "/catboost-regression-cbm/model").open()
        let bytes = contents.files[0].bytes
        for length in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 300)) {
            #expect(throws: ModelReadError.self) { try ModelReader.read(file: "model.cbm", bytes: Array(bytes[..<length])) }
        }
        // The core alone, its length patched to what is left: offsets into the missing part must be refused too.
        var patched = Array(bytes[..<(bytes.count / 2)])
        let size = UInt32(patched.count - 8)
        for index in 0..<4 { patched[4 + index] = UInt8(truncatingIfNeeded: size >> (8 * UInt32(index))) }
        #expect(throws: ModelReadError.self) { try ModelReader.read(file: "model.cbm", bytes: patched) }
    }

    /// A categorical feature may sit in the last column a model can have; the schema keeps the kinds of the
    /// categorical columns alone, not one for each of the 2²⁴ columns that puts before it.
    @Test func aCategoricalColumnFarOutIsOneEntry() throws {
        let contents = try ArtifactStore(directory: Fixtures.root + "/catboost-one-hot-binary/model").open()
        let lastColumn = LoadedModel.maxFeatureCount - 1
        let text = String(decoding: contents.files[0].bytes, as: UTF8.self)
            .replacing(#""flat_feature_index":3,"#, with: #""flat_feature_index":\#(lastColumn),"#)
        let loaded = try ModelReader.read(file: "model.json", bytes: Array(text.utf8))
        #expect(loaded.featureKinds == [1: .hashedCategorical, lastColumn: .hashedCategorical])
        let schema = try #require(loaded.schema)
        #expect(schema.featureCount == LoadedModel.maxFeatureCount)
        #expect(schema.feature(lastColumn).kind == .hashedCategorical && schema.feature(lastColumn - 1).kind == .numerical)
        #expect(schema.code(ofText: "Paris", column: lastColumn)?.bitPattern == HashedCategory.value(ofText: "Paris").bitPattern)
        #expect(schema.code(ofText: "Paris", column: 0) == nil)
    }

    /// Contributions weigh the branches a row does not take by the leaves' training weights: a file without them,
    /// with a tree's weights not one a leaf, or with a negative weight, still predicts, and contributions are refused
    /// naming what is missing.
    @Test func contributionsWithoutLeafWeightsAreRefused() throws {
        let document = try JSONReader.parse(try Fixtures.bytes(Fixtures.root + "/catboost-binary/model/model.json"))
        let trees = try #require(document["oblivious_trees"]?.array)
        func explained(_ trees: [JSONValue]) throws -> Result<Explanations, ExplanationRefusal> {
            var changed = try #require(document.object)
            changed["oblivious_trees"] = .array(trees)
            let model = try CPUBackend().compile(try ModelReader.read(file: "model.json", bytes: JSONValue.object(changed).jsonText).ir)
            let batch = FeatureBatch(rowCount: 1, columnCount: model.featureCount, values: [Float](repeating: 0.5, count: model.featureCount))
            return Result { () throws(ExplanationRefusal) in try model.explain(batch, as: .contributions) }
        }
        #expect(try explained(trees).get().values.count == 7)
        let unweighted = trees.map { tree in JSONValue.object(tree.object!.filter { $0.key != "leaf_weights" }) }
        var short = trees, negative = trees
        short[3] = .object(trees[3].object!.merging(["leaf_weights": [1, 2]]) { $1 })
        let weights = try #require(trees[3]["leaf_weights"]?.array)
        negative[3] = .object(trees[3].object!.merging(["leaf_weights": .array([-1] + weights.dropFirst())]) { $1 })
        for broken in [unweighted, short, negative] {
            guard case .failure(let refusal) = try explained(broken) else { Issue.record("contributions without leaf weights"); continue }
            #expect(refusal.reason.contains("leaf_weights"), "\(refusal.reason)")
        }
    }

    /// The same for non-symmetric trees, whose leaves each carry a `weight`: without one on every leaf, or with a
    /// negative one, contributions are refused naming CatBoost's leaf weights; leaves and margins need none.
    @Test func nonSymmetricContributionsWithoutLeafWeightsAreRefused() throws {
        let document = try JSONReader.parse(try Fixtures.bytes(Fixtures.root + "/catboost-depthwise-binary/model/model.json"))
        let trees = try #require(document["trees"]?.array)
        /// The tree with its leftmost leaf's weight replaced (nil: removed).
        func firstLeaf(of node: JSONValue, weight: JSONValue?) -> JSONValue {
            var object = node.object!
            if let left = object["left"] {
                object["left"] = firstLeaf(of: left, weight: weight)
            } else {
                object["weight"] = weight
            }
            return .object(object)
        }
        func model(_ trees: [JSONValue]) throws -> any CompiledModel {
            var changed = try #require(document.object)
            changed["trees"] = .array(trees)
            return try CPUBackend().compile(try ModelReader.read(file: "model.json", bytes: JSONValue.object(changed).jsonText).ir)
        }
        let weighed = try model(trees)
        let batch = FeatureBatch(rowCount: 1, columnCount: weighed.featureCount, values: [Float](repeating: 0.5, count: weighed.featureCount))
        #expect(try weighed.explain(batch, as: .contributions).values.count == weighed.featureCount + 1)
        for weight in [nil, JSONValue.number(-1)] {
            var broken = trees
            broken[2] = firstLeaf(of: trees[2], weight: weight)
            let unweighed = try model(broken)
            #expect(try unweighed.explain(batch, as: .leaves) == weighed.explain(batch, as: .leaves))
            let refusal = #expect(throws: ExplanationRefusal.self) { try unweighed.explain(batch, as: .contributions) }
            #expect(refusal?.reason.contains("CatBoost's leaf weights") == true, "\(String(describing: refusal))")
        }
    }

    /// A non-symmetric tree whose leaves all weigh 0 expects nothing: the bias stays a number, and each row's
    /// contributions still add up to its margin.
    @Test func aNonSymmetricTreeOfNoWeightExplainsWithoutNaN() throws {
        let document = try JSONReader.parse(try Fixtures.bytes(Fixtures.root + "/catboost-depthwise-binary/model/model.json"))
        var trees = try #require(document["trees"]?.array)
        func weightless(_ node: JSONValue) -> JSONValue {
            var object = node.object!
            if let left = object["left"], let right = object["right"] {
                object["left"] = weightless(left)
                object["right"] = weightless(right)
            } else {
                object["weight"] = 0
            }
            return .object(object)
        }
        trees[2] = weightless(trees[2])
        var changed = try #require(document.object)
        changed["trees"] = .array(trees)
        let model = try CPUBackend().compile(try ModelReader.read(file: "model.json", bytes: JSONValue.object(changed).jsonText).ir)
        let batch = FeatureBatch(rowCount: 2, columnCount: model.featureCount, values: (0..<2 * model.featureCount).map { Float($0 % 3) - 1 })
        let contributions = try model.explain(batch, as: .contributions), margins = try model.explain(batch, as: .margin)
        #expect(contributions.values.allSatisfy { $0.isFinite })
        for row in 0..<2 {
            let sum = contributions.row(row).reduce(0, +)
            #expect(abs(sum - margins.values[row]) <= 1e-9 * (1 + abs(margins.values[row])), "row \(row): \(sum) vs \(margins.values[row])")
        }
    }

    @Test(arguments: ["catboost-refused-categorical", "catboost-refused-categorical-cbm"])
    func categoricalFeaturesAreRefusedByName(_ name: String) throws {
        let contents = try ArtifactStore(directory: Fixtures.root + "/" + name + "/model").open()
        let error = #expect(throws: ModelReadError.self) {
            try ModelReader.read(file: contents.files[0].path, bytes: contents.files[0].bytes)
        }
        let expected = try TestFixtureManifest.expectedLoadError(name)
        #expect(error?.reason.contains(expected) == true, "\(String(describing: error))")
    }
}

extension CatBoostFixtureTests {
    /// A Logloss document of non-symmetric `trees` over one float feature.
    static func nonSymmetric(_ trees: String) -> String {
        document(trees: "[]").replacing(#""oblivious_trees": []"#, with: #""trees": "# + trees)
    }

    static func document(trees: String, loss: String = "Logloss", scaleAndBias: String = "[1, [0]]") -> String {
        #"{"features_info": {"float_features": [{"feature_index": 0, "flat_feature_index": 0, "nan_value_treatment": "AsFalse", "feature_id": ""}]}, "#
            + #""model_info": {"params": {"loss_function": {"type": ""# + loss + #""}}}, "scale_and_bias": "# + scaleAndBias
            + #", "oblivious_trees": "# + trees + "}"
    }

    /// A tree of `depth` levels, each splitting feature 0 at 0.5, with no leaf values.
    static func deepTree(_ depth: Int) -> String {
        let splits = Array(repeating: #"{"float_feature_index": 0, "border": 0.5}"#, count: depth).joined(separator: ", ")
        return #"[{"splits": ["# + splits + #"], "leaf_values": []}]"#
    }

    /// Corrupt and unsupported CatBoost documents are refused naming the problem, never crashing.
    @Test(arguments: [
        (document(trees: #"[{"splits": [{"float_feature_index": 0, "border": 0.5}], "leaf_values": [1]}]"#), "has 1 leaf values for 1 levels"),
        (document(trees: #"[{"splits": [{"float_feature_index": 3, "border": 0.5}], "leaf_values": [1, 2]}]"#), "not on a float feature it describes"),
        (document(trees: deepTree(17)), "17 levels"),
        (document(trees: #"[{"splits": [], "leaf_values": [1]}]"#, loss: "RMSEWithUncertainty"), "loss RMSEWithUncertainty"),
        (document(trees: #"[{"splits": [], "leaf_values": [1]}]"#, scaleAndBias: "[1]"), "scale_and_bias"),
        (nonSymmetric(#"[{"split": {"float_feature_index": 0, "border": 0.5}, "left": {"value": 1}}]"#), "without both children"),
        (nonSymmetric(#"[{"split": {"float_feature_index": 2, "border": 0.5}, "left": {"value": 1}, "right": {"value": 2}}]"#),
         "not on a float feature it describes"),
        (nonSymmetric(#"[{"split": {"float_feature_index": 0, "border": 0.5}, "left": {"value": 1}, "right": {"weight": 2}}]"#),
         "neither a split nor a value"),
        (nonSymmetric(String(repeating: #"[{"split": {"float_feature_index": 0, "border": 0.5}, "right": {"value": 1}, "left": "#, count: 1)
            + String(repeating: #"{"split": {"float_feature_index": 0, "border": 0.5}, "right": {"value": 1}, "left": "#, count: 70)
            + #"{"value": 0}"# + String(repeating: "}", count: 71) + "]"), "more than 64 levels deep"),
        (#"{"features_info": {"float_features": []}, "scale_and_bias": [1, [0]]}"#, "neither oblivious_trees nor trees"),
        (document(trees: "[]"), "holds no trees"),
    ])
    func corruptDocumentsAreRefused(text: String, problem: String) {
        let error = #expect(throws: (any Error).self) {
            let loaded = try ModelReader.read(file: "model.json", bytes: Array(text.utf8))
            _ = try CPUBackend().compile(loaded.ir)
        }
        #expect(String(describing: error!).contains(problem), "\(String(describing: error!))")
    }
}

/// The `expected_load_error` of a fixture's manifest.
enum TestFixtureManifest {
    static func expectedLoadError(_ name: String) throws -> String {
        try #require(try JSONReader.parse(try Fixtures.bytes(Fixtures.root + "/" + name + "/manifest.json"))["expected_load_error"]?.string)
    }
}
