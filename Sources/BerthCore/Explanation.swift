/// What a request asks Berth to explain about each prediction (`explain=` in `X-Amzn-SageMaker-Custom-Attributes`,
/// or `BERTH_EXPLAIN`): docs/explanations.md.
public enum ExplanationKind: String, Sendable, CaseIterable {
    /// Exact path-dependent TreeSHAP: per output group, one value per feature and the bias last, in margin space,
    /// summing to the row's margin (xgboost's `pred_contribs`).
    case contributions
    /// The leaf each tree sends the row to, numbered as the model's library numbers its nodes (xgboost's `pred_leaf`).
    case leaves
    /// The raw sum of each output group before the objective's transform (xgboost's `output_margin`).
    case margin
}

/// The explanation of every row of a batch: per row, `groupCount` groups of `width` values, group after group.
///
/// Contributions have a group per output group and `features + 1` values in each; leaves one group of one value
/// per tree; margins a group per output group of one value each.
public struct Explanations: Sendable, Equatable {
    public let kind: ExplanationKind
    public let rowCount: Int
    public let groupCount: Int
    public let width: Int
    public let values: [Double]

    public init(kind: ExplanationKind, rowCount: Int, groupCount: Int, width: Int, values: [Double]) {
        precondition(values.count == rowCount * groupCount * width, "explanations must fill their shape")
        self.kind = kind
        self.rowCount = rowCount
        self.groupCount = groupCount
        self.width = width
        self.values = values
    }

    /// The rows of `blocks` (at least one, all of one kind and shape) one after another.
    public init(joining blocks: [Explanations]) {
        precondition(!blocks.isEmpty && blocks.allSatisfy { $0.kind == blocks[0].kind && $0.valuesPerRow == blocks[0].valuesPerRow },
                     "blocks of one kind and shape")
        guard blocks.count > 1 else { self = blocks[0]; return }
        self.init(kind: blocks[0].kind, rowCount: blocks.reduce(0) { $0 + $1.rowCount }, groupCount: blocks[0].groupCount,
                  width: blocks[0].width, values: blocks.flatMap(\.values))
    }

    /// Values a row holds: all its groups, flattened.
    public var valuesPerRow: Int { groupCount * width }

    /// Row `row`'s values, group after group.
    public func row(_ row: Int) -> ArraySlice<Double> {
        values[row * valuesPerRow ..< (row + 1) * valuesPerRow]
    }
}

/// Why a model cannot answer an explanation: a 400 for the request that asked.
public struct ExplanationRefusal: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
