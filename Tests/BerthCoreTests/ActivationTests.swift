import BerthTestSupport
import CBerthKernels
import Foundation
import Testing
@testable import BerthCore

/// Sigmoid and Tanh against the exact value rounded once to float (the double-precision functions of the C library,
/// whose error is far below a float's half ulp), on every instruction-set path, over edge values and a spread of
/// random bit patterns; Erf and the exact GELU the same, allowing the rare neighbour of the nearest float their
/// 1e-14 may give; Softplus and ELU's e^x − 1 rounded once, Mish composed of two rounded; LeakyRelu against its definition. A path this CPU cannot run is reported as skipped.
@Suite struct ActivationTests {
    static func cpuRuns(_ isa: Int32) -> Bool {
        berth_activate_f32_using(isa, BERTH_ACTIVATION_TANH, 0, nil, nil, 0) == 0
    }

    /// Zeros, infinities, NaN, the smallest and largest floats, the points where the answers saturate or switch
    /// formula, then every kind of float at random.
    static let inputs: [Float] = {
        var values: [Float] = [0, -0, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, -.leastNonzeroMagnitude,
                               .leastNormalMagnitude, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
                               1e-30, -1e-30, 1e-8, 0.03125, Float(0.03125).nextDown, Float(0.03125).nextUp, -0.03125, 0.5, 1, -1,
                               8.66, 9.01, 20, 20.5, -20.5, 88, 89, -88, -89, 103, -103, 104, -104, 120, -120, 121, -121, 1e6,
                               0.875, Float(0.875).nextDown, -0.875, 3.9375, Float(3.9375).nextDown, 3.9193, 3.9194, -3.9375,
                               1.2374369, -1.2374369, 5.5685, -5.5685, -5.5686]
        var generator = SplitMix(seed: 61)
        for index in 0..<200_000 {
            let bits = UInt32(truncatingIfNeeded: generator.next())
            // Half arbitrary bit patterns (every exponent), half ordinary values from -24 to 24.
            values.append(index % 2 == 0 ? Float(bitPattern: bits) : Float(Int32(bitPattern: bits >> 8) - (1 << 23)) / Float(1 << 18))
        }
        return values
    }()

    static func activated(_ kind: Int32, isa: Int32, _ values: [Float], alpha: Float = 0) -> [Float] {
        var output = [Float](repeating: 0, count: values.count)
        #expect(berth_activate_f32_using(isa, kind, alpha, values, &output, values.count) == 0)
        return output
    }

    static func sameBits(_ got: [Float], _ want: [Float], _ label: String) {
        #expect(got.count == want.count)
        var mismatches = 0
        for index in want.indices where got[index].bitPattern != want[index].bitPattern && !(got[index].isNaN && want[index].isNaN) {
            mismatches += 1
            if mismatches <= 3 { Issue.record("\(label): \(Self.inputs[index]) gives \(got[index]), want \(want[index])") }
        }
        #expect(mismatches == 0, "\(label): \(mismatches) values differ")
    }

    static func expectCorrectlyRounded(isa: Int32) {
        sameBits(activated(BERTH_ACTIVATION_TANH, isa: isa, inputs), inputs.map { Float(Foundation.tanh(Double($0))) }, "Tanh")
        sameBits(activated(BERTH_ACTIVATION_SIGMOID, isa: isa, inputs), inputs.map { Float(1 / (1 + exp(-Double($0)))) }, "Sigmoid")
        sameBits(activated(BERTH_ACTIVATION_LEAKY_RELU, isa: isa, inputs, alpha: 0.2), inputs.map { $0 >= 0 ? $0 : 0.2 * $0 }, "LeakyRelu")
        nearestOrNeighbour(activated(BERTH_ACTIVATION_ERF, isa: isa, inputs), inputs.map { Float(Foundation.erf(Double($0))) }, "Erf")
        nearestOrNeighbour(activated(BERTH_ACTIVATION_GELU, isa: isa, inputs), inputs.map(exactGELU), "GELU")
        sameBits(activated(BERTH_ACTIVATION_ELU, isa: isa, inputs, alpha: 0.7),
                 inputs.map { $0 >= 0 || $0.isNaN ? $0 : 0.7 * Float(Foundation.expm1(Double($0))) }, "ELU")
        let softplus = inputs.map(exactSoftplus)
        sameBits(activated(BERTH_ACTIVATION_SOFTPLUS, isa: isa, inputs), softplus, "Softplus")
        sameBits(activated(BERTH_ACTIVATION_MISH, isa: isa, inputs),
                 zip(inputs, softplus).map { $0 == -.infinity ? -0.0 : $0 * Float(Foundation.tanh(Double($1))) }, "Mish")
    }

