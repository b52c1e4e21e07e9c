"""Checks deploy/kserve/inferenceservice.yaml against KServe's own schema: the InferenceService types of the KServe
Python SDK and the Kubernetes types of the Kubernetes Python client, both generated from the OpenAPI schemas of the
CRD and of Kubernetes. Every key of the manifest must be a field of its type (by its JSON name), and every value of
the field's type: a misspelt or misplaced field is a finding, as `kubectl apply` with server-side validation would
find it. The SDKs' model files are read as data (their `openapi_types` and `attribute_map`), never imported.

Usage: python deploy/check-kserve-manifest.py KSERVE.whl KUBERNETES.whl   (exits 1 on any finding)
"""

import ast
import os
import re
import sys
import zipfile

import yaml

MANIFEST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "kserve", "inferenceservice.yaml")


class Schema:
    """The generated model types of both SDKs, by class name: {json key: (attribute, type)}."""

    def __init__(self, wheels):
        self.types = {}
        for wheel in wheels:
            with zipfile.ZipFile(wheel) as archive:
                for name in archive.namelist():
                    if re.search(r"(kserve/models|kubernetes/client/models)/v1\w*\.py$", name):
                        self.read(archive.read(name).decode())

    def read(self, source):
        for node in ast.parse(source).body:
            if not isinstance(node, ast.ClassDef):
                continue
            tables = {}
            for statement in node.body:
                if isinstance(statement, ast.Assign) and getattr(statement.targets[0], "id", None) in ("openapi_types", "attribute_map"):
                    tables[statement.targets[0].id] = ast.literal_eval(statement.value)
            if len(tables) == 2:
                self.types[node.name] = {json_key: tables["openapi_types"][attribute]
                                         for attribute, json_key in tables["attribute_map"].items()}

    def check(self, value, type_name, path, findings):
        if type_name == "object":
            return
        list_of = re.fullmatch(r"list\[(.+)\]", type_name)
        dict_of = re.fullmatch(r"dict\(str, (.+)\)", type_name)
        if list_of:
            if not isinstance(value, list):
                findings.append(f"{path}: expected a list ({type_name})")
                return
            for index, item in enumerate(value):
                self.check(item, list_of.group(1), f"{path}[{index}]", findings)
        elif dict_of:
            if not isinstance(value, dict):
                findings.append(f"{path}: expected a map ({type_name})")
                return
            for key, item in value.items():
                self.check(item, dict_of.group(1), f"{path}.{key}", findings)
        elif type_name == "str":
            if not isinstance(value, str):
                findings.append(f"{path}: expected a string, found {value!r}")
        elif type_name == "int":
            if not isinstance(value, int) or isinstance(value, bool):
                findings.append(f"{path}: expected an integer, found {value!r}")
        elif type_name == "bool":
            if not isinstance(value, bool):
                findings.append(f"{path}: expected true or false, found {value!r}")
        elif type_name in ("float", "datetime", "date"):
            return
        elif type_name in self.types:
            if not isinstance(value, dict):
                findings.append(f"{path}: expected an object ({type_name})")
                return
            fields = self.types[type_name]
            for key, item in value.items():
                if key not in fields:
                    findings.append(f"{path}.{key}: not a field of {type_name} (fields: {', '.join(sorted(fields))})")
                else:
                    self.check(item, fields[key], f"{path}.{key}", findings)
        else:
            findings.append(f"{path}: the schema has no type {type_name}")


def main():
    schema = Schema(sys.argv[1:3])
    if "V1beta1InferenceService" not in schema.types or "V1Container" not in schema.types:
        raise SystemExit("check-kserve-manifest: the wheels hold no InferenceService or Container types")
    with open(MANIFEST) as handle:
        manifest = yaml.safe_load(handle)
    findings = []
    if manifest.get("apiVersion") != "serving.kserve.io/v1beta1" or manifest.get("kind") != "InferenceService":
        findings.append("apiVersion/kind: expected serving.kserve.io/v1beta1 InferenceService")
    schema.check(manifest, "V1beta1InferenceService", "InferenceService", findings)
    container = manifest["spec"]["predictor"]["containers"][0]
    if container.get("name") != "kserve-container":
        findings.append("the predictor's container must be named kserve-container for KServe to route to it")
    if not any(e.get("name") == "STORAGE_URI" for e in container.get("env", [])):
        findings.append("no STORAGE_URI: KServe would not download the model into /mnt/models")
    if findings:
        print("\n".join(findings), file=sys.stderr)
        sys.exit(1)
    print(f"check-kserve-manifest: {MANIFEST} matches KServe's InferenceService schema ({len(schema.types)} types)")


if __name__ == "__main__":
    main()
