"""SageMaker's RecordIO-protobuf format (aialgs.data.Record in MXNet RecordIO framing), built with Google's
protobuf library from the schema in docs/contract.md FMT-RIO-2, so fixture bodies and expected responses are written
by the reference implementation of protobuf, not by Berth."""

import struct

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

MAGIC = 0xCED7230A


def _schema():
    f = descriptor_pb2.FileDescriptorProto(name="aialgs_data_record.proto", package="aialgs.data", syntax="proto2")
    T = descriptor_pb2.FieldDescriptorProto

    def message(name, fields):
        m = f.message_type.add(name=name)
        for number, field_name, kind, label, type_name, packed in fields:
            field = m.field.add(name=field_name, number=number, type=kind, label=label)
            if type_name:
                field.type_name = type_name
            if packed:
                field.options.packed = True
        return m

    REP, OPT = T.LABEL_REPEATED, T.LABEL_OPTIONAL
    message("Float32Tensor", [(1, "values", T.TYPE_FLOAT, REP, None, True), (2, "keys", T.TYPE_UINT64, REP, None, True),
                              (3, "shape", T.TYPE_UINT64, REP, None, True)])
    message("Float64Tensor", [(1, "values", T.TYPE_DOUBLE, REP, None, True), (2, "keys", T.TYPE_UINT64, REP, None, True),
                              (3, "shape", T.TYPE_UINT64, REP, None, True)])
    message("Int32Tensor", [(1, "values", T.TYPE_INT32, REP, None, True), (2, "keys", T.TYPE_UINT64, REP, None, True),
                            (3, "shape", T.TYPE_UINT64, REP, None, True)])
    message("Bytes", [(1, "value", T.TYPE_BYTES, REP, None, False), (2, "content_type", T.TYPE_STRING, OPT, None, False)])
    value = message("Value", [(2, "float32_tensor", T.TYPE_MESSAGE, OPT, ".aialgs.data.Float32Tensor", False),
                              (3, "float64_tensor", T.TYPE_MESSAGE, OPT, ".aialgs.data.Float64Tensor", False),
                              (7, "int32_tensor", T.TYPE_MESSAGE, OPT, ".aialgs.data.Int32Tensor", False),
                              (9, "bytes", T.TYPE_MESSAGE, OPT, ".aialgs.data.Bytes", False)])
    value.oneof_decl.add(name="value")
    for field in value.field:
        field.oneof_index = 0
    record = message("Record", [(1, "features", T.TYPE_MESSAGE, REP, ".aialgs.data.Record.FeaturesEntry", False),
                                (2, "label", T.TYPE_MESSAGE, REP, ".aialgs.data.Record.LabelEntry", False),
                                (3, "uid", T.TYPE_STRING, OPT, None, False),
                                (4, "metadata", T.TYPE_STRING, OPT, None, False),
                                (5, "configuration", T.TYPE_STRING, OPT, None, False)])
    for entry_name in ("FeaturesEntry", "LabelEntry"):
        entry = record.nested_type.add(name=entry_name)
        entry.options.map_entry = True
        entry.field.add(name="key", number=1, type=T.TYPE_STRING, label=OPT)
        entry.field.add(name="value", number=2, type=T.TYPE_MESSAGE, label=OPT, type_name=".aialgs.data.Value")
    pool = descriptor_pool.DescriptorPool()
    pool.Add(f)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("aialgs.data.Record"))


Record = _schema()


def frame(payloads):
    """RecordIO framing: magic, length (flag 0), payload, zero padding to a multiple of 4."""
    out = b""
    for payload in payloads:
        out += struct.pack("<II", MAGIC, len(payload)) + payload + b"\0" * ((4 - len(payload) % 4) % 4)
    return out


def feature_record(row, tensor="float32", sparse=False):
    """A Record with the row under features["values"]; sparse rows list only present (non-NaN) features."""
    import math
    row = [v.item() if hasattr(v, "item") else v for v in row]
    record = Record()
    target = getattr(record.features["values"], tensor + "_tensor")
    if sparse:
        present = [(index, value) for index, value in enumerate(row) if not math.isnan(value)]
        target.keys.extend(index for index, _ in present)
        target.values.extend(value for _, value in present)
        target.shape.append(len(row))
    else:
        target.values.extend(row)
    return record.SerializeToString()


def label_record(entries):
    """A response Record: each output name in the label map as a float32_tensor (the official container's form)."""
    record = Record()
    for name, values in entries:
        record.label[name].float32_tensor.values.extend(values)
    return record.SerializeToString()
