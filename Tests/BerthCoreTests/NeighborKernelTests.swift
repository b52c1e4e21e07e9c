import BerthTestSupport
import Foundation
import Testing
@testable import BerthCore

/// The operators a k-nearest-neighbours export runs — distances to the training rows (`NeighborDistanceKernel`),
/// TopK (`TopKKernel`), lookups of the neighbours' labels (`TableLookupKernel`), Max and Min, a Reshape to another
/// tensor's shape, and the sum-of-squares family of reductions — against their definitions on numbers worked out
/// here, and TopK's order against what onnxruntime 1.32 answered.
@Suite struct NeighborKernelTests {
    typealias G = GraphTesting

    /// Eleven references (a block of eight and a partial one) of three features.
    static let references: [[Float]] = (0..<11).map { index in
        [Float(index) * 0.5 - 2, Float(index % 3) - 1.25, Float(index * index) / 16]
    }
    static let queries: [[Float]] = [[0, 0, 0], [1.5, -2, 3.25], [-4, 0.75, 0.5]]

    static func distances(_ metric: NeighborMetric) -> OperatorGraph {
        G.graph([G.node(.neighborDistances(metric), [G.input, "r"])], features: 3,
                constants: ["r": ConstantTensor(shape: [11, 3], values: references.flatMap { $0 })])
    }

    @Test(arguments: [NeighborMetric.squaredEuclidean, .manhattan, .powerSum(3), .powerSum(2.5)])
    func eachRowsDistanceToEveryReference(_ metric: NeighborMetric) throws {
        func term(_ difference: Double) -> Double {
            switch metric {
            case .squaredEuclidean: difference * difference
            case .manhattan: abs(difference)
            case .powerSum(let power): pow(abs(difference), Double(power))
            }
        }
        let want = Self.queries.map { query in
            Self.references.map { reference in Float(zip(query, reference).reduce(0.0) { $0 + term(Double($1.0) - Double($1.1)) }) }
        }
        G.expectClose(try G.run(Self.distances(metric), Self.queries), want, "\(metric)")
    }

    @Test func distancesTakeRowsOfTheReferencesWidth() {
        let graph = G.graph([G.node(.neighborDistances(.manhattan), [G.input, "r"])], features: 4,
                            constants: ["r": ConstantTensor(shape: [11, 3], values: Self.references.flatMap { $0 })])
        #expect(G.refusal(graph)?.contains("take [N, 3], not [N, 4]") == true)
        let flat = G.graph([G.node(.neighborDistances(.manhattan), [G.input, "r"])], features: 3,
                           constants: ["r": ConstantTensor(shape: [33], values: Self.references.flatMap { $0 })])
        #expect(G.refusal(flat)?.contains("not [M, F]") == true)
    }

    static func topK(_ k: Int, largest: Bool, axis: Int = -1, features: Int) -> OperatorGraph {
        G.graph([G.node(.topK(axis: axis, largest: largest), [G.input, "k"], outputs: ["values", "indices"]),
                 G.node(.concat(axis: 1), ["values", "indices"], name: "both")],
                features: features, constants: ["k": ConstantTensor(shape: [1], values: [Float(k)])])
    }

    /// onnxruntime 1.32 on `[3, NaN, 1, 2, NaN, 1]`, k = 6: equal values by index, NaN above every number.
    @Test func topKOrdersTiesByIndexAndNaNAboveEveryNumber() throws {
        let row: [Float] = [3, .nan, 1, 2, .nan, 1]
        let smallest = try G.run(Self.topK(6, largest: false, features: 6), [row])[0]
        #expect(smallest.suffix(6) == [2, 5, 3, 0, 1, 4] && Array(smallest.prefix(4)) == [1, 1, 2, 3] && smallest[4].isNaN && smallest[5].isNaN)
        let largest = try G.run(Self.topK(6, largest: true, features: 6), [row])[0]
        #expect(largest.suffix(6) == [1, 4, 0, 3, 2, 5] && largest[0].isNaN && largest[1].isNaN && Array(largest[2..<4]) == [3, 2])
        let two = try G.run(Self.topK(2, largest: false, features: 6), [row, [5, 4, 4, 3, 9, 4]])
        #expect(two == [[1, 1, 2, 5], [3, 4, 3, 1]])
        let largestTwo = try G.run(Self.topK(2, largest: true, features: 6), [row, [1, 5, 7, 5, .nan, 7]])
        #expect(largestTwo[0].suffix(2) == [1, 4] && largestTwo[0].prefix(2).allSatisfy(\.isNaN))
        #expect(largestTwo[1].suffix(2) == [4, 2] && largestTwo[1][0].isNaN && largestTwo[1][1] == 7)
        let largestThree = try G.run(Self.topK(3, largest: true, features: 6), [[1, 5, 7, 5, 2, 7]])
        #expect(largestThree == [[7, 7, 5, 2, 5, 1]])
    }

