import BerthProtobuf
import BerthCore

/// `application/x-recordio-protobuf` request bodies (FMT-RIO-1, FMT-RIO-2): RecordIO-framed protobuf `Record`s,
/// one row each, with the features under the key `"values"` as a `Float32Tensor`, `Float64Tensor` or
/// `Int32Tensor`.
///
/// A tensor with no `keys` is dense and holds exactly one value per feature; one with `keys` is sparse, names
/// the feature index of each value, carries `shape` (the feature count) or none, and leaves absent features missing.
/// One body uses one layout. Every tensor's values are exact as doubles; a model that compares doubles (LightGBM)
/// gets them unrounded. A body that does not start with the RecordIO magic is read as one bare `Record`:
/// batch transform may strip the framing of a SINGLE_RECORD request (OQ-12). Labels are ignored. A large body is
/// read on every idle core, a run of records a thread (`BodyPieces`).
public struct RecordIODecoder: RequestDecoder {
    public let options: RequestDecodingOptions

    public init(options: RequestDecodingOptions = .init()) {
        self.options = options
    }

    public func decode(_ body: UnsafeRawBufferPointer, featureCount: Int) throws(CodecError) -> FeatureBatch {
        let bytes = body.bindMemory(to: UInt8.self)
        let records = RecordIOFraming.startsWithMagic(bytes) ? try RecordIOFraming.records(in: bytes) : [0..<bytes.count]
        guard !records.isEmpty else { throw .bad("the RecordIO body holds no records") }
        switch options.precision {
        case .float32: return try batch(bytes, records, featureCount: featureCount, into: Float32Values.self)
        case .float64: return try batch(bytes, records, featureCount: featureCount, into: KeptDoubles.self)
        }
    }

    private func batch<Values: FeatureValues>(_ bytes: UnsafeBufferPointer<UInt8>, _ records: [Range<Int>], featureCount: Int,
                                              into: Values.Type) throws(CodecError) -> FeatureBatch {
        if let batch = Self.batchInPieces(bytes, records, featureCount: featureCount, parallelism: options.parallelism, into: Values.self) {
            return batch
        }
        return try Self.batch(bytes, records, featureCount: featureCount, layout: nil, into: Values.self)
    }

    /// A large body's rows read on idle cores, each thread a run of whole records with the layout of the body's
    /// first record; nil where the body is read whole instead: small, one thread, more values than a request may
    /// hold, or any run that does not read (the whole read then names the record at fault, as before).
    static func batchInPieces<Values: FeatureValues>(_ bytes: UnsafeBufferPointer<UInt8>, _ records: [Range<Int>], featureCount: Int,
                                                     parallelism: RowParallelism?, into: Values.Type) -> FeatureBatch? {
        // Every record fills every feature, dense or sparse; each run checks only its own values against the limit.
        let everyFeature = records.count.multipliedReportingOverflow(by: featureCount)
        guard !everyFeature.overflow, everyFeature.partialValue <= RequestDecodingOptions.maxValues,
              let first = records.first, first.lowerBound >= 8 else { return nil }
        // Runs are cut at record headers: each run's bytes frame its own records.
        let pieces = BodyPieces(bytes, parallelism: parallelism) { pieceCount in
            let starts = (0..<pieceCount).map { records[records.count * $0 / pieceCount].lowerBound - 8 } + [bytes.count]
            return (0..<pieceCount).map { starts[$0]..<starts[$0 + 1] }.filter { !$0.isEmpty }
        }
        guard let pieces else { return nil }
        var probe = RecordReader(bytes: bytes, featureCount: featureCount)
        var scratch = ScratchValues()
        guard (try? probe.appendRow(first, number: 1, into: &scratch)) != nil, let layout = probe.isSparse else { return nil }
        return pieces.read(featureCount: featureCount) { piece, _ in
            guard let records = try? RecordIOFraming.records(in: piece) else { return nil }
            return try? batch(piece, records, featureCount: featureCount, layout: layout, into: Values.self)
        }
    }

    /// The rows of `records`; `layout` is whether they must be sparse (nil: as the first of them is).
    private static func batch<Values: FeatureValues>(_ bytes: UnsafeBufferPointer<UInt8>, _ records: [Range<Int>], featureCount: Int,
                                                     layout: Bool?, into: Values.Type) throws(CodecError) -> FeatureBatch {
        var reader = RecordReader(bytes: bytes, featureCount: featureCount)
        reader.isSparse = layout
        // Records may be empty or sparse and still fill every feature: the reservation and the rows stay within the
        // request's value budget, however many records the body frames.
        let everyFeature = records.count.multipliedReportingOverflow(by: featureCount)
        var values = Values(reservingCapacity: min(everyFeature.overflow ? .max : everyFeature.partialValue, RequestDecodingOptions.maxValues))
        for (index, record) in records.enumerated() {
            try RequestDecodingOptions.requireRoom(for: values.count, featureCount: featureCount)
            do throws(ProtobufReader.Malformed) {
                try reader.appendRow(record, number: index + 1, into: &values)
            } catch {
                throw .bad("RecordIO record \(index + 1) is not a valid protobuf Record: \(error.reason)")
            }
        }
        return values.batch(rowCount: records.count, columnCount: featureCount)
    }
}

