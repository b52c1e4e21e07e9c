import BerthCore
import BerthPickle

/// Pickled LightGBM: a `lightgbm.basic.Booster` keeps its model as the text `model_to_string` writes, under
/// `_handle` (`handle` before LightGBM 4), and the sklearn wrappers keep that Booster under `_Booster` and their
/// class labels under `_classes` (docs/model-formats.md §7.3).
extension PickledModelReader {
    static let lightgbmBooster = "lightgbm.basic.Booster"
    static let lightgbmWrappers: Set<String> = [
        "lightgbm.sklearn.LGBMClassifier", "lightgbm.sklearn.LGBMRegressor", "lightgbm.sklearn.LGBMRanker",
    ]

    static func lightgbmWrapper(_ tree: PickleTree, _ root: Int, _ wrapper: String, file: String,
                                parallelism: RowParallelism) throws(ModelReadError) -> LoadedModel {
        guard let booster = tree.attribute("_Booster", of: root), tree.className(of: booster) == lightgbmBooster else {
            throw ModelReadError(file: file, reason: "holds an unfitted \(wrapper) (no _Booster): fit it before saving it")
        }
        let labels = tree.attribute("_classes", of: root).flatMap { classLabels(tree, $0) }
        return try lightgbmBooster(tree, booster, file: file, container: wrapper, labels: labels, parallelism: parallelism)
    }

    /// The Booster's model text, cut to its `best_iteration` when early stopping set one: `Booster.predict`
    /// (and so the wrappers' `predict`) uses only those iterations, though the pickle holds every tree.
    static func lightgbmBooster(_ tree: PickleTree, _ index: Int, file: String, container: String?,
                                labels: ClassLabels?, parallelism: RowParallelism) throws(ModelReadError) -> LoadedModel {
        guard let handle = tree.attribute("_handle", of: index) ?? tree.attribute("handle", of: index),
              let text = tree.text(at: handle) else {
            throw ModelReadError(file: file, reason: "holds a lightgbm Booster without its model text (no \"_handle\" in its state)")
        }
        let origin = "pickled \(container ?? lightgbmBooster)"
        var inner = try LightGBMTextReader.read(file: file, bytes: Array(text.utf8), origin: origin, parallelism: parallelism)
        if let best = tree.attribute("best_iteration", of: index).flatMap({ tree.integer(at: $0) }), best > 0,
           case .doubleTrees(var forest) = inner.ir, best < forest.trees.count / forest.groupCount {
            forest.trees.removeLast(forest.trees.count - best * forest.groupCount)
            let (names, kinds) = (inner.featureNames, inner.featureKinds)
            inner = LoadedModel(ir: .doubleTrees(forest), format: inner.format, meaning: inner.meaning,
                                objectiveName: inner.objectiveName, kind: inner.kind, treeCount: forest.trees.count,
                                writerVersion: inner.writerVersion, votes: inner.votes)
            inner.featureNames = names
            inner.featureKinds = kinds
        }
        return try repackaged(inner, file: file, container: container ?? lightgbmBooster, labels: labels)
    }
}
