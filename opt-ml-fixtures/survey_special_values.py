"""A differential survey of Berth against onnxruntime on the values where implementations part: missing values (NaN),
-0, values near a float32's limits and subnormals. Two parts, each printing a line a case — OK (the same bits), CLOSE
(within 1e-5 relative: rounding), DIFF, or where either refuses:

- operators: one small graph an operator (or a few, with Casts) on rows of such values, answered by onnxruntime and by
  `berth predict` (NPY in and out);
- estimators: scikit-learn models as skl2onnx exports them, on rows each holding a missing value, a row of them, a
  row of ±1e30 and a row of -0; a row onnxruntime fails alone must be refused by Berth.

What docs/model-formats.md reports of it (the differences left: ReduceMax and ReduceMin over NaN, integer casts of NaN
and of values beyond an integer, and ulp-level rounding of the transcendental functions). Usage, from a scratch folder
(it writes a folder a case), with the fixture environment's Python (opt-ml-fixtures/.venv-onnx):
    BERTH=.build/release/berth python opt-ml-fixtures/survey_special_values.py [operators|estimators] [case ...]
"""
import os
import subprocess
import sys
import warnings

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

warnings.filterwarnings("ignore")
BERTH = os.environ.get("BERTH", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".build", "release", "berth"))
ML = "ai.onnx.ml"


def berth_predict(folder, rows):
    """Berth's answers for `rows` (NPY in and out), or its refusal's last line."""
    np.save(f"{folder}/rows.npy", rows)
    result = subprocess.run([BERTH, "predict", "--model-dir", f"{folder}/model", "--content-type", "application/x-npy",
                             "--accept", "application/x-npy", f"{folder}/rows.npy"], capture_output=True, text=True)
    if result.returncode != 0:
        lines = [line for line in (result.stdout + result.stderr).splitlines() if line.startswith("FAILED") or "cannot be loaded" in line]
        return None, (lines or ["exit status %d" % result.returncode])[0][:240]
    return np.load(f"{folder}/rows.npy.out").reshape(len(rows), -1), None


def each_row_alone(session, rows):
    """onnxruntime's outputs for each row of `rows` run alone, None for a row it fails."""
    answers = []
    for index in range(len(rows)):
        try:
            answers.append(session.run(None, {session.get_inputs()[0].name: rows[index:index + 1]}))
        except Exception:
            answers.append(None)
    return answers


def verdict(got, want):
    if got.shape != want.shape:
        return "DIFF shapes %s %s" % (got.shape, want.shape)
    same = all((a == b and np.signbit(a) == np.signbit(b)) or (np.isnan(a) and np.isnan(b)) for a, b in zip(got.ravel(), want.ravel()))
    if same:
        return "OK"
    return "CLOSE" if np.allclose(got, want, rtol=1e-5, atol=1e-6, equal_nan=True) else "DIFF"


SPECIAL = np.array([[np.nan, 1, -0.0, 2], [1, np.nan, 0, -2], [3e38, -3e38, np.nan, 0.5], [-100, 3, 3, np.nan],
                    [-0.0, 0.0, -1.5, 1.5], [np.nan] * 4, [90, -90, 1e-40, -1e-40], [0.25, 0.5, 0.75, 1]], dtype=np.float32)


def constant(name, value, dtype=np.float32):
    return numpy_helper.from_array(np.array(value, dtype=dtype), name)


def node(op, inputs, outputs=("y",), **attributes):
    return helper.make_node(op, list(inputs), list(outputs), **attributes)


def cast_back(op, inputs, **attributes):
    """`op`, then its (integer or boolean) answer cast to float."""
    return [node(op, inputs, ["z"], **attributes), node("Cast", ["z"], to=TensorProto.FLOAT)]


