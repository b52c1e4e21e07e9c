import BerthJSON

/// An XGBoost model's trees that its document reader set aside rather than nesting them in the document: a UBJSON
/// model's, read as member lists (`UBJSONReader`), or a JSON model's, found but not yet parsed (`JSONReader`'s
/// `ListedElements`), each tree then parsed on its own as the decoder reads it, on several threads for a large model.
struct ListedTrees: Sendable {
    /// The member keys from the document's root down to the array's own key.
    let path: [String]
    let count: Int
    /// Tree `index`'s members.
    let members: @Sendable (Int) throws(ModelReadError) -> JSONMembers

    init(_ list: ListedObjects) {
        path = list.path
        count = list.objects.count
        members = { list.objects[$0] }
    }

    /// Trees a document holds nested, already parsed (a JSON document read whole).
    init(nested objects: [JSONMembers]) {
        path = []
        count = objects.count
        members = { objects[$0] }
    }

    /// A JSON model's trees in `bytes` (the file, named `file` in errors), read with its non-finite numbers.
    init(_ list: ListedElements, in bytes: [UInt8], file: String) {
        path = list.path
        count = list.elements.count
        members = { index throws(ModelReadError) in
            let tree: JSONValue
            do { tree = try JSONReader.parse(element: index, of: list, in: bytes, allowsNonFiniteNumbers: true) } catch {
                throw ModelReadError(file: file, reason: "is not valid JSON (\(error)); the file may be truncated")
            }
            guard let members = tree.object else { throw ModelReadError(file: file, reason: "tree \(index) is not an object") }
            return JSONMembers(members)
        }
    }
}
