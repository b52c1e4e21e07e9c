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

    /// Batch mode without selected outputs writes each row's bare scores, a list for several, in CSV and JSON Lines
    /// alike: the official container's batch output, which downstream jobs read (text from its recorded answers).
    @Test func batchModeWritesBareScoreLines() {
        let batch = ResponseEncodingOptions(batchFraming: true)
        let softprob = Predictions(rowCount: 2, columnCount: 3, values: [0.070299968, 0.28055602, 0.6491440, 0.25, 0.5, 0.25])
        #expect(encode(CSVEncoder(options: batch), softprob) == "[0.07029996812343597, 0.2805560231208801, 0.6491439938545227]\n[0.25, 0.5, 0.25]\n")
        #expect(encode(JSONLinesEncoder(options: batch), softprob) == "[0.07029996812343597, 0.2805560231208801, 0.6491439938545227]\n[0.25, 0.5, 0.25]\n")
        #expect(encode(CSVEncoder(options: batch), single) == "0.8100726008415222\n9.999999747378752e-06\n")
        #expect(encode(JSONLinesEncoder(options: batch), single) == "0.8100726008415222\n9.999999747378752e-06\n")
        // Outside batch mode, and with selected outputs, the objects and columns stay.
        #expect(encode(CSVEncoder(), softprob).hasPrefix("0.07029996812343597,0.2805560231208801,0.6491439938545227\n"))
        #expect(encode(JSONLinesEncoder(), single).hasPrefix("{\"score\": "))
    }

    @Test func nonFiniteValuesStayValidJSON() {
        let nan = Predictions(rowCount: 1, columnCount: 1, values: [.nan])
        #expect(encode(JSONResponseEncoder(), nan) == #"{"predictions": [{"score": null}]}"#)
    }

    /// A large answer is written a block of rows at a time; the blocks join into the document written whole, for
    /// rows of one score (written without per-row lookups) and rows of several alike.
    @Test func jsonWrittenInBlocksIsTheWholeDocument() {
        let values = (0..<12).map { Float($0) / 7 }
        for columnCount in [1, 3] {
            let encoder = JSONResponseEncoder()
            let rowCount = values.count / columnCount
            var blocks = [UInt8]()
            encoder.appendOpening(to: &blocks)
            for firstRow in stride(from: 0, to: rowCount, by: 3) {
                let block = Array(values[firstRow * columnCount ..< min(firstRow + 3, rowCount) * columnCount])
                encoder.appendObjects(Predictions(rowCount: block.count / columnCount, columnCount: columnCount, values: block),
                                      firstRow: firstRow, to: &blocks)
            }
            encoder.appendClosing(to: &blocks)
            let whole = encode(encoder, Predictions(rowCount: rowCount, columnCount: columnCount, values: values))
            #expect(String(decoding: blocks, as: UTF8.self) == whole)
            #expect(whole.hasPrefix(columnCount == 1 ? #"{"predictions": [{"score": 0.0}, {"score": 0.1428571492433548}, "#
                                                     : #"{"predictions": [{"score": [0.0, 0.1428571492433548, 0.2857142984867096]}, "#))
        }
    }
}
