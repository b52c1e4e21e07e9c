"""Expected explanations for the ONNX tree-ensemble fixtures, from onnxruntime itself: for each fixture below, the
rows of its `requests/rows.npy` and what onnxruntime answers for them, written to `expected/explanations.json`
({"rows": [...], "contributions": null, "leaves": [...], "margin": [...]}, NaN as null), as
generate_explanations.py writes them for the other libraries.

onnxruntime has no "explain" call, so each answer comes from the fixture's own model, rewritten so that onnxruntime's
ordinary prediction is the explanation:
- margin: the TreeEnsemble node with `post_transform` NONE, its scores output the graph's answer (for a binary
  classifier whose leaves vote for one class, the second column, which is that class's score);
- leaves: beside it, a TreeEnsembleRegressor on the same input with the same nodes (`nodes_*`) and one target per
  tree, in the order tree ids first appear, each leaf voting its own node id: the sum for target t is the
  `nodes_nodeids` entry of the leaf tree t leads the row to, missing values routed by onnxruntime's own rules.
Contributions are null: ONNX tree ensembles record no node covers, so Berth must refuse them.

Run with the ONNX fixtures' environment (./generate.sh does)."""
import json
import os

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper

HERE = os.path.dirname(os.path.abspath(__file__))
CASES = ["onnx-random-forest-binary", "onnx-random-forest-multiclass", "onnx-gradient-boosting-binary",
         "onnx-gradient-boosting-regressor", "onnx-tree-modes-sum", "onnx-tree-modes-average", "onnx-tree-modes-min",
         "onnx-tree-modes-max", "onnx-catboost-classifier", "onnx-catboost-regressor"]


def answer(model, X, output):
    """onnxruntime's value of tensor `output` of `model` (made the graph's only output) on the rows `X`."""
    del model.graph.output[:]
    model.graph.output.append(helper.make_tensor_value_info(output, TensorProto.FLOAT, None))
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run([output], {session.get_inputs()[0].name: X})[0]


def forest_of(model):
    nodes = [n for n in model.graph.node if n.op_type in ("TreeEnsembleClassifier", "TreeEnsembleRegressor")]
    assert len(nodes) == 1, "one tree ensemble"
    return nodes[0]


def margins(model, X):
    model = onnx.ModelProto.FromString(model.SerializeToString())
    node = forest_of(model)
    for attribute in node.attribute:
        if attribute.name == "post_transform":
            attribute.s = b"NONE"
    classifier = node.op_type == "TreeEnsembleClassifier"
    scores = answer(model, X, node.output[1] if classifier else node.output[0])
    attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    labels = attributes.get("classlabels_int64s") or attributes.get("classlabels_strings") or []
    if classifier and len(labels) == 2 and len(set(attributes["class_ids"])) == 1:
        scores = scores[:, 1:]
    return scores.reshape(len(X), -1)


def leaves(model, X):
    model = onnx.ModelProto.FromString(model.SerializeToString())
    node = forest_of(model)
    attributes = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    tree_ids, node_ids, modes = attributes["nodes_treeids"], attributes["nodes_nodeids"], attributes["nodes_modes"]
    order = list(dict.fromkeys(tree_ids))
    targets = [(tree, node_id) for tree, node_id, mode in zip(tree_ids, node_ids, modes) if mode == b"LEAF"]
    assert max(node_ids) < 2 ** 24, "node ids exact as float32"
    walker = helper.make_node(
        "TreeEnsembleRegressor", [node.input[0]], ["berth_leaves"], domain="ai.onnx.ml", name="berth_leaves",
        n_targets=len(order), aggregate_function="SUM", post_transform="NONE",
        target_treeids=[tree for tree, _ in targets], target_nodeids=[node_id for _, node_id in targets],
        target_ids=[order.index(tree) for tree, _ in targets], target_weights=[float(node_id) for _, node_id in targets])
    walker.attribute.extend(a for a in node.attribute if a.name.startswith("nodes_"))
    model.graph.node.append(walker)
    return answer(model, X, "berth_leaves").astype(np.int64)


def main():
    for name in CASES:
        folder = os.path.join(HERE, name)
        model = onnx.load(os.path.join(folder, "model", "model.onnx"))
        X = np.load(os.path.join(folder, "requests", "rows.npy")).astype(np.float32)
        document = {
            "onnxruntime": ort.__version__,
            "rows": [[None if np.isnan(v) else float(v) for v in row] for row in X],
            "contributions": None,
            "leaves": leaves(model, X).tolist(),
            "margin": [[float(v) for v in row] for row in margins(model, X)],
        }
        with open(os.path.join(folder, "expected", "explanations.json"), "w") as handle:
            json.dump(document, handle)
            handle.write("\n")
        print(name, "explained:", len(X), "rows")


if __name__ == "__main__":
    main()
