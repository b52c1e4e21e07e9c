import BerthCore
import BerthJSON
import BerthText

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads LightGBM's text model (`Booster.save_model`, `model.txt`, also the text inside a pickled booster) into a
/// `DoubleForest` (docs/model-formats.md §4).
///
/// The file is a header of `key=value` lines (`num_class`, `num_tree_per_iteration`, `max_feature_idx`,
/// `objective`, `average_output`, `feature_names`), one block per tree (`Tree=N` then `key=value` lines up to a
/// blank line: `num_leaves`, `split_feature`, `threshold`, `decision_type`, `left_child`, `right_child`,
/// `leaf_value`, `cat_boundaries`, `cat_threshold`, and for linear trees `leaf_const`, `num_features`,
/// `leaf_features`, `leaf_coeff`), `end of trees`, then the training parameters. Numbers are read as LightGBM
/// reads them — doubles correctly rounded — so thresholds and leaf values are the library's own bits. Every
/// array must hold exactly the count its tree implies; anything else is refused naming the tree and the key.
public enum LightGBMTextReader {
    /// Whether `bytes` start like a LightGBM text model: a first line that is `tree`.
    public static func looksLikeLightGBM(_ bytes: [UInt8]) -> Bool {
        bytes.starts(with: Array("tree\n".utf8)) || bytes.starts(with: Array("tree\r\n".utf8))
    }

