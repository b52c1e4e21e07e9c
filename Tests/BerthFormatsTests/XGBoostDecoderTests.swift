import BerthArtifacts
import BerthCore
import BerthJSON
import BerthTestSupport
import Foundation
import Testing
@testable import BerthFormats

@Suite struct XGBoostDecoderTests {
    /// A minimal xgboost model document; `tree` and `parameters` patch it.
    func model(objective: String = "binary:logistic", baseScore: String = "5E-1", defaultLeft: String = "[0, 1, 0]",
               extraTree: String = "") -> [UInt8] {
        Array("""
        {"learner": {"learner_model_param": {"base_score": "\(baseScore)", "num_class": "0", "num_feature": "2"},
          "objective": {"name": "\(objective)"},
          "gradient_booster": {"name": "gbtree", "model": {"tree_info": [0], "trees": [{
            "left_children": [1, -1, -1], "right_children": [2, -1, -1], "split_indices": [1, 0, 0],
            "split_conditions": [0.25, -0.4, 0.6], "default_left": \(defaultLeft),
            "base_weights": [0, -4, 6] \(extraTree)}]}}},
         "version": [1, 5, 2]}
        """.utf8)
    }

    func read(_ bytes: [UInt8]) throws(ModelReadError) -> LoadedModel {
        try ModelReader.read(file: "xgboost-model", bytes: bytes)
    }

    /// The tree ensemble a model reads as; anything else fails the test.
    func trees(_ bytes: [UInt8]) throws -> TreeEnsemble {
        let ir = try read(bytes).ir
        guard case .trees(let ensemble) = ir else { throw NotTrees(ir: ir) }
        return ensemble
    }

    struct NotTrees: Error {
        let ir: ModelIR
    }

    @Test func leafValuesComeFromSplitConditionsNotBaseWeights() throws {
        let ensemble = try trees(model())
        #expect(ensemble.trees[0].values == [0.25, -0.4, 0.6])
        #expect(ensemble.trees[0].defaultLeft == [false, true, false])
    }

