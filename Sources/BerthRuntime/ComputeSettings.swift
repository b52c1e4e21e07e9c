import BerthCore
import BerthJSON

/// Where and with how many threads models compute.
public struct ComputeSettings: Sendable {
    /// `BERTH_THREADS`: threads a large batch is split over (default: the processor count).
    public var threadCount: Int
    /// `BERTH_DEVICE`: where models run (`auto`: the GPU when one can be bound, for batches large enough to win).
    public var device = DeviceSelection.auto
    /// `BERTH_CUDA_MIN_ROWS`: with `auto`, the smallest batch the GPU takes, instead of the one measured at load.
    public var cudaMinimumRows: Int?
    /// `BERTH_NVRTC_PATH`: the NVRTC library (or its folder) to compile GPU kernels with.
    public var nvrtcPath: String?
    /// `BERTH_TREE_WALK`: how tree kernels walk summed forests (`measured` at load, the default, one walk's name, or
    /// two: blocks, then single rows).
    public var treeWalk = TreeWalkPreference.measured

    public init(processorCount: Int) {
        threadCount = processorCount
    }

    /// How large calls split over `threadCount` threads: the kernels' batches and the decoders' large bodies alike.
    public var rowParallelism: RowParallelism { RowParallelism(threadCount: threadCount) }

    mutating func read(_ reader: EnvironmentReader) throws(ConfigurationError) {
        if let threads = try reader.integer("BERTH_THREADS", in: 1...1024) { threadCount = threads }
        if let device = reader.string("BERTH_DEVICE") {
            guard let selection = DeviceSelection(rawValue: device.lowercased()) else {
                throw ConfigurationError(variable: "BERTH_DEVICE", value: device, expected: "auto, cpu or cuda")
            }
            self.device = selection
        }
        cudaMinimumRows = try reader.integer("BERTH_CUDA_MIN_ROWS", in: 1...1 << 30)
        nvrtcPath = reader.string("BERTH_NVRTC_PATH")
        if let value = reader.string("BERTH_TREE_WALK"), value.lowercased() != "measured" {
            let names = value.lowercased().split(separator: ",", omittingEmptySubsequences: false).map { String($0.trimmingWhitespace()) }
            let walks = names.compactMap(TreeWalk.init(rawValue:))
            guard walks.count == names.count, let first = walks.first, walks.count <= 2 else {
                throw ConfigurationError(variable: "BERTH_TREE_WALK", value: value, expected: """
                    measured, one walk for every block, or two joined by a comma (blocks, then single rows), of \
                    \(TreeWalk.allCases.map(\.rawValue).joined(separator: ", "))
                    """)
            }
            treeWalk = walks.count == 1 ? .fixed(first) : .pair(block: first, fewRows: walks[1])
        }
    }
}