WEIGHTS = np.array([[1, -1, 0.5], [0, 2, 1], [-0.5, 0, 3], [1, 1, 1]], dtype=np.float32)
OPERATORS = {
    "Max": ([node("Max", ["x", "one"])], [constant("one", 1.0)]),
    "Min": ([node("Min", ["x", "one"])], [constant("one", 1.0)]),
    "Clip": ([node("Clip", ["x", "lo", "hi"])], [constant("lo", -1.0), constant("hi", 1.0)]),
    "Relu": ([node("Relu", ["x"])], []),
    "LeakyRelu": ([node("LeakyRelu", ["x"], alpha=0.1)], []),
    "Sigmoid": ([node("Sigmoid", ["x"])], []),
    "Tanh": ([node("Tanh", ["x"])], []),
    "Sqrt": ([node("Sqrt", ["x"])], []),
    "Log": ([node("Log", ["x"])], []),
    "Exp": ([node("Exp", ["x"])], []),
    "Reciprocal": ([node("Reciprocal", ["x"])], []),
    "Softplus": ([node("Softplus", ["x"])], []),
    "Erf": ([node("Erf", ["x"])], []),
    "Elu": ([node("Elu", ["x"])], []),
    "Selu": ([node("Selu", ["x"])], []),
    "Celu": ([node("Celu", ["x"], alpha=1.5)], []),
    "HardSigmoid": ([node("HardSigmoid", ["x"])], []),
    "HardSwish": ([node("HardSwish", ["x"])], []),
    "Softsign": ([node("Softsign", ["x"])], []),
    "ThresholdedRelu": ([node("ThresholdedRelu", ["x"])], []),
    "Shrink": ([node("Shrink", ["x"], lambd=0.5, bias=0.1)], []),
    "PRelu": ([node("PRelu", ["x", "slope"])], [constant("slope", [0.1, -1, 2, 0])]),
    "ArgMax": (cast_back("ArgMax", ["x"], axis=1), []),
    "ArgMin": (cast_back("ArgMin", ["x"], axis=1), []),
    "ReduceMax": ([node("ReduceMax", ["x"], axes=[1])], []),
    "ReduceMin": ([node("ReduceMin", ["x"], axes=[1])], []),
    "ReduceSum": ([node("ReduceSum", ["x", "axes"])], [constant("axes", [1], np.int64)]),
    "ReduceMean": ([node("ReduceMean", ["x"], axes=[1])], []),
    "ReduceL2": ([node("ReduceL2", ["x"], axes=[1])], []),
    "ReduceLogSumExp": ([node("ReduceLogSumExp", ["x"], axes=[1])], []),
    "Softmax": ([node("Softmax", ["x"], axis=1)], []),
    "LogSoftmax": ([node("LogSoftmax", ["x"], axis=1)], []),
    "Pow": ([node("Pow", ["x", "p"])], [constant("p", 0.5)]),
    "PowBase": ([node("Pow", ["p", "x"])], [constant("p", -2.0)]),
    "CastInt": (cast_back("Cast", ["x"], to=TensorProto.INT64), []),
    "CastBool": (cast_back("Cast", ["x"], to=TensorProto.BOOL), []),
    "Greater": (cast_back("Greater", ["x", "one"]), [constant("one", 1.0)]),
    "Equal": (cast_back("Equal", ["x", "zero"]), [constant("zero", -0.0)]),
    "Where": ([node("Greater", ["x", "zero"], ["c"]), node("Where", ["c", "x", "zero"])], [constant("zero", 0.0)]),
    "TopK": ([node("TopK", ["x", "k"], ["v", "i"], largest=0), node("Cast", ["i"], ["f"], to=TensorProto.FLOAT),
              node("Concat", ["v", "f"], axis=1)], [constant("k", [2], np.int64)]),
    "CumSum": ([node("CumSum", ["x", "axis"])], [constant("axis", 1, np.int64)]),
    "LpNormalization": ([node("LpNormalization", ["x"], axis=1, p=2)], []),
    "Gemm": ([node("Gemm", ["x", "w", "b"])], [constant("w", WEIGHTS), constant("b", [0.1, 0.2, 0.3])]),
    "LayerNormalization": ([node("LayerNormalization", ["x", "s", "b"], axis=-1)], [constant("s", [1, 2, 3, 4]), constant("b", [0, 0, 1, 1])]),
    "Normalizer-MAX": ([node("Normalizer", ["x"], domain=ML, norm="MAX")], []),
    "Normalizer-L1": ([node("Normalizer", ["x"], domain=ML, norm="L1")], []),
    "Normalizer-L2": ([node("Normalizer", ["x"], domain=ML, norm="L2")], []),
    "Binarizer": ([node("Binarizer", ["x"], domain=ML, threshold=0.5)], []),
    "Imputer": ([node("Imputer", ["x"], domain=ML, imputed_value_floats=[9.0, 8, 7, 6], replaced_value_float=float("nan"))], []),
    "LabelEncoder": ([node("LabelEncoder", ["x"], domain=ML, keys_floats=[1.0, -0.0, float("nan"), 2.0], values_floats=[10.0, 20, 30, 40],
                           default_float=-1.0)], []),
    "LinearClassifier-SOFTMAX": ([node("LinearClassifier", ["x"], ["label", "y"], domain=ML, coefficients=[1.0, 2, 3, 4, -1, 0, 1, 0],
                                       intercepts=[0.5, 0], classlabels_ints=[0, 1], post_transform="SOFTMAX")], []),
    "LinearClassifier-SOFTMAX_ZERO": ([node("LinearClassifier", ["x"], ["label", "y"], domain=ML, coefficients=[1.0, 2, 3, 4, -1, 0, 1, 0, 0, 0, 0, 0],
                                            intercepts=[0.5, 0, 0], classlabels_ints=[0, 1, 2], post_transform="SOFTMAX_ZERO")], []),
    "LinearClassifier-LOGISTIC": ([node("LinearClassifier", ["x"], ["label", "y"], domain=ML, coefficients=[1.0, 2, 3, 4, -1, 0, 1, 0],
                                        intercepts=[0.5, 0], classlabels_ints=[0, 1], post_transform="LOGISTIC")], []),
}


