import CBerthKernels

/// The walks a summed forest takes on this CPU — one for blocks of fewer than `blockRows` rows (the real-time case),
/// one for larger blocks — and why, for the model ready line and `berth inspect`. The float kernel chooses among
/// all its walks; the double kernel (`CompactDoubleForest`) among its four compact ones.
///
/// Measured at load: each walk the CPU and forest allow runs single-threaded on rows drawn around the model's own
/// thresholds (`SyntheticRows`), in turn for three rounds (`fastest`), best time kept, a walk more than twice as slow
/// as the leader dropped after the second; a few milliseconds in all for the reference model. The fastest of each
/// kind wins. The measured time a row of every candidate is kept in `reason`.
struct TreeWalkChoice: Sendable {
    /// From this many rows a block takes the block walk: as many rows as the C walks step at once.
    static let blockRows = Int(BERTH_COMPACT_WALKS_AT_ONCE)
    /// Rows the block walks are timed on.
    static let measuredBlockRows = 16
    /// Single rows the row walks are timed on, one after another.
    static let measuredSingleRows = 8
    /// Models with more features are not timed (the synthetic rows would take too much memory: a hostile file may
    /// declare hundreds of millions); they take the first walk of each kind in `choose`'s order, which needs no
    /// vector unit and wins on the CPUs measured so far.
    static let widestMeasuredRows = 1 << 16

    var fewRows: TreeWalk
    var block: TreeWalk
    var reason: String

    func walk(rowCount: Int) -> TreeWalk {
        rowCount < Self.blockRows ? fewRows : block
    }

    /// What a walk is timed on: `measuredSingleRows` rows one call each, or one block of `measuredBlockRows`.
    enum Trial { case singleRows, block }

    /// `preference`'s walks where they are available, else the fastest available walk of each kind by `time` (which
    /// runs one trial of a walk and returns the seconds taken).
    /// `featureCount` above `widestMeasuredRows` takes the first available walks unmeasured. `blockTrialRows` is the
    /// rows of a block trial, for the µs a row the reason gives.
    static func choose(preference: TreeWalkPreference, available: (TreeWalk) -> Bool, featureCount: Int = 0,
                       blockTrialRows: Int = measuredBlockRows, time: (TreeWalk, Trial) -> Double) -> TreeWalkChoice {
        var note = ""
        switch preference {
        case .measured:
            break
        case .fixed(let walk):
            if available(walk) { return TreeWalkChoice(fewRows: walk, block: walk, reason: "\(walk) (BERTH_TREE_WALK)") }
            note = "; BERTH_TREE_WALK=\(walk) is not available for this model on this CPU"
        case .pair(let block, let fewRows):
            if available(block) && available(fewRows) {
                return TreeWalkChoice(fewRows: fewRows, block: block, reason: "blocks: \(block); single rows: \(fewRows) (BERTH_TREE_WALK)")
            }
            note = "; BERTH_TREE_WALK=\(block),\(fewRows) is not available for this model on this CPU"
        }
        // The gathers on the packed nodes take the compact gathers' steps on nodes twice the size: timed only where
        // those are not available, so a load times as many walks as before the compact gathers came.
        let compactGathers = available(.compactTreesAVX512) || available(.compactTreesAVX2)
        let packedGathers: [TreeWalk] = compactGathers ? [] : [.avx512Gathers, .avx2Gathers]
        let rowWalks = ([TreeWalk.compactTrees, .compactTreesAVX512, .compactTreesAVX2] + packedGathers + [.packedTrees]).filter(available)
        let blockWalks = ([TreeWalk.compactRows, .compactRowsAVX512, .compactRowsAVX2] + packedGathers + [.packedRows]).filter(available)
        guard featureCount <= widestMeasuredRows else {
            return TreeWalkChoice(fewRows: rowWalks[0], block: blockWalks[0],
                                  reason: "blocks: \(blockWalks[0]); single rows: \(rowWalks[0]) (not measured: \(featureCount) features is too wide a row to time at load)\(note)")
        }
        let (fewRows, rowTable) = fastest(rowWalks, trial: .singleRows, rows: measuredSingleRows, time: time)
        let (block, blockTable) = fastest(blockWalks, trial: .block, rows: blockTrialRows, time: time)
        return TreeWalkChoice(fewRows: fewRows, block: block,
                              reason: "blocks: \(block) (µs a row: \(blockTable)); single rows: \(fewRows) (\(rowTable))\(note)")
    }

    /// Rounds of timing: each walk still in the running is timed once a round, in turn, and keeps its best time.
    static let measuredRounds = 3
    /// A walk whose best warm time is more than this many times the leader's cannot win and is not timed again.
    static let hopelessRatio = 2.0

    private static func fastest(_ walks: [TreeWalk], trial: Trial, rows: Int, time: (TreeWalk, Trial) -> Double) -> (TreeWalk, String) {
        guard walks.count > 1 else { return (walks[0], "the only walk here") }
        // Round-robin, so that a change in the clock speed falls on every walk alike; the first round also warms the
        // caches and each walk's code, and counts only if a later round is no faster.
        var best = [Double](repeating: .infinity, count: walks.count)
        var running = Array(walks.indices)
        var rounds = measuredRounds
        var round = 0
        while round < rounds, !running.isEmpty {
            for index in running { best[index] = min(best[index], time(walks[index], trial)) }
            let leader = best.min()!
            // A very large model is timed in two rounds, not three, to keep its load short.
            if round == 0, best.contains(where: { $0 > 0.005 }) { rounds = 2 }
            // Only warm times rule a walk out: after the first round the leader's own time may be a cold one.
            if round > 0 { running.removeAll { best[$0] > hopelessRatio * leader } }
            round += 1
        }
        let winner = best.indices.min { best[$0] < best[$1] }!
        let cells = walks.indices.map { "\(walks[$0]) \(formatted(best[$0] / Double(rows) * 1e6))" }
        return (walks[winner], cells.joined(separator: ", "))
    }

    /// Microseconds to a tenth, as the ready line gives them.
    static func formatted(_ microseconds: Double) -> String {
        let tenths = Int((microseconds * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
