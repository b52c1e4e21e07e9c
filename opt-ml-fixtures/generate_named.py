"""Fixtures for requests by feature name and category value (docs/feature-schema.md): models trained by xgboost 3.2
, lightgbm 4.6.0 and catboost 1.2.10 on pandas DataFrames with named columns (one non-ASCII), a text categorical column (with a
non-ASCII category for LightGBM) and an integer categorical column, beside numerical columns with missing values. Expected answers are the library's
own `predict` on the request rows as a DataFrame whose categoricals have their own (other) category order (and, for
LightGBM, categories unseen in training, which it reads as missing; xgboost refuses them), so the library's re-coder —
xgboost's `cats`, LightGBM's `pandas_categorical` — is what the answers encode.

Every request holds the same rows: the standard bodies (generate.write_case) positionally with category codes;
`rows-text.csv` and `rows-text.json` positionally with the text categories as text (the integer one as its code);
`rows-header.csv` (`text/csv; header=present`), `rows-named.json`, `rows-named.jsonl`, `rows-split.json`
(`dataframe_split`) and `rows-records.json` (`dataframe_records`) by name, in another column order, with
category values (text and integers) and missing features left out or null."""
import json
import os
import zlib

import numpy as np
import pandas as pd
import xgboost as xgb

from generate import HERE, csv_answer, write_case

# xgboost 3.2 saves a non-ASCII category corrupted (offsets counted in characters over UTF-8 bytes, the last bytes
# cut; its own reloaded model mis-recodes them), so only the LightGBM model has one.
CITIES = ["tokyo", "paris", "lima", "sao paulo"]
CITIES_LIGHTGBM = ["tokyo", "paris", "lima", "São Paulo"]
SIZES = [3, 7, 12]
COLUMNS = ["age", "city", "income", "größe", "score"]
SHUFFLED = ["größe", "income", "city", "score", "age"]


def training_frame(rng, count, cities):
    frame = pd.DataFrame({
        "age": rng.normal(40, 12, count),
        "city": pd.Categorical(rng.choice(cities, count), categories=sorted(cities)),
        "income": rng.normal(50, 15, count),
        "größe": pd.Categorical(rng.choice(SIZES, count), categories=SIZES),
        "score": rng.uniform(0, 1, count),
    })
    frame.loc[rng.uniform(size=count) < 0.1, "age"] = np.nan
    frame.loc[rng.uniform(size=count) < 0.1, "income"] = np.nan
    label = ((frame.city == "paris") | (frame.city == cities[3])) ^ (frame.age.fillna(40) > 42) ^ (frame["größe"] == 7)
    return frame, label.astype(int)


def request_frame(rng, count, cities, unseen):
    """Rows with missing categories, their categoricals in another category order; with `unseen`, categories unseen
    in training too (berlin, 99). xgboost refuses unseen categories (and an integer categorical with a missing
    value), so its rows have neither."""
    values = list(rng.choice(cities + (["berlin"] if unseen else []), count))
    sizes = list(rng.choice(SIZES + ([99] if unseen else []), count))
    values[0] = None
    if unseen:
        sizes[1] = None
    frame = pd.DataFrame({
        "age": rng.normal(40, 12, count),
        "city": pd.Categorical(values, categories=(["berlin"] if unseen else []) + cities[::-1]),
        "income": rng.normal(50, 15, count),
        "größe": pd.Categorical(sizes, categories=([99] if unseen else []) + SIZES[::-1]),
        "score": rng.uniform(0, 1, count),
    })
    frame.loc[[2, 5, 9], "age"] = np.nan
    frame.loc[[3, 5], "income"] = np.nan
    return frame


def codes(frame, cities):
    """The rows as the training codes (what positional numeric requests send): NaN for missing and unseen."""
    X = np.empty((len(frame), len(COLUMNS)))
    for index, column in enumerate(COLUMNS):
        if column == "city":
            known = sorted(cities)
            X[:, index] = [known.index(v) if v in known else np.nan for v in frame[column].astype(object)]
        elif column == "größe":
            X[:, index] = [SIZES.index(v) if v in SIZES else np.nan for v in frame[column].astype(object)]
        else:
            X[:, index] = frame[column].to_numpy(dtype=float)
    return X


