/// A model's own description of its input columns, as its file records it: each feature's name, and for a
/// categorical feature the categories it was trained with, in code order. It lets a request name its features (in any
/// order) and send category values instead of codes, recoded as the library recodes a DataFrame
/// (docs/feature-schema.md) — the pre-processing pandas did in training, done in the service.
public struct FeatureSchema: Sendable, Equatable {
    /// One column: its name (nil when the file names none) and whether it is numerical or categorical.
    public struct Feature: Sendable, Equatable {
        public let name: String?
        public let kind: Kind

        public init(name: String?, kind: Kind) {
            self.name = name
            self.kind = kind
        }
    }

    /// What a column holds: numbers, or categories (known by value, or only by hash).
    public enum Kind: Sendable, Equatable {
        case numerical
        /// Codes are `0 ..< categories.count` in `categories`' order; nil when the file holds no category values
        /// (xgboost before 3.1, LightGBM trained without pandas, CatBoost), so only numbers can be sent, read as the
        /// model reads them (codes for XGBoost and LightGBM, integer categories for CatBoost).
        case categorical(Categories?)
        /// CatBoost's categorical features: any category, text or whole number, is hashed as CatBoost hashes it and
        /// compared with the hashes the model's splits hold (`HashedCategory`); an unseen one matches none.
        case hashedCategorical
    }

    /// A categorical feature's training categories, in code order: text (pandas `object` or string categories) or
    /// numbers (integer or float categories).
    public enum Categories: Sendable, Equatable {
        case strings([String])
        case numbers([Double])

        public var count: Int {
            switch self {
            case .strings(let values): values.count
            case .numbers(let values): values.count
            }
        }

        /// Each category as text, as a request writes it: strings as they are, numbers as Python prints them
        /// (`7`, `7.5`).
        public var texts: [String] {
            switch self {
            case .strings(let values): values
            case .numbers(let values): values.map(Self.text)
            }
        }

        public static func text(_ number: Double) -> String {
            number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
        }
    }

    /// What a category value the model was not trained with is, as the model's library treats it.
    public enum UnseenCategories: Sendable, Equatable {
        /// Missing (NaN), as LightGBM's `pandas_categorical` recoding reads it.
        case missing
        /// Refused (a 400 naming it), as xgboost's re-coder refuses it ("Found a category not in the training set").
        case refused
    }

    /// How many columns a row has.
    public let featureCount: Int
    /// What a category value unseen in training means for this model.
    public let unseenCategories: UnseenCategories
    /// Whether every feature has a name, so records may name them (worked out once: requests ask for every row).
    public let namesEveryFeature: Bool
    /// Each column's name, or nil when the file names none.
    private let names: [String?]?
    /// The kind of each column that is not numerical, by column: a file may declare millions of columns and a
    /// handful of categorical ones, which this keeps as a handful of entries.
    public let nonNumericalKinds: [Int: Kind]
    private let columnOfName: [String: Int]
    /// Per categorical column with categories, each category's text to its code.
    private let codeOfText: [Int: [String: Int]]
    /// Per column with number categories, each category to its code.
    private let codeOfNumber: [Int: [Double: Int]]

    /// A schema of every column listed, in column order.
    public init(features: [Feature], unseenCategories: UnseenCategories = .missing) {
        var kinds = [Int: Kind]()
        for (column, feature) in features.enumerated() where feature.kind != .numerical { kinds[column] = feature.kind }
        self.init(columns: features.count, names: features.contains { $0.name != nil } ? features.map(\.name) : nil,
                  kinds: kinds, unseenCategories: unseenCategories)
    }

    /// A schema from what a file records, or nil when it records nothing worth one (no names, no categorical
    /// features). `names`, when given, has one entry per feature; `kinds` holds the kind of each column that is
    /// not numerical.
    public init?(featureCount: Int, names: [String]?, kinds: [Int: Kind], unseenCategories: UnseenCategories = .missing) {
        let kinds = kinds.filter { $0.value != .numerical }
        guard featureCount > 0, names.map({ $0.count == featureCount }) ?? true, names != nil || !kinds.isEmpty,
              kinds.keys.allSatisfy({ (0..<featureCount).contains($0) }) else { return nil }
        self.init(columns: featureCount, names: names, kinds: kinds, unseenCategories: unseenCategories)
    }

    private init(columns: Int, names: [String?]?, kinds: [Int: Kind], unseenCategories: UnseenCategories) {
        featureCount = columns
        self.names = names
        namesEveryFeature = names.map { $0.allSatisfy { $0 != nil } } ?? false
        nonNumericalKinds = kinds
        self.unseenCategories = unseenCategories
        var columnOfName = [String: Int]()
        // A name given twice maps to its first column, as pandas selects the first of duplicated columns.
        for (column, name) in (names ?? []).enumerated() {
            if let name, columnOfName[name] == nil { columnOfName[name] = column }
        }
        var texts = [Int: [String: Int]](), numbers = [Int: [Double: Int]]()
        for (column, kind) in kinds {
            guard case .categorical(let categories?) = kind else { continue }
            var codes = [String: Int]()
            for (code, text) in categories.texts.enumerated() where codes[text] == nil { codes[text] = code }
            texts[column] = codes
            if case .numbers(let values) = categories {
                var byValue = [Double: Int]()
                for (code, value) in values.enumerated() where byValue[value] == nil { byValue[value] = code }
                numbers[column] = byValue
            }
        }
        self.columnOfName = columnOfName
        codeOfText = texts
        codeOfNumber = numbers
    }

    /// One column's name and kind; `column` must be in `0 ..< featureCount`.
    public func feature(_ column: Int) -> Feature {
        precondition((0..<featureCount).contains(column), "column \(column) of a schema of \(featureCount) features")
        return Feature(name: names?[column], kind: nonNumericalKinds[column] ?? .numerical)
    }
    /// Every column in order, made as they are read.
    public var features: LazyMapCollection<Range<Int>, Feature> { (0..<featureCount).lazy.map(feature) }

    /// The column a name stands for.
    public func column(named name: String) -> Int? { columnOfName[name] }

    /// What a category value sent as text means in `column`: its training code, or NaN for a category unseen in
    /// training (which `unseenCategories` says whether to accept as missing). Nil when `column` is not categorical or
    /// its categories are not known, so the text cannot be read.
    public func code(ofText text: String, column: Int) -> Double? {
        if nonNumericalKinds[column] == .hashedCategorical { return HashedCategory.value(ofText: text) }
        guard let codes = codeOfText[column] else { return nil }
        return codes[text].map(Double.init) ?? .nan
    }

    /// What a number means in a named record's `column` whose categories are numbers: the code of that category
    /// (NaN when unseen), as pandas reads a number into a categorical column. Nil for other columns, where a
    /// number is the code itself.
    public func code(ofNumber number: Double, column: Int) -> Double? {
        guard let codes = codeOfNumber[column] else { return nil }
        if number.isNaN { return .nan }
        return codes[number].map(Double.init) ?? .nan
    }
}
