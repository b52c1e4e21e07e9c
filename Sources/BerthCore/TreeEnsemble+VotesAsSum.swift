extension TreeEnsemble {
    /// Whether a sum of votes gives the same bits as a plain sum, so it may be walked as one (`.sum`: the CPU's C
    /// walks, the GPU's plain sums): every leaf votes with a finite value (as weighted), every output has a tree, and
    /// the base margins are +0 — as for scikit-learn's random forests and gradient boosting. Votes skip NaN leaves (a
    /// running NaN, from +inf and -inf, too) and add the base margin last; with finite leaves and a +0 base,
    /// `((+0 + a) + b) + …` and `((a + b) + …) + 0` differ at most in the sign of a zero sum, which adding the +0
    /// base last makes +0 in both.
    public var votesAreAPlainSum: Bool {
        combination == .sumOfVotes
            && baseMargins.allSatisfy { $0.bitPattern == 0 }
            && Set(treeGroups) == Set(0..<groupCount)
            && zip(trees, treeWeights).allSatisfy { tree, weight in
                tree.values.indices.allSatisfy { tree.leftChildren[$0] >= 0 || (tree.values[$0] * weight).isFinite }
            }
    }
}
