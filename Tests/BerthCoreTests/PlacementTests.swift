import BerthCore
import Testing

/// What the `model ready` line and `berth inspect` print for each placement, and how a graph's kernels combine.
@Suite struct PlacementTests {
    @Test func eachPlacementReadsAsTheLogPrintsIt() {
        #expect(Placement.cpu.description == "cpu")
        #expect(Placement.cuda.description == "cuda")
        #expect(Placement.routed(minimumRows: 1, reason: "BERTH_DEVICE=cuda").description == "cuda (every batch; BERTH_DEVICE=cuda)")
        #expect(Placement.routed(minimumRows: 256, reason: "measured").description == "cuda for batches of 256 rows or more, cpu below (measured)")
        #expect(Placement.routed(minimumRows: Int.max, reason: "the GPU was slower").description == "cpu (the GPU was slower)")
    }

    @Test func aGraphNamesOnlyTheKernelsThatRunElsewhere() {
        let onGPU = Placement.routed(minimumRows: 64, reason: "test")
        let graph = Placement.graph([.init(kind: .denseLayer, placement: .cpu), .init(kind: .treeEnsemble, placement: onGPU),
                                     .init(kind: .linearModel, placement: .cuda)])
        #expect(graph == .graph(offloaded: [.init(kind: .treeEnsemble, placement: onGPU), .init(kind: .linearModel, placement: .cuda)]))
        #expect(graph.description == "cpu, tree ensemble on cuda for batches of 64 rows or more, cpu below (test); linear model on cuda")
        #expect(Placement.graph([.init(kind: .denseLayer, placement: .cpu)]) == .cpu)
        #expect(Placement.graph([]) == .cpu)
    }
}