    /// log(1 + e^x) in double, as max(x, 0) + log1p(e^−|x|) so that nothing overflows, rounded once.
    static func exactSoftplus(_ value: Float) -> Float {
        let x = Double(value)
        return Float(Swift.max(x, 0) + Foundation.log1p(Foundation.exp(-Swift.abs(x))))
    }

    /// x · (1 + erf(x / √2)) / 2, below zero from erfc so that nothing cancels; −0 where x / √2 is −3.9375 or less (−∞
    /// too), as Berth answers there, like float32's 1 + erf in onnxruntime and PyTorch (the exact value is under 1.3e-7).
    static func exactGELU(_ value: Float) -> Float {
        let x = Double(value), scaled = x * 0x1.6a09e667f3bcdp-1
        guard scaled > -3.9375 else { return x.isNaN ? .nan : -0.0 }
        return Float(0.5 * x * (x < 0 ? Foundation.erfc(-scaled) : 1 + Foundation.erf(scaled)))
    }

    /// Each value the nearest float or, for at most one value in 100,000, a neighbour of it (the 1e-14 before rounding
    /// falls on the wrong side of a halfway point that rarely).
    static func nearestOrNeighbour(_ got: [Float], _ want: [Float], _ label: String) {
        var neighbours = 0, further = 0
        for index in want.indices where got[index].bitPattern != want[index].bitPattern && !(got[index].isNaN && want[index].isNaN) {
            if got[index].nextUp == want[index] || got[index].nextDown == want[index] { neighbours += 1; continue }
            further += 1
            if further <= 3 { Issue.record("\(label): \(Self.inputs[index]) gives \(got[index]), want \(want[index])") }
        }
        #expect(further == 0 && neighbours <= want.count / 100_000, "\(label): \(neighbours) neighbours, \(further) further")
    }

    @Test func thePortablePathRoundsTheExactValue() {
        Self.expectCorrectlyRounded(isa: 0)
    }

    @Test(.enabled(if: cpuRuns(1), "this CPU lacks AVX2"))
    func theAVX2PathRoundsTheExactValue() {
        Self.expectCorrectlyRounded(isa: 1)
    }

    @Test(.enabled(if: cpuRuns(2), "this CPU lacks AVX-512"))
    func theAVX512PathRoundsTheExactValue() {
        Self.expectCorrectlyRounded(isa: 2)
    }

    @Test func signsZerosAndNaNAreKept() {
        let values: [Float] = [-0.0, 0, .nan, -.infinity, .infinity]
        let tanh = Self.activated(BERTH_ACTIVATION_TANH, isa: 0, values)
        #expect(tanh[0].bitPattern == (-Float.zero).bitPattern && tanh[1].bitPattern == 0, "tanh(±0) is ±0")
        #expect(tanh[2].isNaN && tanh[3] == -1 && tanh[4] == 1)
        let sigmoid = Self.activated(BERTH_ACTIVATION_SIGMOID, isa: 0, values)
        #expect(sigmoid[0] == 0.5 && sigmoid[1] == 0.5 && sigmoid[2].isNaN && sigmoid[3] == 0 && sigmoid[4] == 1)
        let erf = Self.activated(BERTH_ACTIVATION_ERF, isa: 0, values)
        #expect(erf[0].bitPattern == (-Float.zero).bitPattern && erf[1].bitPattern == 0 && erf[2].isNaN && erf[3] == -1 && erf[4] == 1)
        let gelu = Self.activated(BERTH_ACTIVATION_GELU, isa: 0, values)
        #expect(gelu[0].bitPattern == (-Float.zero).bitPattern && gelu[1].bitPattern == 0 && gelu[2].isNaN && gelu[4] == .infinity)
        #expect(gelu[3] == 0 && gelu[3].sign == .minus, "GELU(−∞) is −0, its limit")
        let leaky = Self.activated(BERTH_ACTIVATION_LEAKY_RELU, isa: 0, values, alpha: 0.5)
        #expect(leaky[0].bitPattern == (-Float.zero).bitPattern && leaky[2].isNaN && leaky[3] == -.infinity)
    }

    @Test func theActivationMayWriteOverItsInput() {
        var values = Array(Self.inputs.prefix(1_000))
        let want = Self.activated(BERTH_ACTIVATION_TANH, isa: 0, values)
        values.withUnsafeMutableBufferPointer { buffer in
            Activation.tanh.apply(from: buffer.baseAddress!, to: buffer.baseAddress!, count: buffer.count)
        }
        Self.sameBits(values, want, "in place")
    }
}
