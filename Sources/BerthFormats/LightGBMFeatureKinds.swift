import BerthCore
import BerthJSON

/// Which of a LightGBM model's features are categorical, and the pandas categories they were trained with, from
/// the model text: `feature_infos` lists a categorical feature's seen codes (`-1:1:2:0`) where a numerical one has
/// its range (`[0.5:7]`) or `none`, and the last line, `pandas_categorical:[[...], ...]`, holds each categorical
/// DataFrame column's categories in code order, categorical columns in column order — what LightGBM's own
/// `predict` recodes a DataFrame with (docs/feature-schema.md).
enum LightGBMFeatureKinds {
    /// The kind of each categorical feature, by column; empty when the model has none. Categories that do not line
    /// up with the categorical features (another count, mixed types) are left out: codes still work.
    static func read(featureInfos: String?, pandasCategorical: String?, featureCount: Int) -> [Int: FeatureSchema.Kind] {
        guard let infos = featureInfos?.split(separator: " ", omittingEmptySubsequences: true), infos.count == featureCount else {
            return [:]
        }
        let categorical = infos.map { !$0.hasPrefix("[") && $0 != "none" }
        guard categorical.contains(true) else { return [:] }
        let lists = pandasCategorical.flatMap(categoryLists)
        // The lists follow the DataFrame's category columns, the features the categorical ones: they line up only
        // when there are as many, and each feature's codes (its `feature_infos`) fall within its list.
        let largestCodes = zip(infos, categorical).filter(\.1).map { info, _ in
            info.split(separator: ":").compactMap { Int($0) }.max() ?? -1
        }
        let usable = lists.map { lists in
            lists.count == largestCodes.count && zip(lists, largestCodes).allSatisfy { list, code in (list?.count ?? 0) > code }
        } ?? false
        var kinds = [Int: FeatureSchema.Kind]()
        for (list, column) in categorical.indices.filter({ categorical[$0] }).enumerated() {
            kinds[column] = .categorical(usable ? lists![list] : nil)
        }
        return kinds
    }

    /// `[["a", "b"], [3, 7]]` as each column's categories (nil for a list of mixed or other values); nil when the
    /// text is not such a list (LightGBM writes `null` for a model trained without pandas).
    private static func categoryLists(_ text: String) -> [FeatureSchema.Categories?]? {
        guard let document = try? JSONReader.parse(Array(text.utf8)), let columns = document.array else { return nil }
        return columns.map { column in
            guard let values = column.array else { return nil }
            if let numbers = column.numbers { return .numbers(numbers) }
            let strings = values.compactMap(\.string)
            return strings.count == values.count ? .strings(strings) : nil
        }
    }
}
