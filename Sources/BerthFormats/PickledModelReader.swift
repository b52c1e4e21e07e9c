import BerthCore
import BerthJSON
import BerthPickle
import BerthText

/// Reads the XGBoost and LightGBM models Python pickled (and joblib dumped) without unpickling them: the stream is
/// read as data (`PickleTree`), the model is recognised by exact class names only, and the model bytes in its state
/// go to the readers of those formats. Anything else is refused naming the classes found (docs/model-formats.md §7).
///
/// A `Booster`'s state holds the model as `save_raw` gave it, whose layout changed across xgboost versions: 0.90
/// the bare legacy binary, 1.0 – 1.2 `CONFIG-offset:` with the legacy binary and a JSON configuration, 1.3 – 1.6 a
/// JSON snapshot, 1.7 and later a UBJSON snapshot (`{"Config": …, "Model": …}`).
enum PickledModelReader {
    /// The classes whose state holds a `Booster` under `_Booster`, and their class labels under `classes_`.
    static let xgboostWrappers: Set<String> = [
        "xgboost.sklearn.XGBClassifier", "xgboost.sklearn.XGBRegressor", "xgboost.sklearn.XGBRFClassifier",
        "xgboost.sklearn.XGBRFRegressor", "xgboost.sklearn.XGBRanker",
    ]
    static let xgboostBooster = "xgboost.core.Booster"

    /// The model a pickle holds; its trees read on `parallelism`'s threads, as a model file's are (`ModelReader`).
    static func read(file: String, bytes: [UInt8], parallelism: RowParallelism = RowParallelism(threadCount: 1)) throws(ModelReadError) -> LoadedModel {
        let fail = { (reason: String) in ModelReadError(file: file, reason: reason) }
        let tree: PickleTree
        do {
            tree = try PickleTree.read(bytes)
        } catch {
            throw fail("is a Python pickle Berth cannot read (\(error)); Berth reads pickles of protocols 2 to 5 and joblib files, never running them")
        }
        let root = tree.root
        let className = tree.className(of: root)
        switch className {
        case xgboostBooster?:
            return try booster(tree, root, file: file, container: nil, labels: nil, parallelism: parallelism)
        case lightgbmBooster?:
            return try lightgbmBooster(tree, root, file: file, container: nil, labels: nil, parallelism: parallelism)
        case let wrapper? where lightgbmWrappers.contains(wrapper):
            return try lightgbmWrapper(tree, root, wrapper, file: file, parallelism: parallelism)
        case let wrapper? where xgboostWrappers.contains(wrapper):
            guard let booster = tree.attribute("_Booster", of: root) else {
                throw fail("holds an unfitted \(wrapper) (no _Booster): fit it before saving it")
            }
            let labels = tree.attribute("classes_", of: root).flatMap { classLabels(tree, $0) }
            // xgboost 0.90 – 1.2's wrappers kept early stopping's `best_ntree_limit` themselves and passed it to the
            // Booster's `predict`; their legacy binary model holds no `best_iteration` to stop at.
            let ntreeLimit = tree.attribute("best_ntree_limit", of: root).flatMap { tree.integer(at: $0) }
            if case .object = tree[booster], tree.className(of: booster) == xgboostBooster {
                return try self.booster(tree, booster, file: file, container: wrapper, labels: labels, ntreeLimit: ntreeLimit,
                                        parallelism: parallelism)
            }
            // xgboost 0.90 – 1.x pickled some wrappers with the raw model bytes in place of the Booster.
            guard let raw = tree.bytes(at: booster) else { throw fail("holds a \(wrapper) whose _Booster Berth cannot read") }
            return try model(raw: raw, file: file, container: wrapper, labels: labels, featureNames: nil, ntreeLimit: ntreeLimit,
                             parallelism: parallelism)
        default:
            throw fail(refusal(tree, rootClass: className))
        }
    }

