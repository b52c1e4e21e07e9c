import BerthCore

/// `application/x-npy` responses: the predictions as `np.save` writes a float32 array — shape `(rows,)` for one
/// output per row, `(rows, outputs)` otherwise — so `np.load` gives exactly what `Booster.predict` returns; a
/// float64 array for a model that computes in double precision (LightGBM), whose `predict` returns float64.
/// With selected outputs, the columns are the selected keys in the variable's order, lists spread over one
/// column per element.
public struct NPYEncoder: ResponseEncoder {
    public let options: ResponseEncodingOptions

    public init(options: ResponseEncodingOptions = .init()) {
        self.options = options
    }

    public func encode(_ predictions: Predictions, into output: inout [UInt8]) {
        guard let selection = options.selection else {
            let shape = predictions.columnCount == 1 ? [predictions.rowCount] : [predictions.rowCount, predictions.columnCount]
            if let doubles = predictions.doubles {
                output.append(contentsOf: NPYHeader.header(descr: "<f8", shape: shape))
                output.reserveCapacity(output.count + doubles.count * 8)
                for value in doubles { LittleEndian.appendUInt64(value.bitPattern, to: &output) }
                return
            }
            output.append(contentsOf: NPYHeader.float32Header(shape: shape))
            appendFloat32s(predictions.values, to: &output)
            return
        }
        var values = [Float]()
        let wide = predictions.wideValues
        for row in 0..<predictions.rowCount {
            for value in options.orderedValues(wide[predictions.rowRange(row)], selection: selection) {
                values.append(contentsOf: value.float32s)
            }
        }
        let columns = predictions.rowCount > 0 ? values.count / predictions.rowCount : 0
        output.append(contentsOf: NPYHeader.float32Header(shape: [predictions.rowCount, columns]))
        appendFloat32s(values, to: &output)
    }

    private func appendFloat32s(_ values: [Float], to output: inout [UInt8]) {
        output.reserveCapacity(output.count + values.count * 4)
        for value in values { LittleEndian.appendUInt32(value.bitPattern, to: &output) }
    }
}
