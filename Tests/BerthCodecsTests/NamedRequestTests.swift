import BerthCore
import Testing
@testable import BerthCodecs

/// Requests by feature name and category value (docs/feature-schema.md), against a schema like the ones model files
/// record: named JSON records in every shape, headed CSV, category text in every form, and each way such a request
/// can be wrong — a 400 that names the record, the feature and the value.
@Suite struct NamedRequestTests {
    /// age (numerical), city (text categories, codes 0…2), größe (number categories 3, 7, 12), score (numerical).
    static let schema = FeatureSchema(features: [
        .init(name: "age", kind: .numerical),
        .init(name: "city", kind: .categorical(.strings(["lima", "paris", "tokyo"]))),
        .init(name: "größe", kind: .categorical(.numbers([3, 7, 12]))),
        .init(name: "score", kind: .numerical),
    ])

    func options(_ schema: FeatureSchema? = schema, unseen: FeatureSchema.UnseenCategories = .missing,
                 unknown: UnknownFeatures = .reject, header: CSVHeader = .absent) -> RequestDecodingOptions {
        RequestDecodingOptions(schema: schema.map { FeatureSchema(features: Array($0.features), unseenCategories: unseen) },
                               unknownFeatures: unknown, csvHeader: header)
    }

    func json(_ text: String, _ options: RequestDecodingOptions? = nil) throws(CodecError) -> [Float] {
        try JSONRequestDecoder(options: options ?? self.options()).decode(Array(text.utf8), featureCount: 4).values
    }

    func csv(_ text: String, _ options: RequestDecodingOptions) throws(CodecError) -> [Float] {
        try CSVDecoder(options: options).decode(Array(text.utf8), featureCount: 4).values
    }

    /// Compares rows with NaN equal to NaN.
    func same(_ got: [Float], _ want: [Float]) -> Bool {
        got.count == want.count && zip(got, want).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
    }

    @Test(arguments: [
        #"{"instances": [{"score": 0.5, "größe": 7, "city": "tokyo", "age": 31}, {"city": null, "größe": 3}]}"#,
        #"[{"age": 31, "city": "tokyo", "größe": 7, "score": 0.5}, {"größe": 3, "age": null}]"#,
        #"{"dataframe_records": [{"age": 31, "city": "tokyo", "größe": 7, "score": 0.5}, {"größe": 3}]}"#,
        #"{"dataframe_split": {"columns": ["größe", "city", "age", "score"], "data": [[7, "tokyo", 31, 0.5], [3, null, null, null]]}}"#,
        #"{"dataframe_split": {"index": [0, 1], "columns": ["gr\u00f6\u00dfe", "city", "age", "score"], "data": [[7, "tokyo", 31, 0.5], [3, null, null, null]]}}"#,
    ])
    func namedRecordsInAnyOrderMapThroughTheSchema(_ body: String) throws {
        #expect(same(try json(body), [31, 2, 1, 0.5, .nan, .nan, 0, .nan]))
    }

