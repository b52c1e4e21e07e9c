#!/usr/bin/env bash
# Regenerates every fixture under opt-ml-fixtures/ from real, pinned releases: xgboost for the XGBoost cases,
# lightgbm for the LightGBM cases, catboost for the CatBoost cases, scikit-learn + skl2onnx + onnx + onnxruntime for the ONNX cases.
# Needs Python 3.11 and PyPI. Creates seven virtual environments beside this script (git-ignored).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cd "$here"
if [ ! -x .venv-xgb3/bin/python ]; then
  python3 -m venv .venv-xgb3
  .venv-xgb3/bin/pip install -q xgboost-cpu==3.2.0 numpy==2.4.6 scipy==1.17.1 protobuf==6.33.1
fi
if [ ! -x .venv-xgb17/bin/python ]; then
  python3 -m venv .venv-xgb17
  .venv-xgb17/bin/pip install -q xgboost==1.7.6 numpy==1.26.4 scipy==1.17.1 protobuf==6.33.1
fi
if [ ! -x .venv-onnx/bin/python ]; then
  python3 -m venv .venv-onnx
  .venv-onnx/bin/pip install -q scikit-learn==1.7.2 skl2onnx==1.20.0 onnx==1.19.1 onnxruntime==1.32.0 numpy==2.3.5 catboost==1.2.10
fi
.venv-xgb17/bin/python generate.py --only-legacy
.venv-xgb3/bin/python generate.py --only-modern
.venv-xgb3/bin/python generate_triton.py
.venv-onnx/bin/python generate_onnx.py
.venv-onnx/bin/python generate_onnx_explanations.py
# Pickled and joblib-dumped models, each written by the xgboost version that made such files (generate_pickle.py):
# SageMaker's pickling containers (0.90, 1.0, 1.2), script mode's wrappers (1.2, 1.5) and later snapshots (1.7, 3.2).
for version in 0.90 1.0.2 1.2.1 1.5.2; do
  venv=".venv-xgb-pickle-$version"
  if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q "xgboost==$version" numpy==1.26.4 scipy==1.11.4 scikit-learn==1.3.2 joblib==1.3.2 protobuf==6.33.1
  fi
  "$venv/bin/python" generate_pickle.py
done
.venv-xgb17/bin/pip install -q scikit-learn==1.3.2 joblib==1.3.2
.venv-xgb17/bin/python generate_pickle.py
.venv-xgb3/bin/pip install -q scikit-learn==1.7.2 joblib==1.5.2
.venv-xgb3/bin/python generate_pickle.py
.venv-xgb3/bin/pip install -q lightgbm==4.6.0 catboost==1.2.10 sagemaker-inference==1.10.1
.venv-xgb3/bin/python generate_lightgbm.py
.venv-xgb3/bin/python generate_catboost.py
# Models trained on DataFrames with named columns and categoricals, asked by name and category value.
.venv-xgb3/bin/python generate_named.py
# CityHash 1.0.2's hashes, which CatBoost hashes categories with, for Berth's own CityHash64.
.venv-xgb3/bin/pip install -q clickhouse-cityhash==1.0.2.6
.venv-xgb3/bin/python generate_cityhash_vectors.py
python3 generate_decimal_vectors.py
# xgboost's own explanations (pred_contribs, pred_leaf, output_margin) of the XGBoost fixtures, each by the xgboost
# that reads its model file.
.venv-xgb17/bin/python generate_explanations.py
.venv-xgb3/bin/python generate_explanations.py
echo "fixtures written under $here"