    private static func booster(_ tree: PickleTree, _ index: Int, file: String, container: String?,
                                labels: ClassLabels?, ntreeLimit: Int? = nil, parallelism: RowParallelism) throws(ModelReadError) -> LoadedModel {
        guard let handle = tree.attribute("handle", of: index), let raw = tree.bytes(at: handle) else {
            throw ModelReadError(file: file, reason: "holds an xgboost Booster without its model bytes (no \"handle\" in its state)")
        }
        let names = tree.attribute("feature_names", of: index).flatMap { names -> [String]? in
            guard case .list(let items) = tree[names] else { return nil }
            let texts = items.compactMap { tree.text(at: $0) }
            return texts.count == items.count ? texts : nil
        }
        return try model(raw: raw, file: file, container: container ?? xgboostBooster, labels: labels, featureNames: names,
                         ntreeLimit: ntreeLimit, parallelism: parallelism)
    }

    /// The model in a Booster's raw bytes, repackaged as a pickled model of `container`.
    private static func model(raw: [UInt8], file: String, container: String, labels: ClassLabels?,
                              featureNames: [String]?, ntreeLimit: Int?, parallelism: RowParallelism) throws(ModelReadError) -> LoadedModel {
        // A scikit-learn wrapper's `predict` stops at the booster's `best_iteration` (1.3 on) or at its own
        // `best_ntree_limit` (0.90 – 1.2, which only a wrapper passes here) when early stopping set one (the Booster's
        // own `predict` uses every tree): a wrapper is served as its `predict` answers.
        let isWrapper = container != xgboostBooster
        var loaded = try repackaged(try readRaw(raw, file: file, stopsAtBestIteration: isWrapper, ntreeLimit: ntreeLimit, parallelism: parallelism),
                                    file: file, container: container, labels: labels)
        if loaded.featureNames == nil, let featureNames, featureNames.count == loaded.ir.featureCount,
           featureNames != (0..<featureNames.count).map({ "f\($0)" }) {
            loaded.featureNames = featureNames
        }
        return loaded
    }

    /// A model read from a pickle's state, said to be a pickled `container` and given the wrapper's class labels.
    static func repackaged(_ inner: LoadedModel, file: String, container: String, labels: ClassLabels?) throws(ModelReadError) -> LoadedModel {
        var meaning = inner.meaning
        if let labels {
            switch inner.meaning {
            case .classProbabilities(let own) where own.count == labels.count:
                meaning = .classProbabilities(labels: labels)
            case .classProbabilities(let own):
                throw ModelReadError(file: file, reason: "holds a \(container) with \(labels.count) classes but a model of \(own.count) classes")
            default:
                break
            }
        }
        let binaryLabels = labels.flatMap { labels in inner.meaning.classCount == 2 && labels.count == 2 ? labels : nil }
        var loaded = LoadedModel(ir: inner.ir, format: .pythonPickle, meaning: meaning, objectiveName: inner.objectiveName,
                                 kind: "\(inner.kind) in \(container)", treeCount: inner.treeCount,
                                 writerVersion: inner.writerVersion, votes: inner.votes)
        loaded.featureNames = inner.featureNames
        loaded.featureKinds = inner.featureKinds
        loaded.classLabels = binaryLabels ?? inner.classLabels
        loaded.unseenCategories = inner.unseenCategories
        return loaded
    }

    static let configurationHeader = Array("CONFIG-offset:".utf8)