    /// A model with a feature named "features": `{"features": …}` is a named record there, also in JSON Lines and
    /// in `instances`, whose rows of plain numbers are otherwise read in one pass.
    @Test func aFeatureNamedFeaturesIsReadByNameInJSONLines() throws {
        let schema = FeatureSchema(features: [.init(name: "features", kind: .numerical), .init(name: "b", kind: .numerical)])
        let lines = try JSONLinesDecoder(options: options(schema)).decode(Array("{\"features\": 5}\n[1, 2]\n".utf8), featureCount: 2)
        #expect(same(lines.values, [5, .nan, 1, 2]))
        let plain = try JSONLinesDecoder(options: options(nil)).decode(Array("{\"features\": [5, 6]}\n".utf8), featureCount: 2)
        #expect(plain.values == [5, 6])
        let instances = try JSONRequestDecoder(options: options(schema)).decode(Array(#"{"instances": [{"features": 5}, [1, 2]]}"#.utf8), featureCount: 2)
        #expect(same(instances.values, [5, .nan, 1, 2]))
    }

    @Test func jsonLinesOfNamedRecordsAndASingleRecord() throws {
        let lines = try JSONLinesDecoder(options: options()).decode(Array("{\"city\": \"lima\"}\n{\"age\": 2, \"größe\": 12}\n".utf8), featureCount: 4)
        #expect(same(lines.values, [.nan, 0, .nan, .nan, 2, .nan, 2, .nan]))
        #expect(same(try json(#"{"score": 1, "city": "paris"}"#), [.nan, 1, .nan, 1]))
    }

    /// Positionally a number is the code; text in a categorical feature is its category.
    @Test func positionalRowsTakeCodesAndCategoryText() throws {
        #expect(same(try json(#"[[31, "tokyo", 2, 0.5], [1, 1, 0, 0]]"#), [31, 2, 2, 0.5, 1, 1, 0, 0]))
        #expect(same(try csv("31,tokyo,2,0.5\n1,\"paris\",0,\n", options()), [31, 2, 2, 0.5, 1, 1, 0, .nan]))
    }

    @Test func headedCSVMapsColumnsByName() throws {
        let body = "score,größe,city,age\n0.5,7,tokyo,31\n,3,,\n"
        #expect(same(try csv(body, options(header: .present)), [31, 2, 1, 0.5, .nan, .nan, 0, .nan]))
        // Fewer columns than features: the rest are missing.
        #expect(same(try csv("city\r\nparis\n", options(header: .present)), [.nan, 1, .nan, .nan]))
        // Without the parameter the header is what it always was: a 400 saying how to send it.
        let error = #expect(throws: CodecError.self) { try csv(body, options()) }
        #expect(error?.message.contains("header=present") == true)
    }

    @Test func unseenCategoriesAreMissingOrRefusedAsTheLibraryTreatsThem() throws {
        #expect(same(try json(#"{"city": "berlin", "größe": 99}"#), [.nan, .nan, .nan, .nan]))
        let error = #expect(throws: CodecError.self) { try json(#"{"city": "berlin"}"#, options(unseen: .refused)) }
        #expect(error?.message.contains("'berlin', a category the model was not trained with (its categories: lima, paris, tokyo)") == true)
        let number = #expect(throws: CodecError.self) { try json(#"{"größe": 99}"#, options(unseen: .refused)) }
        #expect(number?.message.contains("feature 'größe' (value 3) is 99") == true)
        // CSV alike, positional and headed.
        #expect(same(try csv("1,berlin,0,0\n", options()), [1, .nan, 0, 0]))
        let positional = #expect(throws: CodecError.self) { try csv("1,berlin,0,0\n", options(unseen: .refused)) }
        #expect(positional?.message.contains("line 1, feature 'city' (value 2) is 'berlin', a category the model was not trained with") == true)
        let headed = #expect(throws: CodecError.self) { try csv("city,größe\nlima,99\n", options(unseen: .refused, header: .present)) }
        #expect(headed?.message.contains("line 2, feature 'größe' (value 3) is 99") == true)
    }

    @Test(arguments: [
        (#"{"age": 1, "agee": 2}"#, "names a feature the model does not have: 'agee'"),
        (#"{"age": "old"}"#, "record 1, feature 'age' (value 1) is numerical, and 'old' is not a number"),
        (#"{"score": [1]}"#, "feature 'score' (value 4) is not a number"),
        (#"{"age": 1, "age": 2}"#, "the key \"age\" appears twice"),
        (#"{"instances": [{"city": "tokyo"}, {"city": 1, "x\ty": 2}]}"#, "instance 2 names a feature the model does not have: 'x?y'"),
        (#"{"dataframe_split": {"columns": ["age", "age"], "data": [[1, 2]]}}"#, "names the column 'age' twice"),
        (#"{"dataframe_split": {"columns": ["age", "city"], "data": [[1]]}}"#, "row 1 has 1 values for 2 columns"),
        (#"{"dataframe_split": {"columns": ["age"]}}"#, "must be an object with \"columns\""),
        (#"{"age": "\#(String(repeating: "x", count: 500))"}"#, "and '\(String(repeating: "x", count: 40))…' is not a number"),
    ] as [(String, String)])
    func wrongRecordsAreBadRequestsNamingWhatIsWrong(_ body: String, _ message: String) {
        let error = #expect(throws: CodecError.self) { try json(body) }
        #expect(error?.kind == .badRequest)
        #expect(error?.message.contains(message) == true, "\(error?.message ?? "")")
    }

    /// A data line taken for a header is refused, not answered as rows of missing values or permuted columns —
    /// even where the model's features are named by numbers.
    @Test func aHeaderThatIsDataIsRefused() {
        let error = #expect(throws: CodecError.self) { try csv("x,y\n5,6\n", options(unknown: .ignore, header: .present)) }
        #expect(error?.message.contains("names none of the model's features") == true)
        let numbered = FeatureSchema(features: (0..<4).map { .init(name: "\($0)", kind: .numerical) })
        let numbers = #expect(throws: CodecError.self) { try csv("1,0,2,3\n5,6,7,8\n", options(numbered, header: .present)) }
        #expect(numbers?.message.contains("is numbers, not names") == true)
    }

    /// A spreadsheet's byte order mark does not stick to the first name; the line numbers of a later request of a
    /// file count on from where it starts.
    @Test func headersReadAsPeopleWriteThem() throws {
        #expect(same(try csv("\u{FEFF}age,city\n3,lima\n", options(header: .present)), [3, 0, .nan, .nan]))
        var later = options(header: .present)
        later.firstLineNumber = 1000
        let error = #expect(throws: CodecError.self) { try CSVDecoder(options: later).decode(Array("age\n1\nx\n".utf8), featureCount: 4) }
        #expect(error?.message.contains("line 1002") == true, "\(error?.message ?? "")")
    }

    /// pandas names the columns of a frame without names by numbers, and `dataframe_split` writes them so.
    @Test func numberedColumnsNameFeatures() throws {
        let numbered = FeatureSchema(features: (0..<4).map { .init(name: "\($0)", kind: .numerical) })
        let body = #"{"dataframe_split": {"columns": [3, 0], "data": [[1.5, 2]]}}"#
        #expect(same(try json(body, options(numbered)), [2, .nan, .nan, 1.5]))
    }

    /// Rows that name nothing still fill every feature: a request that would expand past the cap is refused first.
    @Test func expansionIsBounded() {
        #expect(throws: CodecError.self) { try RequestDecodingOptions.requireRoom(for: RequestDecodingOptions.maxValues - 3, featureCount: 4) }
        #expect(throws: Never.self) { try RequestDecodingOptions.requireRoom(for: RequestDecodingOptions.maxValues - 4, featureCount: 4) }
    }

    /// A key given twice is named in the message, shortened by characters a person sees, whatever it holds.
    @Test func aRepeatedKeyIsNamedShortly() {
        let key = "e" + String(repeating: "\u{301}", count: 10_000)
        let error = #expect(throws: CodecError.self) { try json("{\"\(key)\": 1, \"\(key)\": 2}") }
        #expect((error?.message.utf8.count ?? .max) < 400)
    }

    @Test func unknownFeaturesMayBeIgnored() throws {
        let ignoring = options(unknown: .ignore)
        #expect(same(try json(#"{"age": 1, "id": "row-7", "label": 0}"#, ignoring), [1, .nan, .nan, .nan]))
        #expect(same(try csv("id,age,label\nrow-7,1,0\n", options(unknown: .ignore, header: .present)), [1, .nan, .nan, .nan]))
        let error = #expect(throws: CodecError.self) { try csv("id,age\nrow-7,1\n", options(header: .present)) }
        #expect(error?.message.contains("names a column the model does not have: 'id'") == true)
    }

    /// A record with more keys than the model has features plus a margin is refused before its row is laid out.
    @Test func hugeKeyCountsAreRefused() {
        let keys = (0..<(4 + RequestDecodingOptions.extraNameMargin + 1)).map { "\"k\($0)\": 1" }.joined(separator: ", ")
        let error = #expect(throws: CodecError.self) { try json("{\(keys)}", options(unknown: .ignore)) }
        #expect(error?.message.contains("has 69 keys, and the model takes 4 features") == true)
    }

    @Test func modelsWithoutNamesOrCategoriesSaySo() {
        let unnamed = #expect(throws: CodecError.self) { try json(#"{"age": 1}"#, options(nil)) }
        #expect(unnamed?.message.contains("names no features") == true)
        let uncoded = FeatureSchema(features: [.init(name: "a", kind: .categorical(nil))] + (1..<4).map { .init(name: "f\($0)", kind: .numerical) })
        let error = #expect(throws: CodecError.self) { try json(#"{"a": "x"}"#, options(uncoded)) }
        #expect(error?.message.contains("records no category values for it") == true)
        // So does header-less CSV: text in that column, even on the first line, is a category it cannot recode.
        let positional = #expect(throws: CodecError.self) { try csv("navy,1,2,3\n", options(uncoded)) }
        #expect(positional?.message.contains("is categorical, but the model file records no category values") == true, "\(positional?.message ?? "")")
        let header = #expect(throws: CodecError.self) { try csv("a,b\n1,2\n", options(nil, header: .present)) }
        #expect(header?.message.contains("names no features") == true)
    }

    /// Strict counts stay: a positional row of another width is a 400, named or not.
    @Test func positionalRowsKeepStrictCounts() {
        #expect(throws: CodecError.self) { try json(#"[[1, "tokyo", 2]]"#) }
        #expect(throws: CodecError.self) { try csv("1,tokyo,2\n", options()) }
        #expect(throws: CodecError.self) { try csv("age,city\n1,tokyo,3\n", options(header: .present)) }
    }

    @Test func theContentTypeSaysWhetherCSVHasAHeader() throws {
        #expect(try CSVHeader.parameter(ofContentType: "text/csv; header=present") == .present)
        #expect(try CSVHeader.parameter(ofContentType: "text/csv;charset=utf-8;Header=Absent") == .absent)
        #expect(try CSVHeader.parameter(ofContentType: "text/csv") == nil)
        #expect(throws: CodecError.self) { try CSVHeader.parameter(ofContentType: "text/csv; header=yes") }
    }
}
