import BerthCore
import Testing
@testable import BerthCodecs

@Suite struct NegotiationTests {
    @Test(arguments: [
        ("text/csv", RequestFormat.csv), ("TEXT/CSV; charset=UTF-8", .csv), ("text/csv;label_size=0", .csv), ("csv", .csv),
        ("application/json", .json), ("application/json; charset=utf-8", .json),
        ("application/jsonlines", .jsonLines), ("application/JSONLines", .jsonLines),
    ])
    func contentTypesAndTheirParameters(_ header: String, _ format: RequestFormat) throws {
        #expect(try RequestFormat.negotiate(contentType: header) == format)
    }

    @Test func missingContentTypeIsCSV() throws {
        #expect(try RequestFormat.negotiate(contentType: nil) == .csv)
        #expect(try RequestFormat.negotiate(contentType: "  ") == .csv)
        #expect(RequestFormat.isUnlabelled(contentType: nil) && RequestFormat.isUnlabelled(contentType: " \t"))
        #expect(!RequestFormat.isUnlabelled(contentType: "text/csv"))
        // What `curl --data` sends whatever the body is.
        #expect(try RequestFormat.negotiate(contentType: "application/x-www-form-urlencoded") == .csv)
        #expect(RequestFormat.isUnlabelled(contentType: "Application/X-WWW-Form-Urlencoded; charset=utf-8"))
    }

    /// A body without a Content-Type that starts with `{` or `[` is JSON; one whose first line holds a `:` is libsvm,
    /// as the official container reads it; every other body is CSV. Only the first line decides.
    @Test(arguments: [
        ("0 0:2.9 1:0.7\n1 0:0.8", RequestFormat.libsvm), ("3:1.5", .libsvm), ("1,2,3\n4,5,6", .csv), ("1;2;3", .csv),
        ("1,2,3\n0 0:1", .csv), ("\"a:b\",1", .libsvm), (#" {"instances": [[1, 2]]}"#, .json), ("[[1, 2], [3, 4]]", .json),
    ])
    func anUnlabelledBodyIsReadByItsFirstLine(_ body: String, _ format: RequestFormat) {
        #expect(Array(body.utf8).withUnsafeBytes(RequestFormat.unlabelled) == format)
    }

    @Test(arguments: ["application/octet-stream", "image/png", "text/plain", "application/x-npy-nope"])
    func unsupportedContentTypeIs415WithTheList(_ header: String) {
        let error = #expect(throws: CodecError.self) { try RequestFormat.negotiate(contentType: header) }
        #expect(error?.kind == .unsupportedContentType)
        #expect(error?.message.contains("text/csv") == true)
    }

    @Test(arguments: [
        (nil, ResponseFormat.csv), ("*/*", .csv), ("", .csv), ("application/json", .json),
        ("text/csv, application/json", .csv), ("image/png, application/jsonlines;q=0.5, */*;q=0.1", .jsonLines),
        ("application/json;q=0.2, text/csv;q=0.9", .csv), ("text/csv;q=0, application/json", .json),
        ("text/*", .csv), ("application/*", .json), ("Application/JSON; charset=utf-8", .json),
        // A specific range's q overrides a wildcard's (RFC 9110 §12.5.1): q=0 excludes the type even where */* is listed.
        ("text/csv;q=0, */*", .json), ("text/*;q=0, */*", .json), ("application/json;q=0, application/*", .jsonLines),
        ("*/*, text/csv;q=0.5", .json), ("text/csv;q=0.5, */*;q=0.4", .csv), ("text/csv;q=0, text/csv", .csv),
    ] as [(String?, ResponseFormat)])
    func acceptListsPickTheFirstSupported(_ accept: String?, _ format: ResponseFormat) throws {
        #expect(try ResponseFormat.negotiate(accept: accept, defaultFormat: .csv) == format)
    }

    @Test func defaultAcceptIsConfigurable() throws {
        #expect(try ResponseFormat.negotiate(accept: "*/*", defaultFormat: .json) == .json)
        #expect(try ResponseFormat.negotiate(accept: nil, defaultFormat: .jsonLines) == .jsonLines)
    }

    @Test(arguments: ["image/png", "text/html, application/xml", "text/csv;q=0", "text/*, text/csv;q=0"])
    func unsatisfiableAcceptIs406(_ accept: String) {
        let error = #expect(throws: CodecError.self) { try ResponseFormat.negotiate(accept: accept, defaultFormat: .csv) }
        #expect(error?.kind == .notAcceptable)
    }
}
