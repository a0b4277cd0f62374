"""Reading and validating a wide indicator table of 300 units x 10 years x 50 indicators
(150,000 values) from CSV (GBK), Excel and Parquet, against pandas reading the same file and
melting it to long form without any validation; both must give the same values.

Run: .venv/bin/python -m benchmarks tables   (or .venv/bin/python benchmarks/bench_tables.py)
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._util import peak_memory_mb, timed
from silkscope.io.tables import read_values
from silkscope.reference import provinces

N_YEARS, N_IND, N_CUSTOM = 10, 50, 269  # 31 provinces + 269 custom units = 300 units


def synthetic(seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    units = list(provinces()["name_zh"]) + [f"园区{i:03d}" for i in range(N_CUSTOM)]
    idx = pd.MultiIndex.from_product([units, range(2010, 2010 + N_YEARS)], names=["地区", "年份"])
    data = rng.lognormal(2, 1, (len(idx), N_IND)).round(4)
    return pd.DataFrame(data, index=idx, columns=[f"x{k:02d}" for k in range(N_IND)]).reset_index()


def pandas_baseline(path: Path) -> pd.DataFrame:
    if path.suffix == ".csv":
        frame = pd.read_csv(path, encoding="gb18030")
    elif path.suffix == ".xlsx":
        frame = pd.read_excel(path)
    else:
        frame = pd.read_parquet(path)
    return frame.melt(id_vars=["地区", "年份"], var_name="indicator_id", value_name="value")


def main() -> None:
    wide = synthetic()
    n_values = len(wide) * N_IND
    print(
        f"read + validate a wide table, 300 units x {N_YEARS} years x {N_IND} indicators ({n_values:,} values)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for suffix in (".csv", ".xlsx", ".parquet"):
            path = Path(tmp) / f"wide{suffix}"
            if suffix == ".csv":
                wide.to_csv(path, index=False, encoding="gbk")
            elif suffix == ".xlsx":
                wide.to_excel(path, index=False)
            else:
                wide.to_parquet(path, index=False)
            repeat = 1 if suffix == ".xlsx" else 3
            ours_t, ours = timed(lambda p=path: read_values(p), repeat=repeat)
            base_t, base = timed(lambda p=path: pandas_baseline(p), repeat=repeat)
            assert len(ours) == len(base) == n_values
            np.testing.assert_array_equal(np.sort(ours.value.to_numpy()), np.sort(base.value.to_numpy()))
            mem = peak_memory_mb(lambda p=path: read_values(p))
            print(
                f"  {suffix:8s} silkscope {ours_t:6.2f} s (peak {mem:4.0f} MB) | pandas read+melt, "
                f"no validation {base_t:6.2f} s | ratio {ours_t / base_t:5.1f}x slower"
            )
    print("  values identical: yes")


if __name__ == "__main__":
    main()
