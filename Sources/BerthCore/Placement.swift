/// Where a compiled model, or one dense layer of it, runs its batches: what the `model ready` log line and
/// `berth inspect` report.
///
/// Every `CompiledModel` and `DenseLayer` states its own placement — there is no default — so a new kind of model
/// cannot be reported as running on the CPU when it does not.
public enum Placement: Sendable, Equatable, CustomStringConvertible {
    /// Every batch on Berth's CPU kernels.
    case cpu
    /// Every batch on the GPU, through CUDA.
    case cuda
    /// Compiled for both devices: batches of `minimumRows` rows or more on the GPU, smaller ones on the CPU.
    /// `minimumRows` is 1 when the GPU takes every batch and `Int.max` when it never does; `reason` says where
    /// the number came from (`BERTH_DEVICE=cuda`, `BERTH_CUDA_MIN_ROWS=…`, or the sizes measured at load).
    case routed(minimumRows: Int, reason: String)
    /// An ONNX graph on the CPU whose listed kernels run elsewhere (a forest or a dense layer on the GPU).
    case graph(offloaded: [OffloadedKernel])

    /// One kernel of a graph that another device runs.
    public struct OffloadedKernel: Sendable, Equatable {
        /// What the kernel computes, as the log names it.
        public enum Kind: String, Sendable {
            case treeEnsemble = "tree ensemble"
            case denseLayer = "dense layer"
            case linearModel = "linear model"
        }

        public let kind: Kind
        public let placement: Placement

        public init(kind: Kind, placement: Placement) {
            self.kind = kind
            self.placement = placement
        }
    }

    /// The placement of a graph whose kernels have `parts` placements: `.cpu` when all of them are on the CPU.
    public static func graph(_ parts: [OffloadedKernel]) -> Placement {
        let elsewhere = parts.filter { $0.placement != .cpu }
        return elsewhere.isEmpty ? .cpu : .graph(offloaded: elsewhere)
    }

    /// Whether every batch runs on the GPU (`BERTH_DEVICE=cuda`).
    public var runsEveryBatchOnGPU: Bool {
        switch self {
        case .cuda: true
        case .routed(let minimumRows, _): minimumRows <= 1
        case .cpu, .graph: false
        }
    }

    /// Whether batches are sent by their size, single rows to the CPU and larger ones to the GPU (`auto`'s
    /// routing, as opposed to every batch on one device).
    public var routesBySize: Bool {
        guard case .routed(let minimumRows, _) = self else { return false }
        return minimumRows > 1 && minimumRows < Int.max
    }

    /// "cpu", "cuda", "cuda for batches of 256 rows or more, cpu below (measured at load; …)", or
    /// "cpu, tree ensemble on cuda (every batch; BERTH_DEVICE=cuda)".
    public var description: String {
        switch self {
        case .cpu: "cpu"
        case .cuda: "cuda"
        case .routed(let minimumRows, let reason) where minimumRows <= 1: "cuda (every batch; \(reason))"
        case .routed(Int.max, let reason): "cpu (\(reason))"
        case .routed(let minimumRows, let reason): "cuda for batches of \(minimumRows) rows or more, cpu below (\(reason))"
        case .graph(let offloaded):
            "cpu, " + offloaded.map { "\($0.kind.rawValue) on \($0.placement)" }.joined(separator: "; ")
        }
    }
}
