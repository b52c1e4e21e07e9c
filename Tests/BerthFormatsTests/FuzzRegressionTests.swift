import BerthCore
import BerthTestSupport
import Testing
@testable import BerthFormats

/// Model files libFuzzer found (`Fuzz/regressions/`), replayed through start-up's road: each is read, compiled
/// and run, or refused with a message short enough to show a person — never a crash.
@Suite struct ModelFuzzRegressionTests {
    static let cases = ["FuzzXGBoostJSON", "FuzzXGBoostUBJSON", "FuzzXGBoostLegacy", "FuzzONNX", "FuzzLightGBM", "FuzzCatBoost"]
        .flatMap { Fixtures.fuzzRegressions($0) }

    /// Five of these parsers have regressions today; an empty list means the folder moved, not that all is well.
    @Test func theRegressionsAreFound() {
        #expect(Self.cases.count >= 7, "\(Self.cases)")
    }

    @Test(arguments: cases)
    func loadsOrIsRefusedBriefly(_ path: String) throws {
        let bytes = try Fixtures.bytes(path)
        var message = ""
        do {
            let model = try CPUBackend().compile(try ModelReader.read(file: "model", bytes: bytes).ir)
            #expect(model.predict(.allMissing(rowCount: 2, columnCount: model.featureCount)).rowCount == 2)
        } catch let error as ModelReadError {
            message = error.description
        } catch let error as ModelValidationError {
            message = error.description
        }
        #expect(message.utf8.count <= 2_048, "\(path): a \(message.utf8.count)-byte message: \(message.prefix(300))")
    }
}