/// Reads the `"values"` tensor of each `Record` into a row, reusing its scratch buffers from record to record.
private struct RecordReader {
    let bytes: UnsafeBufferPointer<UInt8>
    let featureCount: Int
    var isSparse: Bool?
    /// The tensor's values, each exact as a double whatever the tensor's element type.
    var tensorValues = ScratchValues()
    /// The tensor's values while they are one packed float field, the usual tensor: left in the record's bytes and
    /// read straight into the batch once the tensor proves dense, instead of through `tensorValues`.
    private var packedValues: (range: Range<Int>, element: Element)?
    var keys = [UInt64]()
    var shape = [UInt64]()

    init(bytes: UnsafeBufferPointer<UInt8>, featureCount: Int) {
        self.bytes = bytes
        self.featureCount = featureCount
    }

    private enum Element { case float32, float64, int32 }

    /// The features entry SageMaker's RecordIO keeps a row under.
    private static let valuesKey = Array("values".utf8)

    mutating func appendRow<Values: FeatureValues>(_ record: Range<Int>, number: Int, into values: inout Values) throws(ProtobufReader.Malformed) {
        var fields = ProtobufReader(bytes, record)
        var featureValue: Range<Int>?
        while let field = try fields.nextField() {
            guard field.number == RecordIOSchema.recordFeatures, field.wireType == .lengthDelimited else {
                try fields.skip(field.wireType)
                continue
            }
            var entry = ProtobufReader(bytes, try fields.lengthDelimited())
            var key: Range<Int>?
            var value: Range<Int>?
            while let entryField = try entry.nextField() {
                switch (entryField.number, entryField.wireType) {
                case (RecordIOSchema.mapKey, .lengthDelimited): key = try entry.lengthDelimited()
                case (RecordIOSchema.mapValue, .lengthDelimited): value = try entry.lengthDelimited()
                default: try entry.skip(entryField.wireType)
                }
            }
            if let key, key.count == Self.valuesKey.count, bytes[key].elementsEqual(Self.valuesKey) { featureValue = value }
        }
        guard let featureValue else {
            throw ProtobufReader.Malformed(reason: "it has no features entry named \"values\" (SageMaker's RecordIO keeps the features under \"values\")")
        }
        try readTensor(featureValue)
        try appendTensor(number: number, into: &values)
    }

    /// Reads the `Value` message's tensor into the scratch buffers.
    private mutating func readTensor(_ value: Range<Int>) throws(ProtobufReader.Malformed) {
        tensorValues.removeAll()
        packedValues = nil
        keys.removeAll(keepingCapacity: true)
        shape.removeAll(keepingCapacity: true)
        var fields = ProtobufReader(bytes, value)
        var tensor: (Range<Int>, Element)?
        while let field = try fields.nextField() {
            switch (field.number, field.wireType) {
            case (RecordIOSchema.float32Tensor, .lengthDelimited): tensor = (try fields.lengthDelimited(), .float32)
            case (RecordIOSchema.float64Tensor, .lengthDelimited): tensor = (try fields.lengthDelimited(), .float64)
            case (RecordIOSchema.int32Tensor, .lengthDelimited): tensor = (try fields.lengthDelimited(), .int32)
            case (RecordIOSchema.bytes, _): throw ProtobufReader.Malformed(reason: "its \"values\" hold bytes, not a numeric tensor")
            default: try fields.skip(field.wireType)
            }
        }
        guard let (range, element) = tensor else {
            throw ProtobufReader.Malformed(reason: "its \"values\" hold no float32, float64 or int32 tensor")
        }
        var reader = ProtobufReader(bytes, range)
        while let field = try reader.nextField() {
            switch field.number {
            case RecordIOSchema.tensorValues: try readRepeated(&reader, field.wireType, element: element)
            case RecordIOSchema.tensorKeys: try Self.readRepeatedVarints(&reader, field.wireType, bytes: bytes, into: &keys)
            case RecordIOSchema.tensorShape: try Self.readRepeatedVarints(&reader, field.wireType, bytes: bytes, into: &shape)
            default: try reader.skip(field.wireType)
            }
        }
    }

