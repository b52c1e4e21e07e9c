#!/usr/bin/env python3
"""Writes Fuzz/corpus/<target>/ from opt-ml-fixtures: the seeds each libFuzzer target starts from.

Request bodies get one leading byte, the feature count the fuzz target decodes them with and, for a LightGBM
model, the bit that keeps doubles (FuzzInput); the named fixtures' text requests are also written by name. Model files
(inflated first when joblib compressed them) go to the target of their format, archives to FuzzGzip and FuzzTar. Files are named by their SHA-1, so running
this again over the same fixtures changes nothing. Usage: Fuzz/seed-corpus.py
"""
import gzip
import hashlib
import io
import json
import pathlib
import tarfile
import zlib

ROOT = pathlib.Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "opt-ml-fixtures"
CORPUS = ROOT / "Fuzz" / "corpus"
REQUEST_TARGETS = {
    "text/csv": "FuzzCSV", "application/json": "FuzzJSON", "application/jsonlines": "FuzzJSONLines",
    "text/libsvm": "FuzzLibSVM", "application/x-npy": "FuzzNPY", "application/x-recordio-protobuf": "FuzzRecordIO",
}
MAX_SEED_BYTES = 64 << 10


def write(target, data):
    if len(data) > MAX_SEED_BYTES:
        return
    folder = CORPUS / target
    folder.mkdir(parents=True, exist_ok=True)
    (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)


def model_target(data):
    """The target of a model file's format, by the same first bytes `ModelFormat.detect` looks at."""
    if data[:4] == b"binf":
        return "FuzzXGBoostLegacy"
    if data[:1] == b"{":
        after = data[1:65].lstrip(b" \n\r\t")[:1]
        return "FuzzXGBoostJSON" if after in (b"", b"\"", b"}") else "FuzzXGBoostUBJSON"
    if data[:1] == b"\x08":
        return "FuzzONNX"
    if data[:1] == b"\x80":
        return "FuzzPickle"
    if data.startswith(b"tree\n") or data.startswith(b"tree\r\n"):
        return "FuzzLightGBM"
    if data.startswith(b"CBM1"):
        return "FuzzCatBoost"
    return None


def add_model_file(name, data):
    if data[:2] == b"\x1f\x8b":
        write("FuzzGzip", data)
        inner = gzip.decompress(data)
        if len(inner) > 262 and inner[257:262] == b"ustar":
            write("FuzzTar", inner)
            with tarfile.open(fileobj=io.BytesIO(inner)) as archive:
                for member in archive.getmembers():
                    if member.isfile():
                        add_model_file(member.name, archive.extractfile(member).read())
        else:
            add_model_file(name, inner)
        return
    if data[:1] == b"\x78" and (data[0] << 8 | data[1]) % 31 == 0:  # zlib, as joblib compresses
        add_model_file(name, zlib.decompress(data))
        return
    target = model_target(data)
    if target:
        write(target, data)


# Requests by name (bit 7 of the first byte for the text formats, FuzzInput.oneBasedIndices): the fuzz targets read
# them against a schema of features f0, f1, … (RequestDecoderFuzzing.namedSchema), so the named fixtures' columns
# (generate_named.py) are renamed so, and their text categories become the schema's.
NAMED_TARGETS = {"FuzzCSV", "FuzzJSON", "FuzzJSONLines"}
NAMED_COLUMNS = ["age", "city", "income", "größe", "score"]
NAMED_CATEGORIES = {"tokyo": "a", "paris": "b", "lima": "é", "sao paulo": "a", "São Paulo": "é", "berlin": "zz"}


def named_seed(body):
    text = body.decode()
    for index, name in enumerate(NAMED_COLUMNS):
        text = text.replace(json.dumps(name), f'"f{index}"').replace(json.dumps(name, ensure_ascii=False), f'"f{index}"')
        text = text.replace(name, f"f{index}")
    for category, replacement in NAMED_CATEGORIES.items():
        for form in (json.dumps(category), json.dumps(category, ensure_ascii=False)):
            text = text.replace(form, json.dumps(replacement, ensure_ascii=False))
        text = text.replace("," + category + ",", "," + replacement + ",")
    return text.encode()


