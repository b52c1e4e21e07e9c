import BerthTestSupport
import CBerthKernels
import Testing
@testable import BerthCore

/// BatchNormalization's per-channel scale and bias (`ChannelAffineKernel`) and LayerNormalization
/// (`LayerNormalizationKernel`) on numbers worked out by hand, and their C loops against their definitions, on every
/// path.
@Suite struct NormalizationKernelTests {
    typealias G = GraphTesting

    @Test func aChannelAffineScalesAndShiftsEachColumn() throws {
        let graph = G.graph([G.node(.channelAffine(scale: [2, -1, 0.5], bias: [1, 0, -1]))], features: 3)
        #expect(try G.run(graph, [[1, 2, 4], [0, -3, .nan]]).map { $0.map { $0.isNaN ? 999 : $0 } } == [[3, -2, 1], [1, 3, 999]])
        #expect(G.refusal(G.graph([G.node(.channelAffine(scale: [1, 1], bias: [0, 0]))], features: 3))?.contains("axis 1") == true)
    }

    /// Along axis 1 of a rank-3 tensor: each channel's block of entries, not the last axis.
    @Test func aChannelAffineOfARank3TensorWorksAlongAxis1() throws {
        let constants = ["shape": ConstantTensor(shape: [3], values: [0, 2, 2])]
        let graph = G.graph([G.node(.reshape(allowZero: false), [G.input, "shape"], outputs: ["r"], name: "r"),
                             G.node(.channelAffine(scale: [10, 100], bias: [1, 2]), ["r"], outputs: ["a"], name: "a"),
                             G.node(.flatten(axis: 1), ["a"], outputs: ["y"], name: "f")], features: 4, constants: constants)
        #expect(try G.run(graph, [[1, 2, 3, 4]]) == [[11, 21, 302, 402]])
    }

    @Test func layerNormalizationNormalizesEachRowThenScalesAndShifts() throws {
        let constants = ["scale": ConstantTensor(shape: [4], values: [1, 2, 1, 1]), "bias": ConstantTensor(shape: [1], values: [0.5])]
        let graph = G.graph([G.node(.layerNormalization(axis: -1, epsilon: 0), [G.input, "scale", "bias"])], features: 4, constants: constants)
        // [1, 3, 5, 7]: mean 4, variance 5; [2, 2, 2, 2] with ε = 0 would divide by 0, so a second graph takes ε = 1.
        let root5 = Float(5).squareRoot()
        G.expectClose(try G.run(graph, [[1, 3, 5, 7]]), [[-3 / root5 + 0.5, -2 / root5 + 0.5, 1 / root5 + 0.5, 3 / root5 + 0.5]])
        let smoothed = G.graph([G.node(.layerNormalization(axis: 1, epsilon: 1), [G.input, "scale"])], features: 4, constants: constants)
        #expect(try G.run(smoothed, [[2, 2, 2, 2]]) == [[0, 0, 0, 0]])
    }

