import BerthArtifacts
import BerthCore
import BerthJSON
import BerthTestSupport
import Testing
@testable import BerthFormats

/// Every LightGBM fixture — text models of each boosting mode, objective, missing-value rule, categorical and
/// linear splits, and pickled boosters and wrappers — read and run on the CPU kernel in double precision, must
/// give `Booster.predict`'s answers within 1e-9 relative on rows that sit exactly on split thresholds and one
/// double-ulp either side of them.
@Suite struct LightGBMFixtureTests {
    static let textCases = [
        "lightgbm-binary", "lightgbm-dart", "lightgbm-goss", "lightgbm-rf", "lightgbm-regression-zero-as-missing",
        "lightgbm-regression-use-missing-false", "lightgbm-multiclass-categorical", "lightgbm-multiclassova",
        "lightgbm-linear-tree", "lightgbm-objective-regression-l1", "lightgbm-objective-huber", "lightgbm-objective-fair",
        "lightgbm-objective-quantile", "lightgbm-objective-mape", "lightgbm-objective-gamma", "lightgbm-objective-tweedie",
        "lightgbm-objective-cross-entropy", "lightgbm-objective-cross-entropy-lambda", "lightgbm-objective-lambdarank",
        "lightgbm-objective-rank-xendcg",
    ]
    static let pickleCases = [
        "lightgbm-pickle-booster", "lightgbm-pickle-booster-early-stopped", "lightgbm-pickle-classifier-joblib",
        "lightgbm-pickle-regressor",
    ]

    static func load(_ name: String) throws -> LoadedModel {
        let contents = try ArtifactStore(directory: Fixtures.root + "/" + name + "/model").open()
        #expect(contents.files.count == 1)
        return try ModelReader.read(file: contents.files[0].path, bytes: contents.files[0].bytes)
    }

    /// The fixture's request rows as the doubles the JSON Lines request holds (null is missing).
    static func rows(_ name: String) throws -> (count: Int, values: [Double]) {
        var values = [Double]()
        var count = 0
        for line in try Fixtures.bytes(Fixtures.root + "/" + name + "/requests/rows.jsonl").split(separator: UInt8(ascii: "\n")) {
            let row = try JSONReader.parse(Array(line))
            values += row.array!.map { $0.number ?? .nan }
            count += 1
        }
        return (count, values)
    }

    @Test(arguments: textCases + pickleCases)
    func predictsLikeLightGBM(_ name: String) throws {
        let loaded = try Self.load(name)
        let model = try CPUBackend().compile(loaded.ir)
        #expect(model.featurePrecision == .float64)
        let (rowCount, values) = try Self.rows(name)
        let expected = String(decoding: try Fixtures.bytes(Fixtures.root + "/" + name + "/expected/rows.csv"), as: UTF8.self)
            .split(separator: "\n").flatMap { $0.split(separator: ",").map { Double($0)! } }
        let columns = model.featureCount
        // All rows at once, and one row a request.
        for requestRows in [rowCount, 1] {
            var predictions = [Double]()
            for first in stride(from: 0, to: rowCount, by: requestRows) {
                let count = min(requestRows, rowCount - first)
                let doubles = Array(values[first * columns ..< (first + count) * columns])
                let batch = FeatureBatch(rowCount: count, columnCount: columns, values: doubles.map { Float($0) }, doubles: doubles)
                predictions += model.predict(batch).doubles ?? []
            }
            #expect(predictions.count == expected.count, "\(name)")
            for (index, (got, want)) in zip(predictions, expected).enumerated() {
                #expect(abs(got - want) <= 1e-9 * abs(want) || got == want, "\(name), value \(index): got \(got), want \(want)")
            }
        }
    }

    @Test func textModelsAreDescribed() throws {
        let binary = try Self.load("lightgbm-binary")
        #expect(binary.format == .lightgbmText)
        #expect(binary.objectiveName == "binary")
        #expect(binary.meaning == .binaryProbability)
        #expect(binary.kind == "gbdt")
        #expect(binary.writerVersion == "LightGBM model text v4")
        #expect(binary.treeCount == 30)
        #expect(binary.featureNames == nil)
        #expect(try Self.load("lightgbm-rf").kind == "rf")
        #expect(try Self.load("lightgbm-dart").kind == "dart")
        let multiclass = try Self.load("lightgbm-multiclass-categorical")
        #expect(multiclass.meaning == .classProbabilities(labels: .integers([0, 1, 2])))
        #expect(try Self.load("lightgbm-objective-lambdarank").meaning == .regression)
    }

    @Test func picklesCarryTheirWrappersAndBestIteration() throws {
        let classifier = try Self.load("lightgbm-pickle-classifier-joblib")
        #expect(classifier.format == .pythonPickle)
        #expect(classifier.kind == "gbdt in lightgbm.sklearn.LGBMClassifier")
        #expect(classifier.meaning == .classProbabilities(labels: .strings(["bronze", "gold", "silver"])))
        let early = try Self.load("lightgbm-pickle-booster-early-stopped")
        #expect(early.treeCount == 10)
    }