    /// `save_raw`'s bytes in each version's layout.
    private static func readRaw(_ raw: [UInt8], file: String, stopsAtBestIteration: Bool,
                                ntreeLimit: Int?, parallelism: RowParallelism) throws(ModelReadError) -> LoadedModel {
        if raw.starts(with: configurationHeader) {
            let start = configurationHeader.count + 8
            guard raw.count >= start else { throw ModelReadError(file: file, reason: "holds a Booster whose CONFIG-offset: header is truncated") }
            var offset = 0
            for index in 0..<8 { offset |= Int(raw[configurationHeader.count + index]) << (8 * index) }
            guard offset >= 0, offset <= raw.count - start else {
                throw ModelReadError(file: file, reason: "holds a Booster whose CONFIG-offset: \(offset) runs past its \(raw.count) bytes")
            }
            return try XGBoostLegacyBinaryReader.read(file: file, bytes: Array(raw[start ..< start + offset]), magic: .optional,
                                                      ntreeLimit: ntreeLimit)
        }
        switch ModelFormat.detect(raw) {
        case .xgboostJSON:
            let document: JSONValue
            do { document = try JSONReader.parse(raw, allowsNonFiniteNumbers: true) } catch {
                throw ModelReadError(file: file, reason: "holds a Booster whose JSON snapshot is not valid JSON (\(error))")
            }
            return try XGBoostJSONModelDecoder.decode(document["Model"] ?? document, file: file, format: .xgboostJSON,
                                                      stopsAtBestIteration: stopsAtBestIteration, parallelism: parallelism)
        case .xgboostUBJSON:
            let parsed: (document: JSONValue, lists: [ListedObjects])
            do { parsed = try UBJSONReader.parse(raw, listingObjectsUnder: XGBoostJSONModelDecoder.treesKey) } catch {
                throw ModelReadError(file: file, reason: "holds a Booster whose UBJSON snapshot is not valid UBJSON (\(error))")
            }
            let wrapped = parsed.document["Model"]
            return try XGBoostJSONModelDecoder.decode(wrapped ?? parsed.document, listedTrees: parsed.lists.map(ListedTrees.init),
                                                      documentPath: wrapped == nil ? [] : ["Model"], file: file, format: .xgboostUBJSON,
                                                      stopsAtBestIteration: stopsAtBestIteration, parallelism: parallelism)
        default:
            // xgboost 0.90 kept the legacy binary without its `binf` magic.
            return try XGBoostLegacyBinaryReader.read(file: file, bytes: raw, magic: .optional, ntreeLimit: ntreeLimit)
        }
    }

    /// A wrapper's `classes_`: integers when every class is a whole number, else their text.
    static func classLabels(_ tree: PickleTree, _ index: Int) -> ClassLabels? {
        guard let array = tree.ndarray(at: index), array.shape.count == 1 else { return nil }
        if let numbers = array.numbers() {
            let integers = numbers.compactMap { Int(exactly: $0) }
            return integers.count == numbers.count ? .integers(integers) : .strings(numbers.map { "\($0)" })
        }
        return array.strings(in: tree).map { .strings($0) }
    }

    /// Why a pickle of something else is refused, naming what it holds and the way out.
    private static func refusal(_ tree: PickleTree, rootClass: String?) -> String {
        let found = tree.classesFound().map { $0.excerpt() }
        let holds = rootClass.map { $0.excerpt() } ?? describe(tree[tree.root])
        let others = found.filter { $0 != holds && !isPlumbing($0) }.prefix(6)
        let inside = others.isEmpty ? "" : " (with \(others.joined(separator: ", ")))"
        let wayOut: String
        if let model = found.first(where: { $0.hasPrefix("xgboost.") && $0 != "xgboost.core.Booster" })
            ?? found.first(where: { $0 == "xgboost.core.Booster" }) {
            wayOut = """
                It wraps an \(model): package that model alone (save it with `.save_model("xgboost-model.json")`, \
                or pickle it by itself) and do the other steps before calling the endpoint, or export the whole \
                \(holds) to ONNX (skl2onnx with onnxmltools' XGBoost converter)
                """
        } else if let model = found.first(where: { $0.hasPrefix("lightgbm.") }) {
            wayOut = """
                It wraps a \(model): package that model alone (save its booster with `.save_model("model.txt")`, \
                or pickle it by itself) and do the other steps before calling the endpoint, or export the whole \
                \(holds) to ONNX (skl2onnx with onnxmltools' LightGBM converter)
                """
        } else {
            wayOut = "Export it to ONNX (skl2onnx) and package the .onnx file instead"
        }
        return """
            is a pickle holding \(holds)\(inside), which Berth does not run: Berth reads pickled xgboost and lightgbm \
            Boosters, XGBClassifier/XGBRegressor/XGBRFClassifier/XGBRFRegressor/XGBRanker and \
            LGBMClassifier/LGBMRegressor/LGBMRanker without running them. \(wayOut)
            """
    }

    /// Classes every pickle of numpy data holds; naming them would bury the ones that matter.
    private static func isPlumbing(_ className: String) -> Bool {
        ["numpy.", "builtins.", "copyreg.", "_codecs.", "collections."].contains { className.hasPrefix($0) }
    }

    private static func describe(_ node: PickleNode) -> String {
        switch node {
        case .dict: "a dict"
        case .list: "a list"
        case .tuple: "a tuple"
        case .set: "a set"
        case .string: "a str"
        case .bytes: "bytes"
        case .none: "None"
        default: "a plain value"
        }
    }
}