    /// The C rows (`berth_layer_normalize_f32`) on every instruction set this CPU runs: the same bits as the portable
    /// path, in place too, and within a float's rounding of the definition worked out in double, over rows of 1 to 19
    /// values (the vector loops and their tails) with and without a bias.
    @Test func layerNormalizationRowsAreTheSameOnEveryPathAndMatchTheDefinition() {
        var generator = SplitMix(seed: 17)
        func random() -> Float { Float(Int32(truncatingIfNeeded: generator.next()) >> 8) / Float(1 << 20) }
        for span in 1...19 {
            let rows = 5, values = (0..<rows * span).map { _ in random() }
            let scale = (0..<span).map { _ in random() }, bias = (0..<span).map { _ in random() }
            for withBias in [false, true] {
                func normalized(_ isa: Int32) -> [Float]? {
                    var output = [Float](repeating: 0, count: values.count)
                    let ran = bias.withUnsafeBufferPointer { bias in
                        berth_layer_normalize_f32_using(isa, rows, span, values, scale, withBias ? bias.baseAddress : nil, 1e-5, &output)
                    }
                    return ran == 0 ? output : nil
                }
                guard let portable = normalized(0) else { Issue.record("the portable path did not run"); return }
                for isa: Int32 in [1, 2] { if let other = normalized(isa) { #expect(other == portable, "isa \(isa), span \(span)") } }
                var inPlace = values
                inPlace.withUnsafeMutableBufferPointer { buffer in
                    _ = berth_layer_normalize_f32_using(0, rows, span, buffer.baseAddress, scale, withBias ? bias : nil, 1e-5, buffer.baseAddress)
                }
                #expect(inPlace == portable, "in place, span \(span)")
                for row in 0..<rows {
                    let x = values[row * span..<(row + 1) * span].map(Double.init)
                    let mean = x.reduce(0, +) / Double(span)
                    let deviation = (x.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(span) + 1e-5).squareRoot()
                    for offset in 0..<span {
                        let want = Float((x[offset] - mean) / deviation) * scale[offset] + (withBias ? bias[offset] : 0)
                        let got = portable[row * span + offset]
                        #expect(got == want || got.nextUp == want || got.nextDown == want, "span \(span): \(got) for \(want)")
                    }
                }
            }
        }
    }

    /// Rows are normalised four at a time; a row's bits are the same whichever rows it goes with (alone, or in a group
    /// of four, or in the remainder after the groups), on every instruction set.
    @Test func layerNormalizationRowsGiveTheSameBitsAloneAsTogether() {
        var generator = SplitMix(seed: 29)
        func random() -> Float { Float(Int32(truncatingIfNeeded: generator.next()) >> 8) / Float(1 << 18) }
        for span in [1, 3, 4, 7, 16, 17, 40] {
            for rows in 1...9 {
                let values = (0..<rows * span).map { _ in random() }
                let scale = (0..<span).map { _ in random() }, bias = (0..<span).map { _ in random() }
                for isa: Int32 in [0, 1, 2] {
                    var together = [Float](repeating: 0, count: values.count)
                    guard berth_layer_normalize_f32_using(isa, rows, span, values, scale, bias, 1e-5, &together) == 0 else { continue }
                    for row in 0..<rows {
                        var alone = [Float](repeating: 0, count: span)
                        let slice = Array(values[row * span..<(row + 1) * span])
                        _ = berth_layer_normalize_f32_using(isa, 1, span, slice, scale, bias, 1e-5, &alone)
                        #expect(Array(together[row * span..<(row + 1) * span]) == alone, "isa \(isa), span \(span), row \(row) of \(rows)")
                    }
                }
            }
        }
    }

    /// The C affine step (`berth_channel_affine_f32`) gives the definition's bits — the product rounded, then the sum —
    /// for rows of 1 to 19 channels (the eight-value steps and their tails) and runs of 1 to 19 entries a channel, in
    /// place too.
    @Test func theChannelAffineStepIsTheDefinitionBitForBit() {
        var generator = SplitMix(seed: 31)
        func random() -> Float { Float(Int32(truncatingIfNeeded: generator.next()) >> 8) / Float(1 << 12) }
        for channels in 1...19 {
            for inner in [1, 2, 7, 8, 19] {
                let outer = 3, count = outer * channels * inner
                let values = (0..<count).map { _ in random() }
                let scale = (0..<channels).map { _ in random() }, bias = (0..<channels).map { _ in random() }
                let want = values.indices.map { index -> Float in
                    let channel = index / inner % channels
                    let product = values[index] * scale[channel]
                    return product + bias[channel]
                }
                var out = [Float](repeating: 0, count: count)
                berth_channel_affine_f32(outer, channels, inner, values, scale, bias, &out)
                #expect(out == want, "\(channels) channels, \(inner) entries each")
                var inPlace = values
                inPlace.withUnsafeMutableBufferPointer { buffer in
                    berth_channel_affine_f32(outer, channels, inner, buffer.baseAddress, scale, bias, buffer.baseAddress)
                }
                #expect(inPlace == want, "in place, \(channels) channels, \(inner) entries each")
            }
        }
    }

    @Test func layerNormalizationRefusesTheBatchAxisAndAScaleOfAnotherLength() {
        let constants = ["scale": ConstantTensor(shape: [3], values: [1, 1, 1])]
        #expect(G.refusal(G.graph([G.node(.layerNormalization(axis: 0, epsilon: 1e-5), [G.input, "scale"])], features: 3,
                                  constants: constants))?.contains("mixes the rows") == true)
        #expect(G.refusal(G.graph([G.node(.layerNormalization(axis: -1, epsilon: 1e-5), [G.input, "scale"])], features: 4,
                                  constants: constants))?.contains("scale or bias") == true)
    }
}

/// A ConstantOfShape of a shape built from the batch size (`FillRowsKernel`): the input's rows, then the trailing
/// dimensions, every value the fill.
@Suite struct FillRowsKernelTests {
    typealias G = GraphTesting

    @Test func aFillOfTheBatchHasTheInputsRowsAndTheTrailingDimensions() throws {
        let graph = G.graph([G.node(.fillRows(trailing: [2], value: 2.5))], features: 4)
        #expect(try G.run(graph, [[1, 2, 3, 4], [5, 6, 7, 8], [0, 0, 0, 0]]) == [[2.5, 2.5], [2.5, 2.5], [2.5, 2.5]])
        #expect(G.refusal(G.graph([G.node(.fillRows(trailing: [-1], value: 0))], features: 4))?.contains("negative") == true)
    }
}

/// A Gather of a constant table's rows at indices computed from the request (`EmbeddingKernel`, PyTorch's
/// `nn.Embedding`): each index's row, negative ones from the end, NaN for one that is not a whole number in the table.
@Suite struct EmbeddingKernelTests {
    typealias G = GraphTesting

    @Test func eachIndexTakesItsRowOfTheTable() throws {
        let table = ConstantTensor(shape: [3, 2], values: [10, 11, 20, 21, 30, 31])
        let graph = G.graph([G.node(.gather(axis: 0), ["table", G.input]), G.node(.flatten(axis: 1), ["y"], outputs: ["flat"], name: "f")],
                            features: 2, constants: ["table": table], output: "flat")
        let rows = try G.run(graph, [[2, 0], [-1, 1], [3, 0.5]])
        #expect(rows[0] == [30, 31, 10, 11] && rows[1] == [30, 31, 20, 21])
        #expect(rows[2].allSatisfy { $0.isNaN })
    }

    @Test func aGatherOfAComputedTensorByComputedIndicesIsRefused() {
        let graph = G.graph([G.node(.relu, outputs: ["r"], name: "r"), G.node(.gather(axis: 0), ["r", G.input])], features: 2)
        #expect(G.refusal(graph)?.contains("from a constant table") == true)
    }
}