for manifest_path in sorted(FIXTURES.glob("*/manifest.json")):
    case = manifest_path.parent
    manifest = json.loads(manifest_path.read_text())
    features = manifest.get("features", 1)
    # A LightGBM model's requests are decoded keeping doubles (bit 6 of the first byte, FuzzInput.keepsDoubles).
    keeps_doubles = 0x40 if "lightgbm" in manifest else 0
    for request in manifest.get("requests", []):
        target = REQUEST_TARGETS.get(request["content_type"].split(";")[0].strip())
        if target:
            write(target, bytes([((features - 1) & 0x3F) | keeps_doubles]) + (case / request["body"]).read_bytes())
            if case.name.endswith("-named-categorical") and target in NAMED_TARGETS:
                write(target, bytes([((features - 1) & 0x3F) | keeps_doubles | 0x80]) + named_seed((case / request["body"]).read_bytes()))
    for model_file in sorted((case / "model").rglob("*")):
        if model_file.is_file():
            add_model_file(model_file.name, model_file.read_bytes())

def open_inference_requests(rows, features):
    """Open Inference Protocol infer requests for a fixture's rows: JSON data flat and nested, and the binary tensor
    extension (header, a NUL where FuzzOpenInference splits it, the float32 bytes)."""
    import struct
    flat = [None if v is None else v for row in rows for v in row]
    data = [{"name": "input__0", "shape": [len(rows), features], "datatype": "FP32", "data": rows},
            {"name": "input__0", "shape": [len(rows), features], "datatype": "FP64", "data": flat}]
    for tensor in data:
        yield bytes([(features - 1) & 0x3F]) + json.dumps({"id": "1", "inputs": [tensor], "outputs": [{"name": "output__0"}]}).encode()
    values = b"".join(struct.pack("<f", float("nan") if v is None else v) for v in flat)
    header = {"inputs": [{"name": "input__0", "shape": [len(rows), features], "datatype": "FP32",
                          "parameters": {"binary_data_size": len(values)}}], "parameters": {"binary_data_output": True}}
    yield bytes([0x80 | ((features - 1) & 0x3F)]) + json.dumps(header).encode() + b"\0" + values


for manifest_path in sorted(FIXTURES.glob("xgboost-*/manifest.json")):
    manifest = json.loads(manifest_path.read_text())
    instances = manifest_path.parent / "requests" / "rows.json"
    if instances.exists():
        rows = [row["features"] if isinstance(row, dict) else row for row in json.loads(instances.read_text()).get("instances", [])[:4]]
        if rows and all(isinstance(row, list) and len(row) == manifest["features"] for row in rows):
            for request in open_inference_requests(rows, manifest["features"]):
                write("FuzzOpenInference", request)

for refused in sorted((FIXTURES / "onnx-refused").glob("*.onnx*")):
    add_model_file(refused.name, refused.read_bytes())

def small_archives():
    """Tar archives of each layout and member type TarReader meets, hostile ones included (it must refuse those)."""
    payload = b"0.5,1.5,,2.5\n" * 4
    for tar_format in (tarfile.USTAR_FORMAT, tarfile.GNU_FORMAT, tarfile.PAX_FORMAT):
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w", format=tar_format) as archive:
            folder = tarfile.TarInfo("model")
            folder.type = tarfile.DIRTYPE
            archive.addfile(folder)
            for name in ("model/xgboost-model", "code/" + "long-name-" * 9 + ".txt", "._xgboost-model"):
                member = tarfile.TarInfo(name)
                member.size = len(payload)
                archive.addfile(member, io.BytesIO(payload))
            link = tarfile.TarInfo("model/link")
            link.type, link.linkname = tarfile.SYMTYPE, "xgboost-model"
            archive.addfile(link)
        yield buffer.getvalue()
    for hostile in ("../escape", "/etc/passwd"):
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w", format=tarfile.USTAR_FORMAT) as archive:
            member = tarfile.TarInfo(hostile)
            member.size = len(payload)
            archive.addfile(member, io.BytesIO(payload))
        yield buffer.getvalue()


for archive_bytes in small_archives():
    write("FuzzTar", archive_bytes)
    write("FuzzGzip", gzip.compress(archive_bytes, mtime=0))

for target in sorted(p.name for p in CORPUS.iterdir()):
    files = list((CORPUS / target).iterdir())
    print(f"{target:20} {len(files):4} seeds {sum(f.stat().st_size for f in files):8} bytes")
