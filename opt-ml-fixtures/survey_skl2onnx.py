"""A survey of scikit-learn estimators as skl2onnx exports them, each answered by onnxruntime and by `berth predict` on
the same 20 rows: OK (within 1e-5), DIFF, REFUSED (Berth's message), or where skl2onnx or onnxruntime fail. What
docs/models.md reports of it. Usage, from a scratch folder (it writes a folder a case):
    OPSET=17 python opt-ml-fixtures/survey_skl2onnx.py [case ...]
with the fixture environment's Python (opt-ml-fixtures/.venv-onnx) and BERTH set to a release build (default
.build/release/berth of this checkout).
"""
import json
import os
import subprocess
import sys
import warnings

import numpy as np
import onnx
warnings.filterwarnings("ignore")
BERTH = os.environ.get("BERTH", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".build", "release", "berth"))
import onnxruntime as ort
from skl2onnx import to_onnx
from sklearn.ensemble import (StackingClassifier, StackingRegressor, VotingClassifier, VotingRegressor, RandomForestClassifier,
    ExtraTreesRegressor, HistGradientBoostingClassifier, HistGradientBoostingRegressor, RandomTreesEmbedding)
from sklearn.linear_model import LogisticRegression, Ridge, RANSACRegressor, HuberRegressor, RidgeClassifier, Perceptron
from sklearn.preprocessing import PowerTransformer, RobustScaler, MinMaxScaler, MaxAbsScaler, SplineTransformer, QuantileTransformer
from sklearn.decomposition import PCA, TruncatedSVD
from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
from sklearn.compose import TransformedTargetRegressor
from sklearn.pipeline import make_pipeline
from sklearn.impute import SimpleImputer, KNNImputer
from sklearn.tree import DecisionTreeClassifier
from sklearn.naive_bayes import MultinomialNB, ComplementNB
from sklearn.ensemble import AdaBoostRegressor, BaggingClassifier, BaggingRegressor
from sklearn.discriminant_analysis import QuadraticDiscriminantAnalysis
from sklearn.gaussian_process import GaussianProcessRegressor
from sklearn.neighbors import KNeighborsRegressor
rng=np.random.default_rng(0); X=rng.normal(size=(200,5)).astype(np.float32); Xp=np.abs(X)
y=(X[:,0]+X[:,1]>0).astype(int); y3=np.digitize(X[:,0],[-0.5,0.5]); yr=X[:,0]*2+X[:,2]
R=rng.normal(size=(20,5)).astype(np.float32); np.savetxt("rows.csv",R,delimiter=",",fmt="%.6f"); R=np.loadtxt("rows.csv",delimiter=",").astype(np.float32)
cases={
 "stacking-clf": (StackingClassifier([("a",LogisticRegression()),("b",DecisionTreeClassifier(max_depth=3))]), X, y3),
 "stacking-reg": (StackingRegressor([("a",Ridge()),("b",ExtraTreesRegressor(5,max_depth=3))]), X, yr),
 "voting-soft": (VotingClassifier([("a",LogisticRegression()),("b",RandomForestClassifier(5,max_depth=3))],voting="soft"), X, y3),
 "voting-hard": (VotingClassifier([("a",LogisticRegression()),("b",RandomForestClassifier(5,max_depth=3))],voting="hard"), X, y3),
 "voting-reg": (VotingRegressor([("a",Ridge()),("b",ExtraTreesRegressor(5,max_depth=3))]), X, yr),
 "hgb-clf": (HistGradientBoostingClassifier(max_iter=10), X, y3),
 "hgb-reg": (HistGradientBoostingRegressor(max_iter=10), X, yr),
 "power": (make_pipeline(PowerTransformer(), Ridge()), X, yr),
 "robust-minmax": (make_pipeline(RobustScaler(), MinMaxScaler(), MaxAbsScaler(), Ridge()), X, yr),
 "pca-svd": (make_pipeline(PCA(3), Ridge()), X, yr),
 "tsvd": (make_pipeline(TruncatedSVD(3), Ridge()), X, yr),
 "lda": (LinearDiscriminantAnalysis(), X, y3),
 "ransac": (RANSACRegressor(random_state=0), X, yr),
 "huber": (HuberRegressor(), X, yr),
 "ridgeclf": (RidgeClassifier(), X, y3),
 "perceptron": (Perceptron(), X, y3),
 "ttr": (TransformedTargetRegressor(Ridge(), func=np.log1p, inverse_func=np.expm1), X, np.abs(yr)),
 "imputer": (make_pipeline(SimpleImputer(), Ridge()), X, yr),
 "knnimputer": (make_pipeline(KNNImputer(), Ridge()), X, yr),
 "mnb": (MultinomialNB(), Xp, y3),
 "cnb": (ComplementNB(), Xp, y3),
 "spline": (make_pipeline(SplineTransformer(), Ridge()), X, yr),
 "rte": (make_pipeline(RandomTreesEmbedding(5, max_depth=3), Ridge()), X, yr),
 "bagging-clf": (BaggingClassifier(n_estimators=4, random_state=0), X, y3),
 "bagging-reg": (BaggingRegressor(n_estimators=4, random_state=0), X, yr),
 "qda": (QuadraticDiscriminantAnalysis(), X, y3),
 "gaussian-process": (GaussianProcessRegressor(), X, yr),
 "adaboost-reg": (AdaBoostRegressor(random_state=0), X, yr),
 "adaboost-reg-sq": (AdaBoostRegressor(n_estimators=30, loss="square", random_state=0), X, yr),
 "quantile": (make_pipeline(QuantileTransformer(n_quantiles=20), Ridge()), X, yr),
 "quantile-100": (make_pipeline(QuantileTransformer(), LogisticRegression()), X, y3),
 "knn-distance-targets": (KNeighborsRegressor(3, weights="distance"), X, np.c_[yr, X[:, 1]]),
}
only=sys.argv[1:]
for name,(m,XX,yy) in cases.items():
    if only and name not in only: continue
    try:
        m.fit(XX,yy)
        o=to_onnx(m,XX[:1],target_opset={'':int(os.environ.get('OPSET','17')),'ai.onnx.ml':3}, options={id(m):{'zipmap':False}} if hasattr(m,"predict_proba") else None)
    except Exception as e:
        print(f"{name:16} EXPORT FAIL {str(e)[:80]}"); continue
    os.makedirs(f"{name}/model",exist_ok=True); onnx.save(o,f"{name}/model/model.onnx")
    RR = np.abs(R) if name in ("mnb","cnb") else R
    np.savetxt(f"{name}/rows.csv",RR,delimiter=",",fmt="%.6f"); RR=np.loadtxt(f"{name}/rows.csv",delimiter=",").astype(np.float32)
    try:
        s=ort.InferenceSession(o.SerializeToString(),providers=["CPUExecutionProvider"]); outs=s.run(None,{s.get_inputs()[0].name:RR})
    except Exception as e:
        print(f"{name:16} ORT FAIL {str(e)[:80]}"); continue
    r=subprocess.run([BERTH,"predict","--model-dir",f"{name}/model","--accept","application/json","--output",name,f"{name}/rows.csv"],capture_output=True,text=True)
    if r.returncode!=0:
        print(f"{name:16} REFUSED {r.stderr.strip().splitlines()[-1][:260]}"); continue
    preds=json.load(open(f"{name}/rows.csv.out"))["predictions"]
    if "probabilities" in preds[0]:
        g=np.array([p["probabilities"] for p in preds]); w=outs[1]
        if isinstance(w, list): w=[[row[k] for k in sorted(row)] for row in w]  # a ZipMap's dictionaries
    else:
        g=np.array([p["score"] if "score" in p else p.get("scores") for p in preds],dtype=float); w=outs[0]
    w=np.array(w,dtype=float).reshape(g.shape) if np.size(w)==np.size(g) else None
    print(f"{name:16} {'OK' if w is not None and np.allclose(g,w,atol=1e-5,rtol=1e-5) else 'DIFF'} {'' if w is None else np.abs(g-w).max()}")
