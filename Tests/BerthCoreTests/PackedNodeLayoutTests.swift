import BerthCore
import CBerthKernels
import Testing

/// `PackedForest.Node` is the C header's `berth_forest_node`, which the gather walk and the CUDA kernel read.
@Suite struct PackedNodeLayoutTests {
    @Test func theSwiftNodeHasTheCHeadersLayout() {
        #expect(MemoryLayout<PackedForest.Node>.size == MemoryLayout<berth_forest_node>.size)
        #expect(MemoryLayout<PackedForest.Node>.stride == MemoryLayout<berth_forest_node>.stride)
        #expect(MemoryLayout<PackedForest.Node>.offset(of: \.featureAndFlags) == MemoryLayout<berth_forest_node>.offset(of: \.featureAndFlags))
        #expect(MemoryLayout<PackedForest.Node>.offset(of: \.value) == MemoryLayout<berth_forest_node>.offset(of: \.value))
        #expect(MemoryLayout<PackedForest.Node>.offset(of: \.left) == MemoryLayout<berth_forest_node>.offset(of: \.left))
        #expect(MemoryLayout<PackedForest.Node>.offset(of: \.right) == MemoryLayout<berth_forest_node>.offset(of: \.right))
    }

    @Test func theFlagsAreDisjointAndLeaveTheFeatureBits() {
        let flags = [PackedForest.leafFlag, PackedForest.defaultLeftFlag, PackedForest.categoricalFlag]
        #expect(flags.reduce(0, |) == ~PackedForest.featureMask)
        #expect(flags.allSatisfy { $0.nonzeroBitCount == 1 })
        #expect(Float(PackedForest.maxCategory) == Float(PackedForest.maxCategory - 1) + 1, "every code below it is exact in float32")
    }
}
