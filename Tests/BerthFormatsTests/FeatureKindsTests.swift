import BerthCore
import BerthJSON
import Testing
@testable import BerthFormats

/// What the readers take from a model file for requests by name and category value, and what they leave out when
/// it does not add up — the model then still serves codes, as before.
@Suite struct FeatureKindsTests {
    /// LightGBM's category lists line up with its categorical features only when there are as many and each
    /// feature's codes fall within its list.
    @Test func lightgbmListsLineUpOrAreLeftOut() {
        let infos = "[0:1] -1:1:2:0 none 0:1"
        let lined = LightGBMFeatureKinds.read(featureInfos: infos, pandasCategorical: #"[["a", "b", "c"], [3, 7]]"#, featureCount: 4)
        #expect(lined == [1: .categorical(.strings(["a", "b", "c"])), 3: .categorical(.numbers([3, 7]))])
        // A category column LightGBM did not treat as categorical shifts the lists: codes 0…2 do not fit a list of 2.
        let shifted = LightGBMFeatureKinds.read(featureInfos: infos, pandasCategorical: #"[[10, 20], ["a", "b", "c"]]"#, featureCount: 4)
        #expect(shifted == [1: .categorical(nil), 3: .categorical(nil)])
        #expect(LightGBMFeatureKinds.read(featureInfos: infos, pandasCategorical: "null", featureCount: 4)[1] == .categorical(nil))
        #expect(LightGBMFeatureKinds.read(featureInfos: "[0:1] none", pandasCategorical: nil, featureCount: 2).isEmpty)
    }

    /// xgboost's categories in every layout it writes, and layouts that do not add up left out.
    @Test func xgboostCategoriesOrNone() throws {
        func kinds(_ encodings: String) throws -> [Int: FeatureSchema.Kind] {
            let learner = try JSONReader.parse(Array(#"{"feature_types": ["float", "c"]}"#.utf8))
            let model = try JSONReader.parse(Array(#"{"cats": {"enc": \#(encodings)}}"#.utf8))
            return XGBoostFeatureKinds.read(learner: learner, model: model, featureCount: 2)
        }
        let none = #"{"offsets": [], "values": []}"#
        #expect(try kinds(#"[\#(none), {"offsets": [0, 1, 3], "values": [97, 98, 99]}]"#) == [1: .categorical(.strings(["a", "bc"]))])
        #expect(try kinds(#"[\#(none), {"type": 15, "values": [3, 7]}]"#) == [1: .categorical(.numbers([3, 7]))])
        // Offsets past the bytes, a byte out of range, another feature count, non-ASCII (written corrupted by xgboost).
        for broken in [#"[\#(none), {"offsets": [0, 9], "values": [97]}]"#, #"[\#(none), {"offsets": [0, 1], "values": [999]}]"#,
                       #"[\#(none)]"#, #"[\#(none), {"offsets": [0, 9, 13], "values": [83, -61, -93, 111, 32, 80, 97, 117, 108, 108, 105, 109, 97]}]"#] {
            #expect(try kinds(broken) == [1: .categorical(nil)], "\(broken)")
        }
    }
}