    /// Reads the model; `origin` says where the text came from when it was not the file itself (a pickle).
    public static func read(file: String, bytes: [UInt8], origin: String? = nil,
                            parallelism: RowParallelism = RowParallelism(threadCount: 1)) throws(ModelReadError) -> LoadedModel {
        let result = bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(ModelReadError) in
                var reader = Parser(text: buffer, file: file, origin: origin)
                return try reader.model(parallelism: parallelism)
            }
        }
        return try result.get()
    }

    /// The parse of one file: its lines, consumed in order, but for the trees' blocks, which are read each on its own
    /// (on several threads for a large model: `@unchecked`, since they only read `text` and `lines`).
    private struct Parser: @unchecked Sendable {
        let text: UnsafeBufferPointer<UInt8>
        let file: String
        let origin: String?
        var lines: [Range<Int>] = []
        var next = 0

        init(text: UnsafeBufferPointer<UInt8>, file: String, origin: String?) {
            self.text = text
            self.file = file
            self.origin = origin
            var start = 0
            while start < text.count {
                // memchr: a 10 MB model's line ends found a byte at a time were 6 % of its load.
                let end = memchr(text.baseAddress! + start, Int32(UInt8(ascii: "\n")), text.count - start)
                    .map { text.baseAddress!.distance(to: $0.assumingMemoryBound(to: UInt8.self)) } ?? text.count
                let lineEnd = end > start && text[end - 1] == UInt8(ascii: "\r") ? end - 1 : end
                lines.append(start..<lineEnd)
                start = end + 1
            }
        }

        func refuse(_ problem: String) -> ModelReadError {
            let subject = origin.map { "holds a LightGBM model (\($0)) that" } ?? "is a LightGBM model that"
            return ModelReadError(file: file, reason: "\(subject) \(problem): the file may be truncated or corrupt; save it again with booster.save_model")
        }

        func string(_ range: Range<Int>) -> String {
            String(decoding: UnsafeBufferPointer(rebasing: text[range]), as: UTF8.self)
        }

        /// Splits a `key=value` line at its first `=`.
        func keyValue(_ line: Range<Int>) -> (key: String, value: Range<Int>)? {
            guard let equals = text[line].firstIndex(of: UInt8(ascii: "=")) else { return nil }
            return (string(line.lowerBound..<equals), equals + 1..<line.upperBound)
        }

        mutating func model(parallelism: RowParallelism) throws(ModelReadError) -> LoadedModel {
            var header = [String: Range<Int>]()
            while next < lines.count, !text[lines[next]].starts(with: "Tree=".utf8), !isEndOfTrees(lines[next]) {
                if let (key, value) = keyValue(lines[next]) { header[key] = value }
                else if !lines[next].isEmpty { header[string(lines[next])] = lines[next].upperBound..<lines[next].upperBound }
                next += 1
            }
            let classCount = try headerInteger(header, "num_class")
            let groupCount = header["num_tree_per_iteration"] != nil ? try headerInteger(header, "num_tree_per_iteration") : classCount
            let maxFeatureIndex = try headerInteger(header, "max_feature_idx")
            guard maxFeatureIndex >= 0, maxFeatureIndex < LoadedModel.maxFeatureCount else {
                throw refuse("has max_feature_idx \(maxFeatureIndex)")
            }
            let featureCount = maxFeatureIndex + 1
            guard classCount >= 1, groupCount >= 1, groupCount <= 1 << 16 else {
                throw refuse("has num_class \(classCount) and num_tree_per_iteration \(groupCount)")
            }
            guard featureCount >= 1, featureCount <= LoadedModel.maxFeatureCount else {
                throw refuse("takes \(featureCount) features")
            }
            let objectiveLine = header["objective"].map(string) ?? "custom"
            guard let objective = LightGBMObjective(line: objectiveLine) else {
                throw ModelReadError(file: file, reason: """
                    has the LightGBM objective \(quoted: objectiveLine), which Berth does not know: LightGBM's \
                    objectives are regression, regression_l1, huber, fair, quantile, mape, poisson, gamma, tweedie, binary, \
                    cross_entropy, cross_entropy_lambda, multiclass, multiclassova, lambdarank and rank_xendcg
                    """)
            }
            // Each `Tree=N` block's lines, up to the first blank one; then the blocks read on `parallelism`'s threads,
            // the work weighed as the file's bytes (a byte's parse costs about a walk's step), the lowest bad tree named
            // as when they are read in order.
            var blocks = [Range<Int>]()
            while next < lines.count, text[lines[next]].starts(with: "Tree=".utf8) {
                let start = next + 1
                next = start
                while next < lines.count, !lines[next].isEmpty { next += 1 }
                blocks.append(start..<next)
                while next < lines.count, lines[next].isEmpty { next += 1 }
            }
            let (parser, treeBlocks) = (self, blocks)
            let trees = try parallelism.map(count: treeBlocks.count, work: text.count) { index throws(ModelReadError) in
                try parser.tree(lines: treeBlocks[index], index: index, featureCount: featureCount)
            }
            guard !trees.isEmpty else { throw refuse("holds no trees") }
            guard trees.count % groupCount == 0 else {
                throw refuse("has \(trees.count) trees, not a whole number of iterations of \(groupCount)")
            }
            let parameters = trailingParameters()
            let averages = header["average_output"] != nil
            let forest = DoubleForest(featureCount: featureCount, groupCount: groupCount, trees: trees,
                                      averagesIterations: averages, transform: objective.transform)
            var loaded = LoadedModel(ir: .doubleTrees(forest), format: .lightgbmText, meaning: objective.meaning(classCount: groupCount),
                                     objectiveName: objective.name, kind: averages ? "rf" : parameters["boosting"] ?? "gbdt",
                                     treeCount: trees.count, writerVersion: header["version"].map { "LightGBM model text \(string($0))" })
            loaded.featureNames = try featureNames(header, count: featureCount)
            loaded.featureKinds = LightGBMFeatureKinds.read(featureInfos: header["feature_infos"].map(string),
                                                            pandasCategorical: pandasCategorical(), featureCount: featureCount)
            return loaded
        }

        func isEndOfTrees(_ line: Range<Int>) -> Bool {
            text[line].elementsEqual("end of trees".utf8)
        }

        func headerInteger(_ header: [String: Range<Int>], _ key: String) throws(ModelReadError) -> Int {
            guard let range = header[key], let value = Int(string(range)) else {
                throw refuse("has no \(key) line with a number before its trees")
            }
            return value
        }

        /// The names LightGBM was given, or nil when they are its defaults (`Column_0`, `Column_1`, …).
        func featureNames(_ header: [String: Range<Int>], count: Int) throws(ModelReadError) -> [String]? {
            guard let range = header["feature_names"] else { return nil }
            let names = string(range).split(separator: " ").map(String.init)
            guard names.count == count else { throw refuse("names \(names.count) features but takes \(count)") }
            return names.enumerated().allSatisfy { $1 == "Column_\($0)" } ? nil : names
        }

        /// The text after `pandas_categorical:`, the last line LightGBM writes (after the parameters), when there is one.
        func pandasCategorical() -> String? {
            let prefix = "pandas_categorical:".utf8
            guard let line = lines.last(where: { !$0.isEmpty }), text[line].starts(with: prefix) else { return nil }
            return string(line.lowerBound + prefix.count ..< line.upperBound)
        }

        /// `[key: value]` lines of the `parameters:` section after the trees.
        mutating func trailingParameters() -> [String: String] {
            var parameters = [String: String]()
            while next < lines.count {
                let line = string(lines[next])
                next += 1
                guard line.hasPrefix("["), line.hasSuffix("]"), let colon = line.firstIndex(of: ":") else { continue }
                let key = String(line[line.index(after: line.startIndex)..<colon])
                parameters[key] = line[line.index(after: colon)..<line.index(before: line.endIndex)].trimmingWhitespace()
            }
            return parameters
        }

        /// One `Tree=N` block: `block`, the indices of its lines (up to the first blank one).
        func tree(lines block: Range<Int>, index: Int, featureCount: Int) throws(ModelReadError) -> DoubleTree {
            var fields = [String: Range<Int>]()
            for line in block {
                guard let (key, value) = keyValue(lines[line]) else { throw refuse("has a line in tree \(index) that is not key=value") }
                fields[key] = value
            }
            let block = TreeBlock(parser: self, fields: fields, index: index)
            let leafCount = try block.integer("num_leaves")
            guard leafCount >= 1, leafCount <= 1 << 24 else { throw refuse("has \(leafCount) leaves in tree \(index)") }
            let categoricalCount = try block.integer("num_cat")
            guard categoricalCount >= 0, categoricalCount < leafCount else {
                throw refuse("has num_cat \(categoricalCount) in tree \(index), of \(leafCount - 1) splits")
            }
            var isLinear = false
            if fields["is_linear"] != nil { isLinear = try block.integer("is_linear") != 0 }
            let leafValues = try block.doubles("leaf_value", count: leafCount)
            let linearLeaves = isLinear ? try block.linearLeaves(leafCount: leafCount) : nil
            // The rows that reached each node, for explanations; a file without them (or with other counts) explains no
            // contributions.
            let leafCounts = fields["leaf_count"] != nil ? try? block.doubles("leaf_count", count: leafCount) : nil
            guard leafCount > 1 else {
                return DoubleTree(splitFeatures: [], thresholds: [], leftChildren: [], rightChildren: [], rules: [],
                                  leafValues: leafValues, linearLeaves: linearLeaves,
                                  counts: leafCounts.map { DoubleTree.NodeCounts(splits: [], leaves: $0) })
            }
            let splits = leafCount - 1
            let splitFeatures = try block.integers("split_feature", count: splits)
            let thresholds = try block.doubles("threshold", count: splits)
            let decisionTypes = fields["decision_type"] != nil ? try block.integers("decision_type", count: splits) : Array(repeating: 0, count: splits)
            var rules = [DoubleSplitRule]()
            var bitsets = [Int: [UInt32]]()
            let boundaries = categoricalCount > 0 ? try block.integers("cat_boundaries", count: categoricalCount + 1) : []
            let words = categoricalCount > 0 ? try block.words("cat_threshold", count: Int(boundaries.last ?? 0)) : []
            // LightGBM gives each categorical split a set of its own, so the sets copied add up to `words` at most:
            // splits sharing one long set cannot copy it over and over.
            var wordsCopied = 0
            for split in 0..<splits {
                let decision = decisionTypes[split]
                guard decision >= 0, decision < 16, let missing = DoubleSplitRule.Missing(rawValue: UInt8(decision >> 2) & 3) else {
                    throw refuse("has decision type \(decision) in tree \(index)")
                }
                let isCategorical = decision & 1 != 0
                rules.append(DoubleSplitRule(isCategorical: isCategorical, missing: missing, defaultLeft: decision & 2 != 0))
                if isCategorical {
                    let set = thresholds[split]
                    guard set >= 0, set < Double(categoricalCount), let setIndex = Int(exactly: set),
                          boundaries[setIndex] >= 0, boundaries[setIndex] <= boundaries[setIndex + 1],
                          Int(boundaries[setIndex + 1]) <= words.count else {
                        throw refuse("has a categorical split in tree \(index) whose category set is out of range")
                    }
                    let setWords = Int(boundaries[setIndex])..<Int(boundaries[setIndex + 1])
                    wordsCopied += setWords.count
                    guard wordsCopied <= words.count else {
                        throw refuse("has categorical splits in tree \(index) that share category sets")
                    }
                    bitsets[split] = Array(words[setWords])
                }
            }
            let splitCounts = fields["internal_count"] != nil ? try? block.doubles("internal_count", count: splits) : nil
            let counts = splitCounts.flatMap { splitCounts in leafCounts.map { DoubleTree.NodeCounts(splits: splitCounts, leaves: $0) } }
            return DoubleTree(splitFeatures: splitFeatures, thresholds: thresholds,
                              leftChildren: try block.integers("left_child", count: splits),
                              rightChildren: try block.integers("right_child", count: splits),
                              rules: rules, categoryBitsets: bitsets, leafValues: leafValues, linearLeaves: linearLeaves,
                              counts: counts)
        }
    }

    /// The `key=value` fields of one tree, read as arrays of exactly the count the tree implies.
    private struct TreeBlock {
        let parser: Parser
        let fields: [String: Range<Int>]
        let index: Int

        func field(_ key: String) throws(ModelReadError) -> Range<Int> {
            guard let range = fields[key] else { throw parser.refuse("has no \(key) in tree \(index)") }
            return range
        }

        func integer(_ key: String) throws(ModelReadError) -> Int {
            guard let value = Int(parser.string(try field(key))) else { throw parser.refuse("has a \(key) in tree \(index) that is not a number") }
            return value
        }

        func integers(_ key: String, count: Int) throws(ModelReadError) -> [Int32] {
            try values(key, count: count, each: "an integer", parse: Self.decimal)
        }

        func words(_ key: String, count: Int) throws(ModelReadError) -> [UInt32] {
            guard count >= 0 else { throw parser.refuse("has a negative \(key) length in tree \(index)") }
            return try values(key, count: count, each: "a bitset word", parse: Self.decimal)
        }

        /// The decimal integer a field's rest starts with, up to its next space, and the bytes it spans.
        private static func decimal<Value: FixedWidthInteger>(_ rest: UnsafeBufferPointer<UInt8>) -> (Value, Int)? {
            let length = rest.firstIndex(of: UInt8(ascii: " ")) ?? rest.count
            return Value(decimal: UnsafeBufferPointer(rebasing: rest[..<length])).map { ($0, length) }
        }

        /// Doubles as LightGBM reads them, correctly rounded; NaN is no threshold or leaf value. A plain number and the
        /// space after it are read in one pass (`DecimalText.parsePlainPrefix`), any other token whole.
        func doubles(_ key: String, count: Int) throws(ModelReadError) -> [Double] {
            try values(key, count: count, each: "a number") { rest in
                if let (value, length) = DecimalText.parsePlainPrefix(rest), length == rest.count || rest[length] == UInt8(ascii: " ") {
                    return (value, length)
                }
                let length = rest.firstIndex(of: UInt8(ascii: " ")) ?? rest.count
                return DecimalText.parseDouble(UnsafeBufferPointer(rebasing: rest[..<length])).flatMap { $0.isNaN ? nil : ($0, length) }
            }
        }

        /// The `count` space-separated values of a field, refusing any other count. `parse` reads a value from where it
        /// starts (the rest of the field), giving it and the bytes it spans, which must end at a space or the field's
        /// end; a value it cannot read is refused as not `each`.
        private func values<Value>(_ key: String, count: Int, each: String,
                                   parse: (UnsafeBufferPointer<UInt8>) -> (Value, Int)?) throws(ModelReadError) -> [Value] {
            let range = try field(key)
            var values = [Value]()
            // A value takes at least a byte and a space: a count larger than the field can hold reserves no more.
            values.reserveCapacity(min(max(count, 0), range.count / 2 + 1))
            var start = range.lowerBound
            while start < range.upperBound {
                if parser.text[start] == UInt8(ascii: " ") {
                    start += 1
                    continue
                }
                guard values.count < count else { throw parser.refuse("has more than \(count) values in \(key) of tree \(index)") }
                let rest = UnsafeBufferPointer(rebasing: parser.text[start..<range.upperBound])
                guard let (value, length) = parse(rest), length > 0,
                      length == rest.count || rest[length] == UInt8(ascii: " ") else {
                    throw parser.refuse("has a value in \(key) of tree \(index) that is not \(each)")
                }
                values.append(value)
                start += length
            }
            guard values.count == count else { throw parser.refuse("has \(values.count) values in \(key) of tree \(index), not \(count)") }
            return values
        }

        /// `leaf_const`, `num_features`, `leaf_features` and `leaf_coeff` of a linear tree.
        func linearLeaves(leafCount: Int) throws(ModelReadError) -> [DoubleTree.LinearLeaf] {
            let constants = try doubles("leaf_const", count: leafCount)
            let featureCounts = try integers("num_features", count: leafCount)
            guard featureCounts.allSatisfy({ $0 >= 0 }) else { throw parser.refuse("has a negative num_features in tree \(index)") }
            let total = featureCounts.reduce(0) { $0 + Int($1) }
            let features = total > 0 ? try integers("leaf_features", count: total) : []
            let coefficients = total > 0 ? try doubles("leaf_coeff", count: total) : []
            var leaves = [DoubleTree.LinearLeaf]()
            var start = 0
            for leaf in 0..<leafCount {
                let end = start + Int(featureCounts[leaf])
                leaves.append(DoubleTree.LinearLeaf(constant: constants[leaf], features: Array(features[start..<end]),
                                                    coefficients: Array(coefficients[start..<end])))
                start = end
            }
            return leaves
        }
    }
}