    /// A repeated numeric field, packed (the normal form) or not (which protobuf parsers must also accept).
    private mutating func readRepeated(_ reader: inout ProtobufReader, _ wireType: ProtobufWireType, element: Element) throws(ProtobufReader.Malformed) {
        if wireType == .lengthDelimited {
            let range = try reader.lengthDelimited()
            // Packed floats, the usual tensor, straight from their little-endian bytes; a length that is no whole
            // number of them is read element by element, which names the truncation.
            if element != .int32, range.count % (element == .float32 ? 4 : 8) == 0 {
                if packedValues == nil && tensorValues.count == 0 {
                    packedValues = (range, element)
                } else {
                    unpackValues()
                    Self.appendPacked(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[range])), element, into: &tensorValues)
                }
                return
            }
            unpackValues()
            var packed = ProtobufReader(bytes, range)
            while !packed.isAtEnd { tensorValues.append(try readElement(&packed, element)) }
        } else {
            unpackValues()
            tensorValues.append(try readElement(&reader, element))
        }
    }

    /// Moves values left packed into `tensorValues`, ahead of values that follow them or of a sparse row's keys.
    private mutating func unpackValues() {
        guard let (range, element) = packedValues else { return }
        packedValues = nil
        Self.appendPacked(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[range])), element, into: &tensorValues)
    }

    /// Packed little-endian floats appended as they are read: to the batch, or to `tensorValues`.
    private static func appendPacked<Values: FeatureValues>(_ raw: UnsafeRawBufferPointer, _ element: Element, into values: inout Values) {
        if element == .float32 {
            for offset in stride(from: 0, to: raw.count, by: 4) {
                values.append(Double(Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))))
            }
        } else {
            for offset in stride(from: 0, to: raw.count, by: 8) {
                values.append(Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))))
            }
        }
    }

    private func readElement(_ reader: inout ProtobufReader, _ element: Element) throws(ProtobufReader.Malformed) -> Double {
        switch element {
        case .float32: Double(Float(bitPattern: try reader.fixed32()))
        case .float64: Double(bitPattern: try reader.fixed64())
        case .int32: Double(Int32(truncatingIfNeeded: try reader.varint()))
        }
    }

    /// Static, so that no copy of the reader (holding `keys` and `shape`) is alive while `target`, one of them, grows:
    /// an instance method's copy made every unpacked key copy all the keys before it (quadratic in a record).
    private static func readRepeatedVarints(_ reader: inout ProtobufReader, _ wireType: ProtobufWireType, bytes: UnsafeBufferPointer<UInt8>,
                                            into target: inout [UInt64]) throws(ProtobufReader.Malformed) {
        if wireType == .lengthDelimited {
            var packed = ProtobufReader(bytes, try reader.lengthDelimited())
            while !packed.isAtEnd { target.append(try packed.varint()) }
        } else {
            target.append(try reader.varint())
        }
    }

    /// Appends the tensor just read as one row, dense or sparse.
    private mutating func appendTensor<Values: FeatureValues>(number: Int, into values: inout Values) throws(ProtobufReader.Malformed) {
        let sparse = !keys.isEmpty
        if let isSparse, isSparse != sparse {
            throw ProtobufReader.Malformed(reason: """
                it is \(sparse ? "sparse (has keys)" : "dense (no keys)") but record 1 was \(isSparse ? "sparse" : "dense"): \
                send one layout per request
                """)
        }
        isSparse = sparse
        guard sparse else {
            if let (range, element) = packedValues {
                let count = range.count / (element == .float32 ? 4 : 8)
                guard count == featureCount else {
                    throw ProtobufReader.Malformed(reason: countMessage(fields: count, featureCount: featureCount, subject: "its dense \"values\" tensor"))
                }
                Self.appendPacked(UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes[range])), element, into: &values)
                return
            }
            guard tensorValues.count == featureCount else {
                throw ProtobufReader.Malformed(reason: countMessage(fields: tensorValues.count, featureCount: featureCount, subject: "its dense \"values\" tensor"))
            }
            values.append(contentsOf: tensorValues.values)
            return
        }
        unpackValues()
        guard keys.count == tensorValues.count else {
            throw ProtobufReader.Malformed(reason: "its sparse tensor has \(keys.count) keys but \(tensorValues.count) values")
        }
        // Without a shape the row is as wide as its largest key, as the official container reads it: narrower rows
        // leave the rest missing, and a key beyond the model's features is refused below.
        if let width = shape.last, width != UInt64(featureCount) {
            throw ProtobufReader.Malformed(reason: "its sparse tensor has shape \(shape) but the model takes \(featureCount) features")
        }
        let start = values.count
        values.appendMissing(count: featureCount)
        for (key, value) in zip(keys, tensorValues.values) {
            guard key < UInt64(featureCount) else {
                throw ProtobufReader.Malformed(reason: "its sparse tensor has key \(key), outside 0…\(featureCount - 1)")
            }
            values.set(value, at: start + Int(key))
        }
    }
}
