import BerthArtifacts
import BerthCore
import BerthTestSupport
import Testing
@testable import BerthFormats

/// Explanations of the XGBoost and LightGBM fixtures against the libraries' own (`expected/explanations.json`,
/// written by `opt-ml-fixtures/generate_explanations.py`): contributions (`pred_contribs` / `pred_contrib`, exact
/// TreeSHAP) and margins (`output_margin` / `raw_score`) within 1e-5 + 1e-5·|value|, leaves (`pred_leaf`) exactly, on
/// the fixtures' rows with their missing values — gbtree, dart, gblinear, gbdt, goss, rf, binary, multi-class,
/// regression, ranking, categorical splits, every LightGBM missing-value rule, legacy binary, JSON, UBJSON and
/// LightGBM text files; CatBoost's contributions (`ShapValues`), leaves (`calc_leaf_indexes`) and margins
/// (`RawFormulaVal`) of oblivious trees, one-hot categories included, within 1e-9 relative, and margins of
/// non-symmetric trees, JSON and .cbm. Where the file has no answer —
/// the library has none (gblinear's leaves, LightGBM's contributions of linear trees), or Berth does not give it
/// (non-symmetric CatBoost trees' contributions and leaves) — Berth must refuse it.
@Suite struct ExplanationFixtureTests {
    static let cases = [
        "xgboost-binary-legacy", "xgboost-binary-selectable", "xgboost-dart", "xgboost-gblinear-poisson", "xgboost-gblinear-multiclass",
        "xgboost-logistic-one-class",
        "xgboost-missing-categorical",
        "xgboost-multiclass-ubjson", "xgboost-regression-json-gz", "xgboost-softmax-selectable",
        "lightgbm-binary-selectable", "lightgbm-dart", "lightgbm-goss", "lightgbm-rf", "lightgbm-regression-zero-as-missing",
        "lightgbm-regression-use-missing-false", "lightgbm-multiclass-categorical", "lightgbm-multiclassova",
        "lightgbm-objective-lambdarank", "lightgbm-linear-tree",
        "catboost-binary", "catboost-binary-cbm", "catboost-binary-nan-max", "catboost-multiclass-one-vs-all", "catboost-multiclass-strings",
        "catboost-multiclass-strings-cbm", "catboost-one-hot-binary", "catboost-one-hot-binary-cbm", "catboost-one-hot-multiclass",
        "catboost-one-hot-multiclass-cbm", "catboost-poisson", "catboost-regression", "catboost-regression-cbm",
        "catboost-depthwise-binary", "catboost-depthwise-binary-cbm", "catboost-depthwise-multiclass", "catboost-depthwise-multiclass-cbm",
        "catboost-lossguide-regression", "catboost-lossguide-regression-cbm",
        "onnx-random-forest-binary", "onnx-random-forest-multiclass", "onnx-gradient-boosting-binary", "onnx-gradient-boosting-regressor",
        "onnx-tree-modes-sum", "onnx-tree-modes-average", "onnx-tree-modes-min", "onnx-tree-modes-max", "onnx-catboost-classifier",
        "onnx-catboost-regressor",
    ]

    @Test(arguments: cases)
    func explainsLikeTheLibrary(_ name: String) throws {
        let contents = try ArtifactStore(directory: Fixtures.root + "/" + name + "/model").open()
        let model = try CPUBackend().compile(try ModelReader.read(file: contents.files[0].path, bytes: contents.files[0].bytes).ir)
        let expected = try ExplanationFixture(name, featureCount: model.featureCount, precision: model.featurePrecision)
        for kind in ExplanationKind.allCases {
            guard let want = expected.answers[kind] ?? nil else {
                #expect(throws: ExplanationRefusal.self, "\(name) \(kind): refused") { try model.explain(expected.batch, as: kind) }
                continue
            }
            let explained = try model.explain(expected.batch, as: kind)
            #expect(explained.values.count == want.count, "\(name) \(kind): \(explained.values.count) values, xgboost has \(want.count)")
            // CatBoost works in double, as Berth does for its models: its answers agree to 1e-12 here.
            let tolerance = kind == .leaves ? 0 : name.hasPrefix("catboost") ? 1e-9 : 1e-5
            let wrong = zip(explained.values, want).enumerated().filter { abs($0.element.0 - $0.element.1) > tolerance * (1 + abs($0.element.1)) }
            #expect(wrong.isEmpty, "\(name) \(kind): \(wrong.count) values differ, first at \(wrong.first.map { "\($0.offset): \($0.element.0) vs \($0.element.1)" } ?? "")")
        }
    }

