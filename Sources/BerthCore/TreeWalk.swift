import CBerthKernels

/// The ways the tree kernel can walk a summed forest of numerical splits. Each takes the same decision at every
/// node and adds the leaves in tree order, so all give the same sums; which is fastest depends on the CPU (vector
/// gathers are quick on Intel's AVX-512 and slow on AMD's AVX2, and the C walks need no vector unit at all) and on
/// the model, so `TreeWalkChoice` times them on the model at load. The names are `BERTH_TREE_WALK`'s values.
public enum TreeWalk: String, Sendable, CaseIterable, CustomStringConvertible {
    /// Eight rows down one tree at a time, trees outer, in C on the compact nodes (`CompactForest`).
    case compactRows = "compact-rows"
    /// The block's rows down one tree at a time with AVX-512 gathers, a row a lane, 64 rows in flight, on the compact
    /// nodes; a small block walks several trees at once.
    case compactRowsAVX512 = "compact-rows-avx512"
    /// The same with AVX2 gathers.
    case compactRowsAVX2 = "compact-rows-avx2"
    /// One row down eight trees at a time, in C on the compact nodes.
    case compactTrees = "compact-trees"
    /// One row down 64 trees at a time with AVX-512 gathers, one tree a lane, on the compact nodes.
    case compactTreesAVX512 = "compact-trees-avx512"
    /// The same with AVX2 gathers.
    case compactTreesAVX2 = "compact-trees-avx2"
    /// One row down 64 trees at a time with AVX-512 gathers, one tree a lane, on the packed nodes.
    case avx512Gathers = "avx512-gathers"
    /// The same with AVX2 gathers.
    case avx2Gathers = "avx2-gathers"
    /// The block's rows down one tree in lockstep, in Swift on the packed nodes: forests without a compact form.
    case packedRows = "packed-rows"
    /// One row down 32 trees at a time in Swift on the packed nodes: forests without a compact form.
    case packedTrees = "packed-trees"

    public var description: String { rawValue }

    /// The instruction set `berth_forest_walk_row_using` takes for a gather walk, else nil.
    var gatherInstructionSet: Int32? {
        switch self {
        case .avx512Gathers: 2
        case .avx2Gathers: 1
        default: nil
        }
    }

    /// The instruction set `berth_compact_forest_sum_rows_using` takes for a compact gather walk, else nil.
    var compactGatherInstructionSet: Int32? {
        switch self {
        case .compactRowsAVX512, .compactTreesAVX512: 2
        case .compactRowsAVX2, .compactTreesAVX2: 1
        default: nil
        }
    }

    /// Whether the walk reads the compact nodes (`CompactForest`), which are given back when no chosen walk does.
    var readsCompactNodes: Bool {
        switch self {
        case .compactRows, .compactTrees, .compactRowsAVX512, .compactRowsAVX2, .compactTreesAVX512, .compactTreesAVX2: true
        default: false
        }
    }

    /// Whether this CPU and forest can take the walk (`compact`: the forest has a compact form; `nodeCount`: the
    /// packed forest's nodes, which gathers index as 32-bit byte offsets).
    static func isAvailable(_ walk: TreeWalk, compact: Bool, nodeCount: Int) -> Bool {
        switch walk {
        case .compactRows, .compactTrees: compact
        case .compactRowsAVX512, .compactTreesAVX512: compact && berth_forest_walk_isa() >= 2
        case .compactRowsAVX2, .compactTreesAVX2: compact && berth_forest_walk_isa() >= 1
        case .packedRows, .packedTrees: !compact
        case .avx512Gathers: nodeCount < 1 << 30 && berth_forest_walk_isa() >= 2
        case .avx2Gathers: nodeCount < 1 << 30 && berth_forest_walk_isa() >= 1
        }
    }
}

/// Which walks a tree kernel takes: `BERTH_TREE_WALK` either leaves them to measurement at load (the default), or
/// names one walk for every block, or two — one for blocks of `TreeWalkChoice.blockRows` rows or more and one for
/// fewer, the pair a measured load's ready line names — where the forest and CPU allow them. Named walks skip the
/// measurement, a few milliseconds of a cold start.
public enum TreeWalkPreference: Sendable, Equatable {
    case measured
    case fixed(TreeWalk)
    case pair(block: TreeWalk, fewRows: TreeWalk)
}
