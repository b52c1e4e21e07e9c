import BerthCore
import BerthText

/// The one Scan Berth runs: the one skl2onnx writes for scipy's `cdist` in its k-nearest-neighbours models
/// (docs/model-formats.md §3.2). Its one state, the rows `[N, F]`, passes through the body unchanged (Identity), and
/// each row r of its one scanned input, a constant `[M, F]`, gives one scan output: the rows' differences from r (Sub)
/// squared and summed over the features (ReduceSumSquare), or their absolute values (Abs), raised to a power (Pow) or
/// not, summed (ReduceSum). Stacked, those outputs are `[M, N]`; the export transposes them next. Berth computes them
/// as `GraphOperation.neighborDistances`, `[N, M]`. Any other body is refused, naming what it computes.
struct ONNXScanDistances {
    let metric: NeighborMetric
    /// The rows (the state), then the reference rows (the scanned constant).
    let rows: String
    let references: String

    /// What a name in the body holds, as far as the pattern goes.
    private enum Value: Equatable {
        case rows, references, difference, absolute, powered(Float), distance(NeighborMetric)
    }

    init(_ node: ONNXNodeProto, inputs: [String], outerConstants: [String: ConstantTensor]) throws(ModelReadError.Reason) {
        func refuse(_ why: String) -> ModelReadError.Reason {
            .init("Scan \(quoted: node.name) is not the distance Berth recognises (skl2onnx's cdist of a k-nearest-neighbours model): \(why)")
        }
        guard node.attributes["num_scan_inputs"]?.int == 1, inputs.count == 2, node.outputs.count == 2 else {
            throw refuse("it does not scan one input with one state")
        }
        for name in ["scan_input_axes", "scan_output_axes", "scan_input_directions", "scan_output_directions"] {
            guard node.attributes[name]?.ints.allSatisfy({ $0 == 0 }) ?? true else { throw refuse("it has \(name) other than 0") }
        }
        guard outerConstants[inputs[1]] != nil else { throw refuse("it scans \(quoted: inputs[1]), which is not a constant") }
        guard let body = node.attributes["body"]?.graph else { throw refuse("it has no body Berth reads") }

        var constants = outerConstants
        let initializerNames = Set(body.initializers.map(\.name))
        for tensor in body.initializers where tensor.strings == nil { constants[tensor.name] = ConstantTensor(shape: tensor.dims, values: tensor.values) }
        let bodyInputs = body.inputs.filter { !initializerNames.contains($0.name) }
        guard bodyInputs.count == 2, body.outputs.count == 2 else { throw refuse("its body does not take a state and a row and give two outputs") }
        var values: [String: Value] = [bodyInputs[0].name: .rows, bodyInputs[1].name: .references]
        for name in [bodyInputs[0].name, bodyInputs[1].name] { constants[name] = nil }

        /// The feature axis, from the attribute or the constant second input; the reduced values are not kept.
        func reducesFeatures(_ bodyNode: ONNXNodeProto) -> Bool {
            let axes = bodyNode.attributes["axes"]?.ints
                ?? (bodyNode.inputs.count > 1 ? constants[bodyNode.inputs[1]]?.wholeNumbers : nil)
            return (axes == [1] || axes == [-1]) && bodyNode.attributes["keepdims"]?.int == 0
        }
        for bodyNode in body.nodes {
            let first = bodyNode.inputs.first.flatMap { values[$0] }
            let result: Value?
            switch (bodyNode.opType, first) {
            case ("Constant", _):
                if let tensor = bodyNode.attributes["value"]?.tensor, tensor.strings == nil, let output = bodyNode.outputs.first {
                    constants[output] = ConstantTensor(shape: tensor.dims, values: tensor.values)
                }
                continue
            case ("Identity", let value?): result = value
            case ("Sub", .rows?) where bodyNode.inputs.count == 2 && values[bodyNode.inputs[1]] == .references,
                 ("Sub", .references?) where bodyNode.inputs.count == 2 && values[bodyNode.inputs[1]] == .rows:
                result = .difference
            case ("Abs", .difference?): result = .absolute
            case ("Pow", .absolute?):
                guard bodyNode.inputs.count == 2, let exponent = constants[bodyNode.inputs[1]]?.values, exponent.count == 1 else {
                    throw refuse("its Pow \(quoted: bodyNode.name) is not by one constant exponent")
                }
                result = .powered(exponent[0])
            case ("ReduceSumSquare", .difference?), ("ReduceSumSquare", .absolute?):
                result = reducesFeatures(bodyNode) ? .distance(.squaredEuclidean) : nil
            case ("ReduceSum", .absolute?):
                result = reducesFeatures(bodyNode) ? .distance(.manhattan) : nil
            case ("ReduceSum", .powered(let power)?):
                result = reducesFeatures(bodyNode) ? .distance(power == 1 ? .manhattan : .powerSum(power)) : nil
            default:
                result = nil
            }
            guard let result, let output = bodyNode.outputs.first, bodyNode.outputs.count == 1 else {
                throw refuse("its body's \(excerpt: bodyNode.opType) \(quoted: bodyNode.name) is not a step of it")
            }
            values[output] = result
        }
        guard values[body.outputs[0].name] == .rows else { throw refuse("its body changes its state") }
        guard case .distance(let metric)? = values[body.outputs[1].name] else {
            throw refuse("its body's scan output is not a sum over the features")
        }
        self.metric = metric
        (rows, references) = (inputs[0], inputs[1])
    }
}
