/// A graph kernel whose ONNX operator fails the request on some values in onnxruntime (an OneHotEncoder written
/// with `zeros=0` meeting an unknown category, a Gather or an ArrayFeatureExtractor meeting an index outside its
/// table), which says which rows held one, so that `CPUGraphModel` refuses them (`RowRefusal`) rather than answering
/// what the kernel wrote for them.
protocol RefusingGraphKernel: GraphKernel {
    /// Whether this kernel can refuse anything: checked once at load, so the graphs that cannot pay nothing a run.
    var refuses: Bool { get }
    /// The rows of `inputs` (their first dimension the batch, of `rows` rows) that the kernel refuses, by row from
    /// 0, in order, each once; empty for nearly every batch.
    func refusals(_ inputs: [TensorView], rows: Int) -> [RowRefusal]
}