    /// Past `insertedCount` the whole axis is sorted; both ways give the same order, ties and all.
    @Test func aLargeKSortsAndAgreesWithInsertion() throws {
        let row = (0..<100).map { Float(($0 * 37) % 23) - 11 }
        for largest in [false, true] {
            let many = try G.run(Self.topK(40, largest: largest, features: 100), [row])[0]
            let few = try G.run(Self.topK(TopKKernel.insertedCount, largest: largest, features: 100), [row])[0]
            let manyIndices = Array(many.suffix(40)), fewIndices = Array(few.suffix(TopKKernel.insertedCount))
            #expect(Array(manyIndices.prefix(TopKKernel.insertedCount)) == fewIndices)
            let expected = row.indices.sorted { row[$0] != row[$1] ? (largest ? row[$0] > row[$1] : row[$0] < row[$1]) : $0 < $1 }
            #expect(manyIndices == expected.prefix(40).map(Float.init))
        }
    }

    /// Past `insertedCount` and short of the whole axis, the heap keeps the full sort's first k, ties by index and
    /// NaN above every number, for every k from 33 to the axis's length.
    @Test func aHeapKeepsTheFullSortsFirstK() throws {
        var generator = SplitMix(seed: 71)
        let row = (0..<120).map { _ -> Float in
            let draw = generator.next() % 40
            return draw == 0 ? .nan : Float(Int(draw) - 20) / 4
        }
        for largest in [false, true] {
            let rank = { (a: Int, b: Int) -> Bool in
                let x = row[a], y = row[b]
                if x.isNaN || y.isNaN { return x.isNaN != y.isNaN ? largest == x.isNaN : a < b }
                return x != y ? (largest ? x > y : x < y) : a < b
            }
            let expected = row.indices.sorted(by: rank)
            for k in [33, 34, 50, 64, 119, 120] {
                let answer = try G.run(Self.topK(k, largest: largest, features: 120), [row])[0]
                #expect(Array(answer.suffix(k)) == expected.prefix(k).map(Float.init), "k = \(k), largest: \(largest)")
                #expect(Array(answer.prefix(k)).map(\.bitPattern) == expected.prefix(k).map { row[$0].bitPattern }, "k = \(k)")
            }
        }
    }

    /// Along the middle axis of `[N, 3, 2]`: each of the last axis's columns ranked on its own.
    @Test func topKAlongAMiddleAxis() throws {
        let graph = G.graph([G.node(.reshape(allowZero: false), [G.input, "shape"], outputs: ["cube"], name: "r"),
                             G.node(.topK(axis: 1, largest: true), ["cube", "k"], outputs: ["values", "indices"]),
                             G.node(.concat(axis: 1), ["values", "indices"], outputs: ["both"], name: "c"),
                             G.node(.flatten(axis: 1), ["both"], name: "f")],
                            features: 6, constants: ["k": ConstantTensor(shape: [1], values: [2]),
                                                     "shape": ConstantTensor(shape: [3], values: [-1, 3, 2])])
        // Columns [1, 5, 3] and [6, 2, 4]: the top two of each, then their indices.
        #expect(try G.run(graph, [[1, 6, 5, 2, 3, 4]]) == [[5, 6, 3, 4, 1, 0, 2, 2]])
    }

    @Test func topKRefusesTheBatchAxisAndMoreThanTheAxisHolds() {
        #expect(G.refusal(Self.topK(1, largest: true, axis: 0, features: 4))?.contains("along the batch axis") == true)
        #expect(G.refusal(Self.topK(5, largest: true, features: 4))?.contains("TopK of 5 entries along an axis of 4") == true)
    }