    /// A categorical feature whose seen codes reach `Int.max` is still a categorical feature, served by code; the
    /// largest code is compared with its category list, never counted past.
    @Test func aCategoricalCodeAtTheEdgeOfIntIsNeverCountedPast() {
        let kinds = LightGBMFeatureKinds.read(featureInfos: "9223372036854775807 [0:1]", pandasCategorical: #"[["a"]]"#, featureCount: 2)
        #expect(kinds == [0: .categorical(nil)])
        let fitting = LightGBMFeatureKinds.read(featureInfos: "0:1 [0:1]", pandasCategorical: #"[["a", "b"]]"#, featureCount: 2)
        #expect(fitting == [0: .categorical(.strings(["a", "b"]))])
    }

    /// Tree blocks read on several threads, in a text file or a pickle, make the same model as on one, and a bad tree
    /// is named as reading them in order names it: the lowest, whichever thread meets it.
    @Test func treesReadOnSeveralThreadsMatchOneThread() throws {
        let threads = RowParallelism(threadCount: 3, minimumParallelWork: 0)
        for name in ["lightgbm-binary", "lightgbm-multiclass-categorical", "lightgbm-linear-tree", "lightgbm-dart",
                     "lightgbm-pickle-classifier-joblib", "lightgbm-pickle-booster-early-stopped"] {
            let file = try ArtifactStore(directory: Fixtures.root + "/" + name + "/model").open().files[0]
            let split = try ModelReader.read(file: file.path, bytes: file.bytes, parallelism: threads)
            #expect(split == (try ModelReader.read(file: file.path, bytes: file.bytes)), "\(name)")
            #expect(split.treeCount > 3, "\(name)")
        }
        let good = "num_leaves=2\nnum_cat=0\nsplit_feature=0\nthreshold=0.5\nleft_child=-1\nright_child=-2\nleaf_value=1 2\n"
        let bad = "num_leaves=2\nnum_cat=0\nsplit_feature=0\nthreshold=0.5\nleft_child=-1\nright_child=-2\nleaf_value=1\n"
        for badTrees in [[7], [2, 7], [1, 4, 8], [0, 8]] {
            let blocks = (0..<9).map { "Tree=\($0)\n" + (badTrees.contains($0) ? bad : good) }
            let text = "tree\nnum_class=1\nmax_feature_idx=1\nobjective=regression\n\n" + blocks.joined(separator: "\n") + "\nend of trees\n"
            let error = #expect(throws: ModelReadError.self) {
                try ModelReader.read(file: "model.txt", bytes: Array(text.utf8), parallelism: threads)
            }
            #expect(error?.description.contains("leaf_value of tree \(badTrees[0]),") == true, "\(badTrees): \(error?.description ?? "")")
        }
    }

    /// A chain of splits as deep as `PackedForest.maxDepth` loads; one level deeper is refused at load, before an
    /// explanation could recurse that deep or size its scratch space by the square of the depth.
    @Test func treesDeeperThanTheLimitAreRefused() throws {
        func chain(splits: Int) -> [UInt8] {
            let list = { (values: [String]) in values.joined(separator: " ") }
            let text = "tree\nnum_class=1\nmax_feature_idx=0\nobjective=regression\n\nTree=0\nnum_leaves=\(splits + 1)\nnum_cat=0\n"
                + "split_feature=\(list(Array(repeating: "0", count: splits)))\n"
                + "threshold=\(list((0..<splits).map { String($0) }))\n"
                + "left_child=\(list((0..<splits).map { String(~$0) }))\n"
                + "right_child=\(list((1..<splits).map { String($0) } + [String(~splits)]))\n"
                + "leaf_value=\(list((0...splits).map { String($0) }))\n\nend of trees\n"
            return Array(text.utf8)
        }
        let deepest = try CPUBackend().compile(try ModelReader.read(file: "model.txt", bytes: chain(splits: PackedForest.maxDepth)).ir)
        #expect(deepest.predict(FeatureBatch(rowCount: 1, columnCount: 1, values: [4095.5])).values == [4096])
        let error = #expect(throws: ModelValidationError.self) {
            _ = try CPUBackend().compile(try ModelReader.read(file: "model.txt", bytes: chain(splits: PackedForest.maxDepth + 1)).ir)
        }
        #expect(error?.description.contains("tree 0 is deeper than 4096 levels") == true, "\(String(describing: error))")
    }

