import BerthCore

/// A CSV header line (`text/csv; header=present`) read against the model's feature names: which feature each field
/// of a row fills. Names map in any order; a feature the header does not name is missing in every row; a name the
/// model does not have is a 400 (or, with `BERTH_UNKNOWN_FEATURES=ignore`, a column skipped); a name given twice is
/// a 400 (docs/feature-schema.md).
struct CSVHeaderColumns {
    /// Per field of a row, the feature it fills, or nil for a skipped column.
    let fieldColumns: [Int?]

    init(_ line: UnsafeBufferPointer<UInt8>, delimiter: UInt8, lineNumber: Int, schema: FeatureSchema?, featureCount: Int,
         unknownFeatures: UnknownFeatures) throws(CodecError) {
        guard let schema, schema.namesEveryFeature else {
            throw .bad("the CSV body says it has a header (header=present), but this model's file names no features: send header-less CSV in training column order")
        }
        var names = [String]()
        // A spreadsheet's UTF-8 byte order mark ("utf-8-sig") is no part of the first name.
        var start = line.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        for index in 0...line.count where index == line.count || line[index] == delimiter {
            guard names.count < featureCount + RequestDecodingOptions.extraNameMargin else {
                throw .bad("the CSV header (line \(lineNumber)) names more than \(names.count) columns, and the model takes \(featureCount) features")
            }
            names.append(CSVDecoder.unquoted(line, start..<index))
            start = index + 1
        }
        // A data line read as a header (a batch-transform mini-batch past the file's first, which has none) is numbers:
        // refused even where the model's features are named by numbers, rather than answered with permuted columns.
        guard !names.allSatisfy({ Double($0) != nil }) else {
            throw .bad("""
                the CSV header (line \(lineNumber)) is numbers, not names: is the first line a header? Only the first request \
                of a file split at line ends (SplitType=Line) holds it
                """)
        }
        var columns = [Int?]()
        var taken = Set<Int>()
        var unknown = [String]()
        for name in names {
            guard let column = schema.column(named: name) else {
                if unknownFeatures == .reject { unknown.append(name) }
                columns.append(nil)
                continue
            }
            guard taken.insert(column).inserted else {
                throw .bad("the CSV header (line \(lineNumber)) names the column '\(CategoryText.shortened(name))' twice")
            }
            columns.append(column)
        }
        guard unknown.isEmpty else {
            let listed = unknown.prefix(3).map { "'\(CategoryText.shortened($0))'" }.joined(separator: ", ")
            throw .bad("""
                the CSV header (line \(lineNumber)) names \(unknown.count == 1 ? "a column" : "\(unknown.count) columns") the model \
                does not have: \(listed) (its features: \(JSONRows.featureList(schema))); fix the header, or set \
                BERTH_UNKNOWN_FEATURES=ignore to skip such columns
                """)
        }
        // A data line read as a header (a batch-transform mini-batch past the file's first, which has none) names no
        // feature: refused, rather than answered as rows of missing values.
        guard columns.contains(where: { $0 != nil }) else {
            throw .bad("""
                the CSV header (line \(lineNumber)) names none of the model's features (its features: \(JSONRows.featureList(schema))): \
                is the first line a header? Only the first request of a file split at line ends (SplitType=Line) holds it
                """)
        }
        fieldColumns = columns
    }

    /// The feature field `field` fills, nil when it is skipped (or past the header, which the row count check refuses).
    func column(ofField field: Int) -> Int? {
        field < fieldColumns.count ? fieldColumns[field] : nil
    }

    /// Appends one row: `fields` (one per header column) placed in their features, the rest missing; a number in a
    /// feature whose categories are numbers is that category (its code), as pandas reads a named column.
    func place<Values: FeatureValues>(_ fields: [Double], schema: FeatureSchema?, featureCount: Int, label: String,
                                      into values: inout Values) throws(CodecError) {
        try RequestDecodingOptions.requireRoom(for: values.count, featureCount: featureCount)
        let start = values.count
        values.appendMissing(count: featureCount)
        for (field, value) in fields.enumerated() {
            guard let column = column(ofField: field) else { continue }
            values.set(try CategoryText.code(ofNumber: value, column: column, schema: schema, label: label), at: start + column)
        }
    }
}