    /// A row's contributions sum to its margin, group by group.
    @Test(arguments: cases)
    func contributionsSumToTheMargin(_ name: String) throws {
        let contents = try ArtifactStore(directory: Fixtures.root + "/" + name + "/model").open()
        let model = try CPUBackend().compile(try ModelReader.read(file: contents.files[0].path, bytes: contents.files[0].bytes).ir)
        let expected = try ExplanationFixture(name, featureCount: model.featureCount, precision: model.featurePrecision)
        guard expected.answers[.contributions] ?? nil != nil else { return }
        let batch = expected.batch
        let contributions = try model.explain(batch, as: .contributions), margins = try model.explain(batch, as: .margin)
        for row in 0..<batch.rowCount {
            for group in 0..<contributions.groupCount {
                let start = row * contributions.valuesPerRow + group * contributions.width
                let sum = contributions.values[start ..< start + contributions.width].reduce(0, +)
                let margin = margins.values[row * margins.groupCount + group]
                #expect(abs(sum - margin) <= 1e-5 * (1 + abs(margin)), "\(name) row \(row) group \(group): \(sum) vs \(margin)")
            }
        }
    }

    /// One row at a time on two threads, where the trees are split between the threads and their sums added after,
    /// gives the batch's contributions.
    @Test(arguments: ["xgboost-softmax-selectable", "xgboost-dart", "lightgbm-multiclass-categorical", "lightgbm-rf"])
    func oneRowSplitsItsTreesAcrossThreads(_ name: String) throws {
        let contents = try ArtifactStore(directory: Fixtures.root + "/" + name + "/model").open()
        let ir = try ModelReader.read(file: contents.files[0].path, bytes: contents.files[0].bytes).ir
        let model = try CPUBackend().compile(ir)
        let split = try CPUBackend(parallelism: RowParallelism(threadCount: 2, minimumParallelWork: 0, splitsOnlyWhenCoresAreFree: false)).compile(ir)
        let batch = try ExplanationFixture(name, featureCount: model.featureCount).batch
        let whole = try model.explain(batch, as: .contributions)
        for row in 0..<batch.rowCount {
            let width = batch.columnCount
            let one = FeatureBatch(rowCount: 1, columnCount: width, values: Array(batch.values[row * width ..< (row + 1) * width]),
                                   doubles: batch.doubles.map { Array($0[row * width ..< (row + 1) * width]) })
            let alone = try split.explain(one, as: .contributions).values
            let expected = Array(whole.row(row))
            #expect(zip(alone, expected).allSatisfy { abs($0 - $1) <= 1e-9 * (1 + abs($1)) }, "\(name) row \(row)")
        }
    }

    /// A CatBoost batch walks each tree once for each leaf a block of rows reaches: a batch of several blocks, split
    /// across two threads, gives every row exactly what it gets alone.
    @Test(arguments: ["catboost-one-hot-multiclass-cbm", "catboost-binary"])
    func catboostRowsGetTheSameContributionsInAnyBatch(_ name: String) throws {
        let contents = try ArtifactStore(directory: Fixtures.root + "/" + name + "/model").open()
        let ir = try ModelReader.read(file: contents.files[0].path, bytes: contents.files[0].bytes).ir
        let model = try CPUBackend().compile(ir)
        let split = try CPUBackend(parallelism: RowParallelism(threadCount: 2, minimumParallelWork: 0, splitsOnlyWhenCoresAreFree: false)).compile(ir)
        let fixture = try ExplanationFixture(name, featureCount: model.featureCount, precision: model.featurePrecision).batch
        let copies = 700 / fixture.rowCount + 1, width = fixture.columnCount
        let large = FeatureBatch(rowCount: fixture.rowCount * copies, columnCount: width,
                                 values: Array([[Float]](repeating: fixture.values, count: copies).joined()),
                                 doubles: fixture.doubles.map { Array([[Double]](repeating: $0, count: copies).joined()) })
        let whole = try split.explain(large, as: .contributions)
        for row in 0..<fixture.rowCount {
            let one = FeatureBatch(rowCount: 1, columnCount: width, values: Array(fixture.values[row * width ..< (row + 1) * width]),
                                   doubles: fixture.doubles.map { Array($0[row * width ..< (row + 1) * width]) })
            let alone = Array(try model.explain(one, as: .contributions).values)
            for copy in 0..<copies { #expect(Array(whole.row(copy * fixture.rowCount + row)) == alone, "\(name) row \(row), copy \(copy)") }
        }
    }
}
