"""Dashboard weight sliders: one ``POST /api/index`` round trip (httpx TestClient, JSON in and out)
against a plain ``build()`` of the same data with the same weights (the baseline: what a server
without the per-process cache of normalised data would do per slider move). Both give the same
ranks (asserted). Sizes: the demo's 31 provinces x 5 years and 3,000 synthetic units x 5 years,
both on the 29-indicator CIDI framework.

Run: .venv/bin/python -m benchmarks dashboard
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchmarks._util import timed
from silkscope.index import build, builtin_framework
from silkscope.report.builder import REPORT_CHOICES, ReportInputs, demo_inputs

WEIGHTS = {"productive_force": 2.0, "influence": 1.0, "driving_force": 0.5, "market": 3.0}
N_SYNTHETIC = 3_000
YEARS = tuple(range(2014, 2019))


def synthetic_inputs(n_units: int = N_SYNTHETIC, seed: int = 7) -> ReportInputs:
    """Lognormal values of every CIDI indicator for ``n_units`` made-up units, three groups."""
    fw = builtin_framework("cidi")
    rng = np.random.default_rng(seed)
    units = [f"U{i:05d}" for i in range(n_units)]
    idx = pd.MultiIndex.from_product([units, YEARS, fw.indicators], names=["unit_id", "year", "indicator_id"])
    values = pd.DataFrame({"value": rng.lognormal(2, 1, len(idx))}, index=idx).reset_index()
    groups = {u: ("East", "Central", "West")[k % 3] for k, u in enumerate(units)}
    return ReportInputs(values, fw, REPORT_CHOICES, groups, pd.DataFrame(), True, {})


def shares(framework, relative):
    """The API's relative slider weights as within-parent shares for ``build(weights=...)``."""
    base = framework.framework_weights()
    out = {}
    for node in framework.nodes:
        if node.is_leaf or not any(c in relative for c in node.children):
            continue
        raw = {c: relative.get(c, base[c] * len(node.children)) for c in node.children}
        total = sum(raw.values())
        out.update({c: v / total for c, v in raw.items()})
    return out


def measure(label: str, inputs: ReportInputs, repeat: int) -> None:
    from fastapi.testclient import TestClient

    from silkscope.web.app import create_app

    client = TestClient(create_app(inputs=inputs))
    body = {"weights": WEIGHTS, "year": YEARS[-1], "lang": "en"}
    client.post("/api/index", json=body)  # warm up (imports, first JSON encode)
    api_t, response = timed(lambda: client.post("/api/index", json=body), repeat=repeat)
    data = response.json()
    w = shares(inputs.framework, WEIGHTS)
    base_t, result = timed(
        lambda: build(inputs.values, inputs.framework, inputs.choices, inputs.groups, weights=w),
        repeat=repeat,
    )
    expected = result.ranking(YEARS[-1])
    assert [r["unit_id"] for r in data["rows"]] == expected["unit_id"].tolist()
    assert [r["rank"] for r in data["rows"]] == expected["rank"].tolist()
    n_units = len(data["rows"])
    print(
        f"  {label}: {n_units:,} units x {len(YEARS)} years x {len(inputs.framework.indicators)} indicators"
    )
    print(
        f"    POST /api/index round trip: {api_t * 1000:7.1f} ms (server-side recompute {data['elapsed_ms']:.1f} ms, "
        f"{len(response.content) / 1e3:.0f} kB JSON)"
    )
    print(f"    plain build() baseline:     {base_t * 1000:7.1f} ms  -> ratio {base_t / api_t:.1f}x")


def main() -> None:
    print("dashboard weight recompute (median of runs; ranks identical to build(): yes, asserted)")
    measure("demo provinces", demo_inputs(), repeat=21)
    measure("synthetic units", synthetic_inputs(), repeat=7)


if __name__ == "__main__":
    main()
