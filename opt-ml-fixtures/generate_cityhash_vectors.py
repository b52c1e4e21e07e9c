"""Test vectors for Berth's CityHash64 (Sources/BerthCore/CityHash64.swift): strings of every length up to 69 bytes
and a few longer, with CityHash 1.0.2's 64-bit hash as clickhouse-cityhash 1.0.2.6 computes it — the version CatBoost
hashes category values with (it keeps the low 32 bits). Written to cityhash-1.0.2-vectors.json as [[text, hash], …]
(hashes as decimal strings: JSON numbers lose bits past 2^53)."""
import json
import os
import random

from clickhouse_cityhash.cityhash import CityHash64

random.seed(3)
texts = ["".join(chr(random.randrange(32, 127)) for _ in range(n)) for n in list(range(70)) + [100, 128, 129, 200, 1000]]
texts += ["tokyo", "paris", "lima", "1", "-7", "123456789012", "naïve café"]
vectors = [[text, str(CityHash64(text.encode()))] for text in texts]
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "cityhash-1.0.2-vectors.json"), "w") as handle:
    json.dump(vectors, handle)