def plain(value):
    """A cell as JSON: None for missing, an int for an integer category, a float or a string otherwise."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    if isinstance(value, (np.integer, int)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        return float(value)
    return str(value)


def csv_cell(value):
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return '"' + value + '"' if "," in value else value
    return repr(value)


def variants(frame, X, answer):
    cells = [{column: frame[column].astype(object).iloc[row] for column in COLUMNS} for row in range(len(frame))]
    # Positional, text categories as text and the integer category as its code.
    text_rows = [[plain(X[row, i]) if column != "city" else plain(cells[row]["city"]) for i, column in enumerate(COLUMNS)]
                 for row in range(len(frame))]
    # By name: numerical features missing are left out, a missing category is null.
    named = [{column: plain(cells[row][column]) for column in SHUFFLED
              if not (column in ("age", "income") and plain(cells[row][column]) is None)} for row in range(len(frame))]
    bodies = text_and_named_bodies(cells, text_rows, named)
    bodies["rows-records.json"] = (json.dumps({"dataframe_records": named}, ensure_ascii=False), "application/json")
    return {name: (body.encode(), content_type, answer) for name, (body, content_type) in bodies.items()}


def text_and_named_bodies(cells, positional, named):
    """{file: (body, content type)}: the rows positionally with category text (CSV, JSON), and by name in SHUFFLED
    order (headed CSV, named JSON and JSON Lines, dataframe_split)."""
    return {
        "rows-text.csv": ("\n".join(",".join(csv_cell(v) for v in row) for row in positional) + "\n", "text/csv"),
        "rows-text.json": (json.dumps({"instances": positional}, ensure_ascii=False), "application/json"),
        "rows-header.csv": (",".join(SHUFFLED) + "\n" + "".join(",".join(csv_cell(row[c]) for c in SHUFFLED) + "\n" for row in cells),
                            "text/csv; header=present"),
        "rows-named.json": (json.dumps({"instances": named}, ensure_ascii=False), "application/json"),
        "rows-named.jsonl": ("".join(json.dumps(record, ensure_ascii=True) + "\n" for record in named), "application/jsonlines"),
        "rows-split.json": (json.dumps({"dataframe_split": {"columns": SHUFFLED, "data": [[plain(row[c]) for c in SHUFFLED] for row in cells]}},
                                       ensure_ascii=False), "application/json"),
    }


def xgboost_case():
    rng = np.random.default_rng(zlib.crc32(b"xgboost-named-categorical"))
    frame, label = training_frame(rng, 600, CITIES)
    booster = xgb.train({"objective": "binary:logistic", "max_depth": 4, "max_cat_to_onehot": 1, "tree_method": "hist"},
                        xgb.DMatrix(frame, label, enable_categorical=True), num_boost_round=12)
    requests = request_frame(rng, 24, CITIES, unseen=False)
    # The request's columns shuffled, as a client may send them; the library reads them back in training order.
    shuffled = requests[SHUFFLED]
    predictions = booster.predict(xgb.DMatrix(shuffled[booster.feature_names], enable_categorical=True))
    X = codes(requests, CITIES)
    write_case("xgboost-named-categorical",
               "binary:logistic trained on a DataFrame with named columns, a text and an integer categorical (xgboost 3.2 "
               "records their categories); requests by name in another column order, with category values and missing "
               "features", {"xgboost-model.json": bytes(booster.save_raw("json"))}, X, predictions,
               variants=variants(requests, X, csv_answer(predictions)))
    print("xgboost-named-categorical", xgb.__version__)


def lightgbm_case():
    import lightgbm as lgb

    rng = np.random.default_rng(zlib.crc32(b"lightgbm-named-categorical"))
    frame, label = training_frame(rng, 600, CITIES_LIGHTGBM)
    booster = lgb.train({"objective": "binary", "num_leaves": 8, "min_data_in_leaf": 5, "min_data_per_group": 5,
                         "cat_smooth": 1, "verbose": -1}, lgb.Dataset(frame, label), num_boost_round=12)
    requests = request_frame(rng, 24, CITIES_LIGHTGBM, unseen=True)
    # LightGBM reads a DataFrame by position: the shuffled request goes back to training order, as Berth maps names.
    predictions = booster.predict(requests[SHUFFLED][booster.feature_name()])
    X = codes(requests, CITIES_LIGHTGBM)
    write_case("lightgbm-named-categorical",
               "binary trained on a DataFrame with named columns, a text and an integer pandas categorical "
               "(pandas_categorical); requests by name in another column order, with category values, unseen ones and "
               "missing features", {"model.txt": booster.model_to_string().encode()}, X, predictions,
               variants=variants(requests, X, csv_answer(predictions)), library=("lightgbm", lgb.__version__),
               precision="float64")
    print("lightgbm-named-categorical", lgb.__version__)


def catboost_case():
    """CatBoost hashes categories, text or integers, and one-hot encodes them here (no counters): requests carry the
    categories themselves, positionally and by name; an unseen one (berlin, 99) matches no split. CatBoost refuses a
    missing category, so none is missing. No standard (numeric) bodies: a text category has no number."""
    import shutil

    import catboost

    from generate_catboost import saved_cbm

    name = "catboost-named-categorical"
    rng = np.random.default_rng(zlib.crc32(name.encode()))
    frame, label = training_frame(rng, 600, CITIES_LIGHTGBM)
    frame["city"] = frame["city"].astype(str)
    frame["größe"] = frame["größe"].astype(int)
    model = catboost.CatBoostClassifier(iterations=30, depth=4, one_hot_max_size=255, random_seed=1, verbose=0,
                                        allow_writing_files=False, thread_count=1)
    model.fit(frame, label, cat_features=["city", "größe"])
    requests = request_frame(rng, 24, CITIES_LIGHTGBM, unseen=True)
    requests["city"] = [v if isinstance(v, str) else "berlin" for v in requests["city"].astype(object)]
    requests["größe"] = [int(v) if v == v and v is not None else 99 for v in requests["größe"].astype(object)]
    shuffled = requests[SHUFFLED]
    answers = model.predict_proba(shuffled[model.feature_names_])[:, 1]
    answer = "".join(repr(float(v)) + "\n" for v in answers)
    cells = [{column: requests[column].iloc[row] for column in COLUMNS} for row in range(len(requests))]
    positional = [[plain(cells[row][column]) for column in COLUMNS] for row in range(len(requests))]
    named = [{column: plain(cells[row][column]) for column in SHUFFLED if plain(cells[row][column]) is not None}
             for row in range(len(requests))]
    bodies = text_and_named_bodies(cells, positional, named)
    folder = os.path.join(HERE, name)
    shutil.rmtree(folder, ignore_errors=True)
    for sub in ("model", "requests", "expected"):
        os.makedirs(os.path.join(folder, sub))
    with open(os.path.join(folder, "model", "model.cbm"), "wb") as handle:
        handle.write(saved_cbm(model))
    for file, (body, _) in bodies.items():
        with open(os.path.join(folder, "requests", file), "wb") as handle:
            handle.write(body.encode())
        with open(os.path.join(folder, "expected", file + ".csv"), "w") as handle:
            handle.write(answer)
    manifest = {
        "description": "CatBoost classifier trained on a DataFrame with named columns, a text and an integer categorical "
                       "feature one-hot encoded (hashed categories); requests by name and positionally with the "
                       "categories themselves, unseen ones included",
        "catboost": catboost.__version__, "environment": {}, "features": len(COLUMNS), "rows": len(requests),
        "requests": [{"body": "requests/" + file, "content_type": content_type, "accept": "text/csv",
                      "expected": "expected/" + file + ".csv"} for file, (_, content_type) in bodies.items()],
    }
    with open(os.path.join(folder, "manifest.json"), "w") as handle:
        json.dump(manifest, handle, indent=2)
        handle.write("\n")
    print(name, catboost.__version__)


if __name__ == "__main__":
    xgboost_case()
    lightgbm_case()
    catboost_case()
