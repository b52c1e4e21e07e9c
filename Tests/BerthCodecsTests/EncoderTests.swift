import BerthCore
import Testing
@testable import BerthCodecs

@Suite struct EncoderTests {
    func encode(_ encoder: some ResponseEncoder, _ predictions: Predictions) -> String {
        var bytes = [UInt8]()
        encoder.encode(predictions, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    let single = Predictions(rowCount: 2, columnCount: 1, values: [0.8100726, 1e-5])
    let multi = Predictions(rowCount: 1, columnCount: 3, values: [0.25, 0.5, 0.25])

    // Expected text from Python: repr(float(np.float32(0.8100726))), json.dumps of the same values.
    @Test func csvPrintsPythonReprOfTheFloat32() {
        #expect(encode(CSVEncoder(), single) == "0.8100726008415222\n9.999999747378752e-06\n")
        #expect(encode(CSVEncoder(), multi) == "0.25,0.5,0.25\n")
    }

    @Test func jsonMatchesTheOfficialShape() {
        #expect(encode(JSONResponseEncoder(), single) == #"{"predictions": [{"score": 0.8100726008415222}, {"score": 9.999999747378752e-06}]}"#)
        #expect(encode(JSONResponseEncoder(), multi) == #"{"predictions": [{"score": [0.25, 0.5, 0.25]}]}"#)
    }

    @Test func jsonLinesWriteOneObjectPerRow() {
        #expect(encode(JSONLinesEncoder(), single) == "{\"score\": 0.8100726008415222}\n{\"score\": 9.999999747378752e-06}\n")
    }

    @Test func nonFiniteValuesStayValidJSON() {
        let nan = Predictions(rowCount: 1, columnCount: 1, values: [.nan])
        #expect(encode(JSONResponseEncoder(), nan) == #"{"predictions": [{"score": null}]}"#)
    }
}
