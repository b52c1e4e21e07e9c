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

    public let features: [Feature]
    public let unseenCategories: UnseenCategories
    private let columnOfName: [String: Int]
    /// Per categorical column with categories, each category's text to its code.
    private let codeOfText: [Int: [String: Int]]
    /// Per column with number categories, each category to its code.
    private let codeOfNumber: [Int: [Double: Int]]
    /// The columns whose categories are hashed (CatBoost).
    private let hashedColumns: Set<Int>

    public init(features: [Feature], unseenCategories: UnseenCategories = .missing) {
        self.features = features
        self.unseenCategories = unseenCategories
        var names = [String: Int]()
        var texts = [Int: [String: Int]](), numbers = [Int: [Double: Int]]()
        var hashed = Set<Int>()
        for (column, feature) in features.enumerated() {
            if feature.kind == .hashedCategorical { hashed.insert(column) }
            // A name given twice maps to its first column, as pandas selects the first of duplicated columns.
            if let name = feature.name, names[name] == nil { names[name] = column }
            guard case .categorical(let categories?) = feature.kind else { continue }
            var codes = [String: Int]()
            for (code, text) in categories.texts.enumerated() where codes[text] == nil { codes[text] = code }
            texts[column] = codes
            if case .numbers(let values) = categories {
                var byValue = [Double: Int]()
                for (code, value) in values.enumerated() where byValue[value] == nil { byValue[value] = code }
                numbers[column] = byValue
            }
        }
        columnOfName = names
        codeOfText = texts
        codeOfNumber = numbers
        hashedColumns = hashed
    }

    /// A schema from what a file records, or nil when it records nothing worth one (no names, no categorical
    /// features). `names` and `kinds`, when given, have one entry per feature.
    public init?(names: [String]?, kinds: [Kind]?, unseenCategories: UnseenCategories = .missing) {
        let count = names?.count ?? kinds?.count ?? 0
        guard count > 0, names.map({ $0.count == count }) ?? true, kinds.map({ $0.count == count }) ?? true else { return nil }
        guard names != nil || kinds!.contains(where: { $0 != .numerical }) else { return nil }
        self.init(features: (0..<count).map { Feature(name: names?[$0], kind: kinds?[$0] ?? .numerical) }, unseenCategories: unseenCategories)
    }

    public var featureCount: Int { features.count }
    /// Whether every feature has a name, so records may name them.
    public var namesEveryFeature: Bool { features.allSatisfy { $0.name != nil } }

    /// The column a name stands for.
    public func column(named name: String) -> Int? { columnOfName[name] }

    /// What a category value sent as text means in `column`: its training code, or NaN for a category unseen in
    /// training (which `unseenCategories` says whether to accept as missing). Nil when `column` is not categorical or
    /// its categories are not known, so the text cannot be read.
    public func code(ofText text: String, column: Int) -> Double? {
        if hashedColumns.contains(column) { return HashedCategory.value(ofText: text) }
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