    /// Hostile and corrupt text models are refused naming the tree and the problem, never crashing.
    @Test(arguments: [
        ("tree\nversion=v4\nnum_class=1\nmax_feature_idx=1\nobjective=binary sigmoid:1\n\nend of trees\n", "holds no trees"),
        ("tree\nnum_class=1\nmax_feature_idx=1\nobjective=regression\n\nTree=0\nnum_leaves=2\nnum_cat=0\nsplit_feature=5\nthreshold=0.5\nleft_child=-1\nright_child=-2\nleaf_value=1 2\n\n",
         "splits on feature 5"),
        ("tree\nnum_class=1\nmax_feature_idx=1\nobjective=regression\n\nTree=0\nnum_leaves=3\nnum_cat=0\nsplit_feature=0 1\nthreshold=0.5 1\nleft_child=1 1\nright_child=-1 -2\nleaf_value=1 2 3\n\n",
         "a child outside it, or a cycle"),
        ("tree\nnum_class=1\nmax_feature_idx=1\nobjective=regression\n\nTree=0\nnum_leaves=2\nnum_cat=0\nsplit_feature=0\nthreshold=0.5\nleft_child=-1\nright_child=-2\nleaf_value=1\n\n",
         "has 1 values in leaf_value of tree 0, not 2"),
        ("tree\nnum_class=1\nmax_feature_idx=1\nobjective=softmax_of_nothing\n\nTree=0\nnum_leaves=1\nnum_cat=0\nleaf_value=1\n\n",
         "objective 'softmax_of_nothing'"),
        ("tree\nnum_class=1\nmax_feature_idx=1\nobjective=regression\n\nTree=0\nnum_leaves=2\nnum_cat=1\nsplit_feature=0\nthreshold=3\ndecision_type=1\nleft_child=-1\nright_child=-2\nleaf_value=1 2\ncat_boundaries=0 1\ncat_threshold=5\n\n",
         "category set is out of range"),
        ("tree\nnum_class=1\nmax_feature_idx=1\nobjective=regression\n\nTree=0\nnum_leaves=2\nnum_cat=0\nsplit_feature=0\nthreshold=0.5\ndecision_type=12\nleft_child=-1\nright_child=-2\nleaf_value=1 2\n\n",
         "decision type 12"),
        ("tree\nnum_class=2\nnum_tree_per_iteration=2\nmax_feature_idx=0\nobjective=multiclass num_class:2\n\nTree=0\nnum_leaves=1\nnum_cat=0\nleaf_value=1\n\n",
         "not a whole number of iterations of 2"),
        // Counts at the edge of Int: refused before any arithmetic can overflow.
        ("tree\nnum_class=1\nmax_feature_idx=9223372036854775807\nobjective=regression\n\nTree=0\nnum_leaves=1\nnum_cat=0\nleaf_value=1\n\n",
         "has max_feature_idx 9223372036854775807"),
        ("tree\nnum_class=1\nmax_feature_idx=1\nobjective=regression\n\nTree=0\nnum_leaves=2\nnum_cat=9223372036854775807\nsplit_feature=0\nthreshold=0\nleft_child=-1\nright_child=-2\nleaf_value=1 2\n\n",
         "has num_cat 9223372036854775807"),
        // Counts are believed only as far as the values that follow: no room is set aside for 68 GB of features.
        ("tree\nnum_class=1\nmax_feature_idx=1\nobjective=regression\n\nTree=0\nnum_leaves=8\nnum_cat=0\nis_linear=1\nleaf_value=1 2 3 4 5 6 7 8\nleaf_const=0 0 0 0 0 0 0 0\n"
         + "num_features=2147483647 2147483647 2147483647 2147483647 2147483647 2147483647 2147483647 2147483647\nleaf_features=0\nleaf_coeff=1\n\n",
         "has 1 values in leaf_features of tree 0, not 17179869176"),
        ("tree\nnum_class=1\nmax_feature_idx=1\nobjective=regression\n\nTree=0\nnum_leaves=2\nnum_cat=1\nsplit_feature=0\nthreshold=0\ndecision_type=1\nleft_child=-1\nright_child=-2\nleaf_value=1 2\ncat_boundaries=0 2147483647\ncat_threshold=5\n\n",
         "has 1 values in cat_threshold of tree 0, not 2147483647"),
        // Every categorical split has a set of its own: two naming one set could copy a long set over and over.
        ("tree\nnum_class=1\nmax_feature_idx=1\nobjective=regression\n\nTree=0\nnum_leaves=3\nnum_cat=1\nsplit_feature=0 0\nthreshold=0 0\ndecision_type=1 1\nleft_child=1 -1\nright_child=-2 -3\nleaf_value=1 2 3\ncat_boundaries=0 1\ncat_threshold=5\n\n",
         "has categorical splits in tree 0 that share category sets"),
    ])
    func corruptTextModelsAreRefused(text: String, problem: String) {
        let error = #expect(throws: (any Error).self) {
            let loaded = try ModelReader.read(file: "model.txt", bytes: Array(text.utf8))
            _ = try CPUBackend().compile(loaded.ir)
        }
        #expect(String(describing: error!).contains(problem), "\(String(describing: error!))")
    }
}