def operators(only):
    for name, (nodes, initializers) in OPERATORS.items():
        if only and name not in only:
            continue
        graph = helper.make_graph(nodes, name.replace("-", "_"), [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", 4])],
                                  [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], initializers)
        model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid(ML, 3)])
        model.ir_version = 8
        os.makedirs(f"{name}/model", exist_ok=True)
        onnx.save(model, f"{name}/model/model.onnx")
        session = ort.InferenceSession(model.SerializeToString())
        failed = [index for index, outputs in enumerate(each_row_alone(session, SPECIAL)) if outputs is None]
        got, refusal = berth_predict(name, SPECIAL)
        if failed:
            print(f"{name:30} onnxruntime fails rows {failed}; Berth: {refusal or 'answered'}")
            continue
        want = session.run(["y"], {"x": SPECIAL})[0].reshape(len(SPECIAL), -1)
        print(f"{name:30} {verdict(got, want) if got is not None else 'REFUSED ' + refusal}")


def estimators(only):
    from skl2onnx import to_onnx
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.cluster import KMeans
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis, QuadraticDiscriminantAnalysis
    from sklearn.ensemble import (AdaBoostClassifier, AdaBoostRegressor, BaggingRegressor, GradientBoostingClassifier,
                                  GradientBoostingRegressor, IsolationForest, RandomForestClassifier, RandomForestRegressor)
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LinearRegression, LogisticRegression, PoissonRegressor, Ridge, SGDClassifier
    from sklearn.multiclass import OneVsRestClassifier
    from sklearn.naive_bayes import BernoulliNB, GaussianNB
    from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import (Binarizer, KBinsDiscretizer, MinMaxScaler, Normalizer, PolynomialFeatures,
                                       QuantileTransformer, StandardScaler)
    from sklearn.svm import SVC, SVR, LinearSVC
    rng = np.random.default_rng(3)
    X = rng.normal(size=(200, 5)).astype(np.float32)
    y3, yb, yr = np.digitize(X[:, 0] + X[:, 1], [-0.5, 0.5]), (X[:, 0] > 0).astype(int), X[:, 0] * 2 + X[:, 2]
    R = rng.normal(size=(12, 5)).astype(np.float32)
    for index in range(5):
        R[index, index] = np.nan
    R[5], R[6], R[7] = np.nan, [1e30, -1e30, 0, 0, 0], [-0.0, 0, 0, 0, 0]
    cases = {
        "logistic": (LogisticRegression(), y3), "logistic-binary": (LogisticRegression(), yb), "linear": (LinearRegression(), yr),
        "sgd": (SGDClassifier(loss="log_loss", random_state=0), y3), "linear-svc": (LinearSVC(), y3),
        "svc": (SVC(probability=True, random_state=0), y3), "svr": (SVR(), yr), "gaussian-nb": (GaussianNB(), y3),
        "bernoulli-nb": (make_pipeline(Binarizer(), BernoulliNB()), y3),
        "forest": (RandomForestClassifier(10, max_depth=4, random_state=0), y3), "forest-regressor": (RandomForestRegressor(10, random_state=0), yr),
        "boosting": (GradientBoostingClassifier(n_estimators=10, random_state=0), y3), "boosting-regressor": (GradientBoostingRegressor(n_estimators=10), yr),
        "knn": (KNeighborsClassifier(), y3), "knn-regressor": (KNeighborsRegressor(weights="distance"), yr),
        "mlp": (MLPClassifier(max_iter=300, random_state=0), y3), "mlp-regressor": (MLPRegressor(max_iter=300, random_state=0), yr),
        "scaled": (make_pipeline(StandardScaler(), LogisticRegression()), y3), "kmeans": (KMeans(3, n_init=2, random_state=0), None),
        "isolation-forest": (IsolationForest(n_estimators=10, random_state=0), None), "one-vs-rest": (OneVsRestClassifier(LogisticRegression()), y3),
        "calibrated": (CalibratedClassifierCV(LogisticRegression(), method="isotonic"), y3), "poisson": (PoissonRegressor(), np.abs(yr)),
        "adaboost": (AdaBoostClassifier(n_estimators=10, random_state=0), y3), "adaboost-regressor": (AdaBoostRegressor(n_estimators=10, random_state=0), yr),
        "bagging": (BaggingRegressor(n_estimators=3, random_state=0), yr), "qda": (QuadraticDiscriminantAnalysis(), y3),
        "lda": (LinearDiscriminantAnalysis(), y3), "gaussian-process": (GaussianProcessRegressor(), yr),
        "imputer": (make_pipeline(SimpleImputer(), Ridge()), yr), "kbins": (make_pipeline(KBinsDiscretizer(n_bins=4, encode="ordinal"), Ridge()), yr),
        "polynomial": (make_pipeline(PolynomialFeatures(2), Ridge()), yr), "normalizer": (make_pipeline(Normalizer(), Ridge()), yr),
        "minmax": (make_pipeline(MinMaxScaler(), Ridge()), yr), "quantile": (make_pipeline(QuantileTransformer(n_quantiles=30), Ridge()), yr),
    }
    for name, (model, target) in cases.items():
        if only and name not in only:
            continue
        model.fit(X, target) if target is not None else model.fit(X)
        options = {id(model): {"zipmap": False}} if hasattr(model, "predict_proba") else None
        exported = to_onnx(model, X[:1], target_opset={"": 17, ML: 3}, options=options)
        os.makedirs(f"{name}/model", exist_ok=True)
        onnx.save(exported, f"{name}/model/model.onnx")
        session = ort.InferenceSession(exported.SerializeToString())
        alone = each_row_alone(session, R)
        failed = [index for index, outputs in enumerate(alone) if outputs is None]
        got, refusal = berth_predict(name, R)
        if failed or got is None:
            print(f"{name:30} onnxruntime fails rows {failed}; Berth: {refusal or 'answered'}")
            continue
        verdicts = []
        for output in range(len(alone[0])):
            try:
                want = np.concatenate([np.asarray(outputs[output], dtype=np.float32).reshape(1, -1) for outputs in alone])
            except (TypeError, ValueError):
                continue
            verdicts.append(verdict(got, want))
        print(f"{name:30} {'OK' if 'OK' in verdicts else 'CLOSE' if 'CLOSE' in verdicts else 'DIFF'}")


if __name__ == "__main__":
    part, only = (sys.argv[1], sys.argv[2:]) if len(sys.argv) > 1 else ("both", [])
    if part in ("operators", "both"):
        operators(only)
    if part in ("estimators", "both"):
        estimators(only)