    @Test func aLookupTakesEachIndexsEntryAndRefusesAnyOther() throws {
        let graph = G.graph([G.node(.tableLookup, ["table", G.input])], features: 5,
                            constants: ["table": ConstantTensor(shape: [3], values: [10, 20, 30])])
        let got = try G.run(graph, [[2, 0, 1, 1, 0], [3, -1, 0.5, .nan, 2]])
        #expect(got[0] == [30, 10, 20, 20, 10])
        #expect(got[1].prefix(4).allSatisfy(\.isNaN) && got[1][4] == 30)
        // onnxruntime fails a request with such an index: the row is refused, naming the first.
        let refusals = try G.compile(graph).predict(FeatureBatch(rowCount: 3, columnCount: 5, values: [2, 0, 1, 1, 0, 1, 1, 1, 1, 1.5, 3, -1, 0, 0, 0])).refusals
        #expect(refusals.map(\.row) == [1, 2])
        #expect(refusals.first?.reason.hasPrefix("the index 1.5 reaches the model's ArrayFeatureExtractor 'n' from a table of 3 entries") == true)
        #expect(refusals.last?.reason.hasPrefix("the index 3 reaches") == true)
        let cube = G.graph([G.node(.tableLookup, ["table", G.input])], features: 2,
                           constants: ["table": ConstantTensor(shape: [1, 1, 3], values: [1, 2, 3])])
        #expect(G.refusal(cube)?.contains("takes a 1-D or 2-D table, not [1, 1, 3]") == true)
    }

    /// A table of two rows (a regressor's two targets): each request row's indices in the first row, then the second.
    @Test func aLookupInATableOfRowsGivesEachRowOfItAtTheIndices() throws {
        let graph = G.graph([G.node(.tableLookup, ["table", G.input], outputs: ["picked"], name: "pick"),
                             G.node(.flatten(axis: 1), ["picked"], name: "flat")], features: 3,
                            constants: ["table": ConstantTensor(shape: [2, 4], values: [10, 20, 30, 40, -1, -2, -3, -4])])
        #expect(try G.run(graph, [[3, 0, 1], [2, 2, 5]]).map { $0.map { $0.isNaN ? 0 : $0 } } == [[40, 10, 20, -4, -1, -2], [30, 30, 0, -3, -3, 0]])
    }

    @Test func maxAndMinBroadcastAndPropagateNaN() throws {
        let constants = ["floor": ConstantTensor(shape: [1], values: [0.5])]
        let maximum = G.graph([G.node(.maximum, [G.input, "floor"])], features: 3, constants: constants)
        let minimum = G.graph([G.node(.minimum, ["floor", G.input])], features: 3, constants: constants)
        let maxed = try G.run(maximum, [[0, 2, .nan]])[0], minned = try G.run(minimum, [[0, 2, .nan]])[0]
        #expect(maxed.prefix(2) == [0.5, 2] && maxed[2].isNaN && minned.prefix(2) == [0, 0.5] && minned[2].isNaN)
    }

    @Test func aReshapeToAnotherTensorsShapeKeepsTheValues() throws {
        let graph = G.graph([G.node(.reshape(allowZero: false), [G.input, "shape"], outputs: ["square"], name: "r"),
                             G.node(.reduce(.sum, axes: [2], keepDims: false, noopWithEmptyAxes: false), ["square"], outputs: ["sums"], name: "s"),
                             G.node(.reshapeLike, [G.input, "square"], outputs: ["like"], name: "like"),
                             G.node(.reduce(.sum, axes: [1], keepDims: false, noopWithEmptyAxes: false), ["like"], outputs: ["down"], name: "d"),
                             G.node(.concat(axis: 1), ["sums", "down"], name: "c")],
                            features: 4, constants: ["shape": ConstantTensor(shape: [3], values: [-1, 2, 2])])
        // Rows [1, 2] and [3, 4] sum to 3 and 7; the columns of the same values reshaped again sum to 4 and 6.
        #expect(try G.run(graph, [[1, 2, 3, 4]]) == [[3, 7, 4, 6]])
        let mismatched = G.graph([G.node(.reduce(.sum, axes: [1], keepDims: true, noopWithEmptyAxes: false), outputs: ["one"], name: "s"),
                                  G.node(.reshapeLike, [G.input, "one"])], features: 4)
        #expect(G.refusal(mismatched)?.contains("the sizes differ") == true)
    }

    @Test func theSumOfSquaresFamily() throws {
        let rows: [[Float]] = [[3, -4, 0, 12], [1, 1, 1, 1]]
        func reduce(_ reduction: Reduction) throws -> [[Float]] {
            try G.run(G.graph([G.node(.reduce(reduction, axes: [1], keepDims: true, noopWithEmptyAxes: false))], features: 4), rows)
        }
        #expect(try reduce(.sumOfSquares) == [[169], [4]])
        #expect(try reduce(.l1) == [[19], [4]])
        #expect(try reduce(.l2) == [[13], [2]])
        G.expectClose(try reduce(.logSum), [[Float(log(11.0))], [Float(log(4.0))]])
    }
}
