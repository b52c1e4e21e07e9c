import BerthCore
import BerthText

/// Which tensors hold integers in the file, for the arithmetic that gives integers a different answer.
///
/// Berth holds every tensor as float32, which holds an integer below 2²⁴ exactly, so adding, multiplying, comparing or
/// gathering integers gives the file's numbers. Dividing them does not: onnxruntime divides two int64 tensors as
/// C does, truncating toward zero (7 / 2 is 3), and likewise truncates a Pow, a mean or a norm of integers to its
/// integer type. The converter follows each tensor's element type from the file — integer initializers and
/// Constants, Casts to an integer type, arg max, TopK's indices, Shape — through the operators that keep their
/// input's type, and adds the truncation after each of those operators that reads integers.
extension GraphConverter {
    /// ONNX's integer element types: uint8, int8, uint16, int16, int32, int64, uint32, uint64.
    static let integerElementTypes: Set<Int> = [2, 3, 4, 5, 6, 7, 12, 13]

    /// Operators whose outputs have their first input's element type (Where: its second input's).
    static let typeKeepingOperators: Set<String> = [
        "Add", "Sub", "Mul", "Div", "Pow", "Neg", "Abs", "Max", "Min", "Sum", "Identity", "Reshape", "Flatten", "Squeeze",
        "Unsqueeze", "Transpose", "Slice", "Split", "Concat", "Gather", "GatherElements", "ArrayFeatureExtractor", "Expand",
        "Tile", "ReduceSum", "ReduceMax", "ReduceMin", "ReduceProd", "ReduceMean", "ReduceL1", "ReduceL2", "ReduceSumSquare",
        "ReduceLogSum", "ReduceLogSumExp", "CumSum", "Clip", "Relu", "Dropout", "TopK",
    ]

    /// Operators whose arithmetic can make a fraction of integers, which onnxruntime truncates toward zero.
    static let truncatingOperators: Set<String> = ["Div", "Pow", "ReduceMean", "ReduceL2", "ReduceLogSum"]

    /// Refuses a ReduceLogSumExp of integers: onnxruntime truncates each of its terms to the integer type before adding
    /// them (`[1, 1, 0, 0]` gives 1, where the log-sum-exp truncated once gives 2), which Berth does not.
    func checkIntegerLogSumExp(_ node: ONNXNodeProto, _ inputs: [String]) throws(ModelReadError.Reason) {
        guard node.opType == "ReduceLogSumExp", let first = inputs.first, integerTensors.contains(first) else { return }
        throw .init("ReduceLogSumExp \(quoted: node.name) of integers: onnxruntime truncates each term to an integer, which Berth does not; cast the input to float before it")
    }

    /// Notes which of `node`'s outputs hold integers, from its operator and its inputs' element types.
    mutating func noteIntegerOutputs(_ node: ONNXNodeProto, _ inputs: [String]) {
        let attributes = node.attributes
        var integerOutputs = [String]()
        switch node.opType {
        case "Cast":
            if Self.integerElementTypes.contains(attributes["to"]?.int ?? 1) { integerOutputs = Array(node.outputs.prefix(1)) }
        case "Constant":
            let tensor = attributes["value"]?.tensor
            if tensor.map({ Self.integerElementTypes.contains($0.dataType) }) == true || attributes["value_int"] != nil
                || attributes["value_ints"] != nil {
                integerOutputs = Array(node.outputs.prefix(1))
            }
        case "ArgMax", "ArgMin", "Shape", "Size": integerOutputs = Array(node.outputs.prefix(1))
        case "ConstantOfShape":
            if attributes["value"]?.tensor.map({ Self.integerElementTypes.contains($0.dataType) }) == true { integerOutputs = Array(node.outputs.prefix(1)) }
        case "LabelEncoder": if attributes["values_int64s"] != nil { integerOutputs = Array(node.outputs.prefix(1)) }
        case "Where": if inputs.count == 3, integerTensors.contains(inputs[1]) { integerOutputs = Array(node.outputs.prefix(1)) }
        case let operatorName where Self.typeKeepingOperators.contains(operatorName):
            guard let first = inputs.first, integerTensors.contains(first) else { break }
            integerOutputs = operatorName == "Split" ? node.outputs : Array(node.outputs.prefix(1))
        default: break
        }
        // TopK's second output is its indices, whatever its values are.
        if node.opType == "TopK", node.outputs.count > 1 { integerOutputs.append(node.outputs[1]) }
        integerTensors.formUnion(integerOutputs.filter { !$0.isEmpty })
    }

    /// The computed integer input of a Mul by one constant 0, or nil. An integer times 0 is 0 whatever the integer —
    /// where Berth's float would keep a missing value cast to an integer missing (onnxruntime's cast gives an integer
    /// for it), so that QuantileTransformer's zeros of a row's shape stay zeros on a row with a missing value.
    func integerMultipliedByZero(_ inputs: [String]) -> String? {
        guard inputs.count == 2 else { return nil }
        for (index, input) in inputs.enumerated() where integerTensors.contains(input) && constants[input] == nil {
            if let zero = constants[inputs[1 - index]], zero.values == [0], zero.shape.count <= 1 { return input }
        }
        return nil
    }

    /// After `node` is converted: where it is a `truncatingOperators` node reading integers, its result truncated
    /// toward zero — worked out now for a constant, otherwise a Cast to an integer type (a truncation) after the node
    /// that writes it.
    mutating func truncateIntegerResult(_ node: ONNXNodeProto, _ inputs: [String]) {
        guard Self.truncatingOperators.contains(node.opType), let first = inputs.first, integerTensors.contains(first),
              let output = node.outputs.first, !output.isEmpty else { return }
        if let constant = constants[output] {
            constants[output] = ConstantTensor(shape: constant.shape, values: constant.values.map { $0.rounded(.towardZero) + 0 })
            return
        }
        guard let writer = converted.lastIndex(where: { $0.outputs.first == output }) else { return }
        let exact = freshName("\(output)#exact")
        converted[writer].outputs[0] = exact
        converted.append(OperatorNode(name: node.name, operation: .cast(.integer), inputs: [exact], outputs: [output]))
        // A Reshape that takes this operation with its one value alone truncates it too (`addReshapeOfScalarOperation`).
        truncatedIntegerResults.insert(output)
    }
}