    @Test func featureNamesAreKeptWhenEveryFeatureHasOne() throws {
        let named = Array(String(decoding: model(), as: UTF8.self)
            .replacingOccurrences(of: #""objective":"#, with: #""feature_names": ["age", "income"], "objective":"#).utf8)
        #expect(try read(named).featureNames == ["age", "income"])
        #expect(try read(model()).featureNames == nil)
        let partial = Array(String(decoding: model(), as: UTF8.self)
            .replacingOccurrences(of: #""objective":"#, with: #""feature_names": ["age"], "objective":"#).utf8)
        #expect(try read(partial).featureNames == nil)
    }

    @Test func booleanDefaultLeftOfXGBoost15IsAccepted() throws {
        let ensemble = try trees(model(defaultLeft: "[true, false, false]"))
        #expect(ensemble.trees[0].defaultLeft == [true, false, false])
    }

    @Test(arguments: [("5E-1", Float(0)), ("0.500000", 0), ("[5E-1]", 0), ("[8E-1]", -logf(1 / 0.8 - 1))])
    func baseScoreDialectsGoThroughTheLogit(_ text: String, _ margin: Float) throws {
        let ensemble = try trees(model(baseScore: text))
        #expect(ensemble.baseMargins == [margin])
    }

    @Test func logitrawKeepsBaseScoreAsIs() throws {
        let ensemble = try trees(model(objective: "binary:logitraw", baseScore: "8E-1"))
        #expect(ensemble.baseMargins == [0.8])
    }

    @Test func unknownObjectiveNamesTheSupportedOnes() {
        let error = #expect(throws: ModelReadError.self) { try read(model(objective: "reg:mystery")) }
        #expect(error?.reason.contains("reg:mystery") == true)
        #expect(error?.reason.contains("binary:logistic") == true)
    }

    @Test func vectorLeavesAreRefusedClearly() {
        let error = #expect(throws: ModelReadError.self) { try read(model(extraTree: #", "tree_param": {"size_leaf_vector": "3"}"#)) }
        #expect(error?.reason.contains("multi_output_tree") == true)
    }

    @Test func garbageIsAnUnknownFormat() {
        let error = #expect(throws: ModelReadError.self) { try read(Array("hello,world".utf8)) }
        #expect(error?.reason.contains("not a model format") == true)
    }

    /// Every prefix of every real fixture model, and a few thousand flipped bytes, must end in an error or a
    /// model that compiles and predicts — never in a crash or a hang. Half the flips of a digit give another
    /// digit, so a JSON model still parses with damaged numbers and its predictions are tried too.
    @Test(arguments: ["xgboost-binary-legacy/model/xgboost-model", "xgboost-dart/model/model.ubj",
                      "xgboost-missing-categorical/model/xgboost-model.json", "xgboost-gblinear-poisson/model/xgboost-model.json"])
    func damagedFixturesFailCleanly(_ relative: String) throws {
        let original = try Fixtures.bytes(Fixtures.root + "/" + relative)
        var generator = SplitMix(seed: 42)
        var damaged: [[UInt8]] = stride(from: 0, to: original.count, by: max(1, original.count / 300)).map { Array(original.prefix($0)) }
        for _ in 0..<300 {
            var copy = original
            for _ in 0..<3 {
                let position = Int(generator.next() % UInt64(copy.count))
                let keepsADigit = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(copy[position]) && generator.next() % 2 == 0
                copy[position] = keepsADigit ? UInt8(ascii: "0") + UInt8(generator.next() % 10) : UInt8(truncatingIfNeeded: generator.next())
            }
            damaged.append(copy)
        }
        var predicted = 0
        for bytes in damaged {
            guard let loaded = try? read(bytes), let model = try? CPUBackend().compile(loaded.ir) else { continue }
            _ = model.predict(FeatureBatch(rowCount: 3, columnCount: model.featureCount,
                                           values: (0..<(3 * model.featureCount)).map { Float($0 % 5) - 2 }))
            predicted += 1
        }
        // Flips land in leaf values and thresholds too: if nothing loads, the predictions were never tried.
        #expect(predicted > 0, "\(relative): no damaged model loaded, so none was run")
    }

    /// A UBJSON model's trees are read as member lists (no dictionary per tree) straight into the tree arrays; the
    /// model must be the one the whole document, parsed into dictionaries, decodes to.
    @Test(arguments: ["xgboost-dart", "xgboost-multiclass-ubjson", "xgboost-multiclass-selectable-batch"])
    func listedTreesDecodeAsTheNestedDocument(_ name: String) throws {
        let file = try #require(try ArtifactStore(directory: Fixtures.root + "/" + name + "/model").open().files.first)
        #expect(ModelFormat.detect(file.bytes) == .xgboostUBJSON)
        let listed = try ModelReader.read(file: file.path, bytes: file.bytes)
        let nested = try XGBoostJSONModelDecoder.decode(try UBJSONReader.parse(file.bytes), file: file.path, format: .xgboostUBJSON)
        #expect(listed == nested)
        #expect(listed.treeCount > 0)
    }

    /// Trees decoded on several threads make the same model as on one, and a bad tree is named as reading them in
    /// order names it: the lowest, whichever thread meets it.
    @Test func treesDecodedOnSeveralThreadsMatchOneThread() throws {
        let threads = RowParallelism(threadCount: 3, minimumParallelWork: 0)
        for name in ["xgboost-dart", "xgboost-multiclass-ubjson", "xgboost-1.7-categorical-json", "xgboost-pickle-3.2-classifier-early-stopped",
                     "xgboost-pickle-1.7"] {
            let folder = try ArtifactStore(directory: Fixtures.root + "/" + name + "/model").open()
            let file = try #require(folder.files.first { ModelFormat.detect($0.bytes) != nil })
            let split = try ModelReader.read(file: file.path, bytes: file.bytes, parallelism: threads)
            #expect(split == (try ModelReader.read(file: file.path, bytes: file.bytes)), "\(name)")
            #expect(split.treeCount > 3, "\(name)")
        }
        let good = """
            {"left_children": [1, -1, -1], "right_children": [2, -1, -1], "split_indices": [1, 0, 0],
             "split_conditions": [0.25, -0.4, 0.6], "default_left": [0, 1, 0]}
            """
        let bad = #"{"left_children": [1, -1, -1]}"#
        for badTrees in [[7], [2, 7], [1, 4, 8], [0, 8]] {
            let trees = (0..<9).map { badTrees.contains($0) ? bad : good }
            let bytes = Array("""
                {"learner": {"learner_model_param": {"base_score": "5E-1", "num_class": "0", "num_feature": "2"},
                  "objective": {"name": "binary:logistic"},
                  "gradient_booster": {"name": "gbtree", "model": {"tree_info": \(Array(repeating: 0, count: 9)),
                    "trees": [\(trees.joined(separator: ","))]}}},
                 "version": [2, 1, 0]}
                """.utf8)
            let error = #expect(throws: ModelReadError.self) { try ModelReader.read(file: "xgboost-model", bytes: bytes, parallelism: threads) }
            #expect(error?.description.contains("tree \(badTrees[0]) lacks") == true, "\(badTrees): \(error?.description ?? "")")
        }
    }

    /// A JSON model's trees, listed and each parsed on its own, make the model the whole document's parse makes; a dart
    /// model's too (its trees under `gbtree`), written as JSON from its UBJSON fixture. A tree that is not valid JSON is
    /// refused at the offset the whole document's parse names.
    @Test func listedJSONTreesDecodeAsTheNestedDocument() throws {
        var documents = try ["xgboost-1.7-categorical-json", "xgboost-named-categorical", "xgboost-softmax-selectable"].map {
            try Fixtures.bytes(Fixtures.root + "/" + $0 + "/model/xgboost-model.json")
        }
        let dart = try #require(try ArtifactStore(directory: Fixtures.root + "/xgboost-dart/model").open().files.first)
        documents.append(try UBJSONReader.parse(dart.bytes).jsonText)
        for bytes in documents {
            #expect(ModelFormat.detect(bytes) == .xgboostJSON)
            let listed = try read(bytes)
            let nested = try XGBoostJSONModelDecoder.decode(try JSONReader.parse(bytes, allowsNonFiniteNumbers: true), file: "xgboost-model",
                                                            format: .xgboostJSON)
            #expect(listed == nested)
            #expect(listed.treeCount > 0)
        }
        let broken = Array(String(decoding: model(), as: UTF8.self).replacingOccurrences(of: "[0.25,", with: "[0.25,,").utf8)
        let whole = #expect(throws: JSONParseError.self) { try JSONReader.parse(broken, allowsNonFiniteNumbers: true) }
        let error = #expect(throws: ModelReadError.self) { try read(broken) }
        #expect(error?.description.contains("is not valid JSON (\(whole?.description ?? "?"))") == true, "\(error?.description ?? "")")
    }

    /// The same categorical models written as UBJSON (integers as `l` arrays, reals as `D`, as xgboost writes
    /// them) read as the same model as their JSON: categories, defaults and covers come through the listed path.
    @Test(arguments: ["xgboost-missing-categorical", "xgboost-named-categorical", "xgboost-softmax-selectable"])
    func aJSONModelRewrittenAsUBJSONReadsTheSame(_ name: String) throws {
        let bytes = try Fixtures.bytes(Fixtures.root + "/" + name + "/model/xgboost-model.json")
        let fromJSON = try read(bytes)
        var ubjson = [UInt8]()
        TestUBJSONWriter.write(try JSONReader.parse(bytes), to: &ubjson)
        let fromUBJSON = try read(ubjson)
        #expect(fromUBJSON.format == .xgboostUBJSON)
        #expect(fromUBJSON.ir == fromJSON.ir)
        #expect(fromUBJSON.schema == fromJSON.schema)
        #expect(fromUBJSON.meaning == fromJSON.meaning && fromUBJSON.objectiveName == fromJSON.objectiveName)
        #expect(fromUBJSON.writerVersion == fromJSON.writerVersion && fromUBJSON.treeCount == fromJSON.treeCount)
    }

    /// The trees are the booster model's: a `trees` array anywhere else is ignored, as it always was, and a second
    /// `trees` in the booster's model is refused.
    @Test func onlyTheBoosterModelsTreesAreTrees() throws {
        let json = try JSONReader.parse(model())
        var document = json.object!
        var learner = document["learner"]!.object!
        learner["trees"] = .array([.object(["left_children": .array([])])])
        document["learner"] = .object(learner)
        var elsewhere = [UInt8]()
        TestUBJSONWriter.write(.object(document), to: &elsewhere)
        #expect(try read(elsewhere).ir == read(model()).ir)

        // "treez" is written, then renamed to make a second "trees" beside the first (a dictionary cannot hold two).
        for second in [JSONValue.array(json["learner"]!["gradient_booster"]!["model"]!["trees"]!.array!), .number(5)] {
            var booster = json["learner"]!["gradient_booster"]!.object!
            var model = booster["model"]!.object!
            model["treez"] = second
            booster["model"] = .object(model)
            var learner = json["learner"]!.object!
            learner["gradient_booster"] = .object(booster)
            var bytes = [UInt8]()
            TestUBJSONWriter.write(.object(["learner": .object(learner), "version": json["version"]!]), to: &bytes)
            let key = Array("treez".utf8)
            let at = try #require((0...(bytes.count - key.count)).first { Array(bytes[$0..<$0 + key.count]) == key })
            bytes[at + key.count - 1] = UInt8(ascii: "s")
            let error = #expect(throws: ModelReadError.self) { try read(bytes) }
            #expect(error?.description.contains("more than once") == true)
        }
    }

    /// `split_type` has a type per node: a list of another length is refused, whichever way it is off.
    @Test func splitTypesOfAnotherLengthAreRefused() {
        for types in ["[1, 0]", "[1, 0, 0, 0]"] {
            let bytes = model(extraTree: #", "split_type": \#(types), "categories_nodes": [0], "categories_segments": [0], "categories_sizes": [1], "categories": [3]"#)
            let error = #expect(throws: ModelReadError.self) { try read(bytes) }
            #expect(error?.description.contains("split types") == true)
        }
    }

    /// A categories segment whose start and size add past `Int.max` is refused, not trapped on.
    @Test func aCategorySegmentBeyondEveryIntegerIsRefused() {
        let huge = "4611686018427387904"  // 2^62: twice that overflows
        let bytes = model(extraTree: #", "split_type": [1, 0, 0], "categories_nodes": [0], "categories_segments": [\#(huge)], "categories_sizes": [\#(huge)], "categories": [3]"#)
        let error = #expect(throws: ModelReadError.self) { try read(bytes) }
        #expect(error?.description.contains("outside the categories array") == true)
    }

    /// Segments longer in all than the categories array, or naming a node twice or outside the tree, could copy the
    /// array once per entry (quadratic in the file): refused. XGBoost lays them end to end, one per categorical node.
    @Test func overlappingOrMisplacedCategorySegmentsAreRefused() throws {
        let cases = [
            (#""categories_nodes": [0, 0], "categories_segments": [0, 0], "categories_sizes": [2, 2], "categories": [3, 4]"#, "overlap"),
            (#""categories_nodes": [0, 0], "categories_segments": [0, 1], "categories_sizes": [1, 1], "categories": [3, 4]"#, "listed twice"),
            (#""categories_nodes": [7], "categories_segments": [0], "categories_sizes": [1], "categories": [3]"#, "not one of its 3 nodes"),
        ]
        for (arrays, problem) in cases {
            let error = #expect(throws: ModelReadError.self) { try read(model(extraTree: #", "split_type": [1, 0, 0], "# + arrays)) }
            #expect(error?.description.contains(problem) == true, "\(arrays): \(String(describing: error))")
        }
        // End to end, as XGBoost writes them, they read.
        _ = try read(model(extraTree: #", "split_type": [1, 0, 0], "categories_nodes": [0], "categories_segments": [0], "categories_sizes": [2], "categories": [3, 4]"#))
    }
}

/// Writes a JSON document as UBJSON the way xgboost does, for tests: keys without `S`, big-endian lengths, arrays of
/// numbers as typed arrays (`l` when every element is a 32-bit integer, else `D`).
enum TestUBJSONWriter {
    static func write(_ value: JSONValue, to output: inout [UInt8]) {
        switch value {
        case .null: output.append(UInt8(ascii: "Z"))
        case .bool(let flag): output.append(UInt8(ascii: flag ? "T" : "F"))
        case .number(let number):
            output.append(UInt8(ascii: "D"))
            appendBigEndian(number.bitPattern, to: &output)
        case .string(let text):
            output.append(UInt8(ascii: "S"))
            writeKey(text, to: &output)
        case .array, .numberArray:
            let elements = value.array ?? []
            if !elements.isEmpty, let numbers = value.numbers, elements.allSatisfy({ if case .number = $0 { true } else { false } }) {
                let integers = numbers.compactMap { Int32(exactly: $0) }
                output.append(contentsOf: [UInt8(ascii: "["), UInt8(ascii: "$"), UInt8(ascii: integers.count == numbers.count ? "l" : "D"),
                                           UInt8(ascii: "#"), UInt8(ascii: "L")])
                appendBigEndian(UInt64(numbers.count), to: &output)
                if integers.count == numbers.count {
                    for integer in integers { appendBigEndian(UInt32(bitPattern: integer), to: &output) }
                } else {
                    for number in numbers { appendBigEndian(number.bitPattern, to: &output) }
                }
            } else {
                output.append(UInt8(ascii: "["))
                for element in elements { write(element, to: &output) }
                output.append(UInt8(ascii: "]"))
            }
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            for (key, member) in members.sorted(by: { $0.key < $1.key }) {
                writeKey(key, to: &output)
                write(member, to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    private static func writeKey(_ text: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "L"))
        appendBigEndian(UInt64(text.utf8.count), to: &output)
        output.append(contentsOf: text.utf8)
    }

    private static func appendBigEndian<Word: FixedWidthInteger>(_ word: Word, to output: inout [UInt8]) {
        withUnsafeBytes(of: word.bigEndian) { output.append(contentsOf: $0) }
    }
}
