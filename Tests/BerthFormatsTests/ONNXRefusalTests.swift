import BerthArtifacts
import BerthCore
import BerthJSON
import BerthTestSupport
import Testing
@testable import BerthFormats

/// ONNX models Berth must refuse at load (written by opt-ml-fixtures/generate_onnx.py): each read and compiled
/// gives an error naming the problem — never a crash, a hang or an allocation the file's size cannot justify.
@Suite struct ONNXRefusalTests {
    static let folder = Fixtures.root + "/onnx-refused"

    static var cases: [String] {
        let manifest = try? JSONReader.parse(Fixtures.bytes(folder + "/refusals.json"))
        return (manifest?.object?.keys).map { Array($0).sorted() } ?? []
    }

    /// The cases come from the manifest; a missing or empty manifest must fail, not leave nothing to test.
    @Test func theManifestListsTheRefusedModels() throws {
        let manifest = try JSONReader.parse(Fixtures.bytes(Self.folder + "/refusals.json"))
        #expect(manifest.object?.isEmpty == false)
        #expect(Self.cases.count == manifest.object?.count)
    }

    @Test(arguments: cases)
    func refusedWithAMessage(_ file: String) throws {
        let expected = try JSONReader.parse(Fixtures.bytes(Self.folder + "/refusals.json"))[file]!.string!
        var bytes = try Fixtures.bytes(Self.folder + "/" + file)
        if GzipInflater.isGzip(bytes) { bytes = try GzipInflater.inflate(bytes, limit: 1 << 24) }
        var message = ""
        do {
            let loaded = try ModelReader.read(file: file, bytes: bytes, siblings: { _ in [UInt8](repeating: 0, count: 96) })
            _ = try CPUBackend().compile(loaded.ir)
        } catch let error as ModelReadError {
            message = error.description
        } catch let error as ModelValidationError {
            message = error.description
        }
        #expect(message.contains(expected), "\(file): \(message.isEmpty ? "loaded without error" : message)")
    }

    /// A hostile file of thousands of made-up operators gets a message of bounded length: the first operators
    /// named, the rest counted.
    @Test func manyUnsupportedOperatorsAreNamedUpToALimitAndTheRestCounted() {
        let skipped = (0..<1_000).map { GraphConverter.SkippedNode(operatorName: "Op\($0)", nodeName: "n\($0)", failure: nil) }
        let message = ONNXModelReader.unsupportedOperators(skipped + skipped)
        #expect(message.hasPrefix("Op0 (2 nodes, the first 'n0'), Op1 (2 nodes, the first 'n1'), "))
        #expect(message.hasSuffix("Op23 (2 nodes, the first 'n23') and 976 other operators"), "\(message)")
    }

    @Test func everyTruncationOfAModelIsRefusedCleanly() throws {
        let bytes = try Fixtures.bytes(Fixtures.root + "/onnx-mlp-gemm/model/model.onnx")
        for length in stride(from: 1, to: bytes.count, by: 7) {
            let prefix = Array(bytes.prefix(length))
            if let loaded = try? ModelReader.read(file: "m", bytes: prefix) {
                // A prefix that still parses must at least compile or be refused, never crash.
                _ = try? CPUBackend().compile(loaded.ir)
            }
        }
    }

    @Test func mutatedModelsNeverCrash() throws {
        let original = try Fixtures.bytes(Fixtures.root + "/onnx-random-forest-multiclass/model/model.onnx")
        var generator = SplitMix(seed: 5)
        var predicted = 0
        for _ in 0..<300 {
            var bytes = original
            for _ in 0..<(1 + Int(generator.next() % 6)) {
                let position = Int(generator.next() % UInt64(bytes.count))
                bytes[position] = UInt8(truncatingIfNeeded: generator.next())
            }
            if let loaded = try? ModelReader.read(file: "m", bytes: bytes), let model = try? CPUBackend().compile(loaded.ir) {
                let batch = FeatureBatch.allMissing(rowCount: 3, columnCount: model.featureCount)
                #expect(model.predict(batch).rowCount == 3)
                predicted += 1
            }
        }
        // A byte flipped in a weight or a threshold still loads: if none of the 300 does, the predictions were never tried.
        #expect(predicted > 0, "no mutated model loaded, so none was run")
    }
}
