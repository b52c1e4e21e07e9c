import BerthCore

/// The parts of a `PackedForest` that the XGBoost kernels read — nodes and category sets — uploaded once, so the
/// margins kernel and the TreeSHAP kernel, which take the same decision at every split (`CUDAKernelSource.treeDecision`),
/// share one copy on the device.
struct DevicePackedForest {
    let nodes: DeviceBuffer
    let categorySetOfNode: DeviceBuffer
    let categorySets: DeviceBuffer
    let categoryWords: DeviceBuffer

    init(_ forest: PackedForest, device: CUDADevice) throws(CUDAUnavailable) {
        nodes = try DeviceBuffer(device: device, copying: forest.nodes)
        categorySetOfNode = try DeviceBuffer(device: device, copying: forest.categorySetOfNode)
        categorySets = try DeviceBuffer(device: device, copying: forest.categorySets.flatMap { [$0.offset, $0.firstWord, $0.count] })
        categoryWords = try DeviceBuffer(device: device, copying: forest.categoryWords)
    }
}
