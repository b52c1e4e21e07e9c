/// Field numbers of SageMaker's RecordIO-protobuf schema (`aialgs.data`, FMT-RIO-2), shared by the decoder and
/// the encoder so each number is written down once.
///
/// ```
/// Record        { map<string, Value> features = 1; map<string, Value> label = 2; … }
/// map entry     { string key = 1; Value value = 2; }
/// Value         { oneof { Float32Tensor float32_tensor = 2; Float64Tensor float64_tensor = 3;
///                         Int32Tensor int32_tensor = 7; Bytes bytes = 9; } }
/// *Tensor       { repeated values = 1 [packed]; repeated uint64 keys = 2 [packed]; repeated uint64 shape = 3 [packed]; }
/// ```
enum RecordIOSchema {
    static let recordFeatures: UInt64 = 1
    static let recordLabel: UInt64 = 2
    static let mapKey: UInt64 = 1
    static let mapValue: UInt64 = 2
    static let float32Tensor: UInt64 = 2
    static let float64Tensor: UInt64 = 3
    static let int32Tensor: UInt64 = 7
    static let bytes: UInt64 = 9
    static let tensorValues: UInt64 = 1
    static let tensorKeys: UInt64 = 2
    static let tensorShape: UInt64 = 3
}
