"""The checks scripts/open-inference-check runs: Triton's HTTP client and a KServe V2 request against a running
`berth serve`, every answer compared with xgboost's predictions for the same rows (the fixtures' expected files)."""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import numpy as np
import tritonclient.http as triton
from tritonclient.utils import InferenceServerException

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, "opt-ml-fixtures")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rows(fixture):
    """The fixture's request rows as float32 (NaN for an empty field), and xgboost's answers as float32."""
    def read(path):
        with open(os.path.join(FIXTURES, fixture, path)) as handle:
            return np.array([[float(v) if v else np.nan for v in line.split(",")] for line in handle.read().split("\n") if line],
                            dtype=np.float32)
    return read("requests/rows.csv"), read("expected/rows.csv")


def serve(binary, fixture, name):
    port = free_port()
    process = subprocess.Popen([binary, "serve", "--port", str(port), "--model-dir", os.path.join(FIXTURES, fixture, "model")],
                               env=dict(os.environ, BERTH_MODEL_NAME=name), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    client = triton.InferenceServerClient(f"127.0.0.1:{port}")
    deadline = time.time() + 30
    while True:
        try:
            if client.is_server_ready():
                return process, client, port
        except Exception:
            pass
        if process.poll() is not None or time.time() > deadline:
            raise SystemExit(f"{binary} did not become ready on {fixture}")
        time.sleep(0.05)


def check(condition, what):
    if not condition:
        raise SystemExit(f"open-inference-check: FAILED: {what}")
    print(f"ok   {what}")


def triton_checks(client, name, X, expected):
    check(client.is_server_live() and client.is_model_ready(name), f"{name}: live and ready")
    metadata = client.get_model_metadata(name)
    check(metadata["inputs"][0]["shape"] == [-1, X.shape[1]] and metadata["outputs"][0]["shape"] == [-1, expected.shape[1]],
          f"{name}: metadata shapes [-1, {X.shape[1]}] in, [-1, {expected.shape[1]}] out")
    for binary_in in (True, False):
        for binary_out in (True, False):
            tensor = triton.InferInput("input__0", list(X.shape), "FP32")
            tensor.set_data_from_numpy(X, binary_data=binary_in)
            answer = client.infer(name, [tensor], outputs=[triton.InferRequestedOutput("output__0", binary_data=binary_out)],
                                  request_id="check")
            got = answer.as_numpy("output__0")
            check(got.dtype == np.float32 and np.array_equal(got, expected) and answer.get_response()["id"] == "check",
                  f"{name}: FP32 tensor (binary in: {binary_in}, out: {binary_out}) answers xgboost's {expected.shape} exactly")
    # Other datatypes convert as numpy's astype(float32) does; rows that survive the conversion answer the same.
    integers = np.nan_to_num(np.round(X * 100)).astype(np.float32)
    reference = client.infer(name, [input_of(integers, "FP32")]).as_numpy("output__0")
    for datatype, array in [("FP64", integers.astype(np.float64)), ("INT32", integers.astype(np.int32)),
                            ("INT64", integers.astype(np.int64)), ("INT16", integers.astype(np.int16))]:
        for binary_in in (True, False):
            got = client.infer(name, [input_of(array, datatype, binary_in)]).as_numpy("output__0")
            check(np.array_equal(got, reference), f"{name}: {datatype} tensor (binary: {binary_in}) answers as its float32 values")
    try:
        client.infer(name, [input_of(X[:, :-1], "FP32")])
        check(False, f"{name}: a tensor one feature short is refused")
    except InferenceServerException as error:
        check(error.status() == "400" and "features" in error.message(), f"{name}: a tensor one feature short is a 400 naming the features")


def input_of(array, datatype, binary=True):
    tensor = triton.InferInput("input__0", list(array.shape), datatype)
    tensor.set_data_from_numpy(array, binary_data=binary)
    return tensor


def kserve_check(port, name, X, expected):
    """The request body KServe's V2 documentation shows (an arbitrary input name, nested data), sent with curl's
    content type, answered with a JSON tensor."""
    body = {"inputs": [{"name": "input-0", "shape": list(X[:2].shape), "datatype": "FP32",
                        "data": [[None if np.isnan(v) else float(v) for v in row] for row in X[:2]]}]}
    request = urllib.request.Request(f"http://127.0.0.1:{port}/v2/models/{name}/infer", data=json.dumps(body).encode(),
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request) as response:
        answer = json.load(response)
    output = answer["outputs"][0]
    got = np.array(output["data"], dtype=np.float32).reshape(output["shape"])
    check(answer["model_name"] == name and np.array_equal(got, expected[:2]), f"{name}: a KServe V2 JSON request answers xgboost's rows")
    missing = urllib.request.Request(f"http://127.0.0.1:{port}/v2/models/absent/infer", data=json.dumps(body).encode())
    try:
        urllib.request.urlopen(missing)
        check(False, "an unknown model is a 404")
    except urllib.error.HTTPError as error:
        check(error.code == 404 and "error" in json.load(error), f"{name}: an unknown model is a 404 with {{\"error\": …}}")


def triton_repository_check(binary):
    """A Triton FIL repository served as a Triton FIL endpoint answers: the folder's name, FIL's [1 - p, p]."""
    fixture = "triton-fil-binary-proba"
    with open(os.path.join(FIXTURES, fixture, "requests", "infer.json")) as handle:
        request = json.load(handle)["inputs"][0]
    with open(os.path.join(FIXTURES, fixture, "expected", "infer.json")) as handle:
        expected = json.load(handle)
    X = np.array([[np.nan if v is None else v for v in row] for row in request["data"]], dtype=np.float32)
    process, client, _ = serve(binary, fixture, "ignored-for-a-repository")
    try:
        answer = client.infer("churn", [input_of(X, "FP32")], outputs=[triton.InferRequestedOutput("output__0", binary_data=True)])
        got = answer.as_numpy("output__0")
        want = np.array(expected["data"], dtype=np.float32).reshape(expected["shape"])
        check(np.array_equal(got, want), f"a Triton FIL repository ({fixture}) answers FIL's [1 - p, p] of xgboost's probabilities")
    finally:
        process.terminate()
        process.wait()


def main():
    binary = sys.argv[1]
    triton_repository_check(binary)
    for fixture, name in [("xgboost-binary-legacy", "churn"), ("xgboost-multiclass-ubjson", "iris")]:
        X, expected = rows(fixture)
        process, client, port = serve(binary, fixture, name)
        try:
            triton_checks(client, name, X, expected)
            kserve_check(port, name, X, expected)
        finally:
            process.terminate()
            process.wait()
    print("open-inference-check: Triton's client and a KServe V2 request get xgboost's answers, a Triton repository FIL's")


if __name__ == "__main__":
    main()
