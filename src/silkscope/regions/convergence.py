"""σ-, β- and spatial β-convergence of a score, with club convergence by group.

* σ: the cross-section dispersion (CV, sd of logs) falls over time.
* β (Barro & Sala-i-Martin 1992, *JPE* 100(2): 223-251): g_i = ln(y_iT / y_i0) / T regressed on
  ln y_i0 (absolute) plus initial controls (conditional), OLS with HC1 robust SEs (statsmodels);
  β < 0 means convergence; speed λ = -ln(1 + βT)/T, half-life ln 2 / λ.
* spatial β: the same regression as a spatial lag (ML_Lag) or error (ML_Error) model by PySAL
  ``spreg`` (Rey & Montouri 1999, *Regional Studies* 33(2): 143-156) on contiguity weights.
* clubs: each group's own regression (club convergence within East, Central, West...).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from silkscope.errors import InputError
from silkscope.regions.theil import dispersion


def sigma_table(panel: pd.DataFrame) -> pd.DataFrame:
    """``year, group, cv, sd_log, n_units``; group ``all`` and, when grouped, each group."""
    rows = []
    for year, block in panel.groupby("year", sort=True):
        sets = [("all", block)]
        if "group" in block:
            sets += list(block.groupby("group", sort=True))
        for name, part in sets:
            if len(part) >= 2:
                rows.append({"year": int(year), "group": name, **dispersion(part["value"].to_numpy()),
                             "n_units": len(part)})  # fmt: skip
    return pd.DataFrame(rows)


def growth_frame(
    panel: pd.DataFrame, controls: pd.DataFrame | None = None, notes: list[str] | None = None
) -> tuple[pd.DataFrame, int]:
    """Per unit: ``growth`` (mean annual log growth from the first to the last year), ``log_initial``
    and the controls' initial-year values; returns ``(frame, T)``."""
    first, last = int(panel["year"].min()), int(panel["year"].max())
    span = last - first
    if span < 1:
        raise InputError("β-convergence needs at least two years (use --years A-B)")
    wide = panel.pivot(index="unit_id", columns="year", values="value")[[first, last]].dropna()
    if (wide <= 0).any().any():
        bad = wide.index[(wide <= 0).any(axis=1)].tolist()
        raise InputError(
            f"β-convergence takes logs; values ≤ 0 in {first} or {last} for {', '.join(bad[:5])}"
        )
    dropped = sorted(set(panel["unit_id"]) - set(wide.index))
    if dropped and notes is not None:
        notes.append(
            f"{len(dropped)} units without a value in both {first} and {last} left out: {', '.join(dropped[:10])}"
        )
    out = pd.DataFrame(
        {"growth": np.log(wide[last] / wide[first]) / span, "log_initial": np.log(wide[first])}
    )
    if controls is not None and not controls.empty:
        out = out.join(controls, how="inner")
    groups = panel.drop_duplicates("unit_id").set_index("unit_id").get("group")
    if groups is not None:
        out["group"] = groups.reindex(out.index)
    return out, span


def _speed(beta: float, span: int) -> tuple[float, float]:
    arg = 1 + beta * span
    if arg <= 0 or beta >= 0:
        return np.nan, np.nan
    speed = -np.log(arg) / span
    return speed, np.log(2) / speed


def beta_table(
    frame: pd.DataFrame, span: int, controls: list[str] | None = None, clubs: bool = True
) -> pd.DataFrame:
    """``model, group, term, coef, se, stat, p, n, r2, speed, half_life`` of OLS with HC1 SEs."""
    import statsmodels.api as sm

    terms = ["log_initial", *(controls or [])]
    sets = [("all", frame)]
    if clubs and "group" in frame:
        sets += [(g, part) for g, part in frame.groupby("group", sort=True) if len(part) > len(terms) + 2]
    rows = []
    for name, part in sets:
        if len(part) <= len(terms) + 1:
            raise InputError(f"β-convergence of '{name}' needs more units than {len(terms) + 1} coefficients")
        fit = sm.OLS(part["growth"], sm.add_constant(part[terms])).fit(cov_type="HC1")
        speed, half = _speed(float(fit.params["log_initial"]), span)
        model = "conditional" if controls else "absolute"
        for term in ["const", *terms]:
            rows.append({"model": model, "group": name, "term": term, "coef": fit.params[term],
                         "se": fit.bse[term], "stat": fit.tvalues[term], "p": fit.pvalues[term],
                         "n": int(fit.nobs), "r2": fit.rsquared, "speed": speed, "half_life": half})  # fmt: skip
    return pd.DataFrame(rows)


def spatial_beta_table(
    frame: pd.DataFrame,
    span: int,
    model: str = "lag",
    weights: str = "contiguity",
    controls: list[str] | None = None,
) -> pd.DataFrame:
    """Spatial β-convergence by ``spreg.ML_Lag`` (``model='lag'``) or ``spreg.ML_Error``."""
    import spreg

    from silkscope.cluster.spatial import spatial_weights

    terms = ["log_initial", *(controls or [])]
    w = spatial_weights(frame.index.tolist(), weights)
    w.transform = "r"
    y = frame[["growth"]].to_numpy(dtype=float)
    x = frame[terms].to_numpy(dtype=float)
    if model == "lag":
        fit = spreg.ML_Lag(y, x, w=w, name_x=terms, name_y="growth")
        names = ["const", *terms, "rho"]
    elif model == "error":
        fit = spreg.ML_Error(y, x, w=w, name_x=terms, name_y="growth")
        names = ["const", *terms, "lambda"]
    else:
        raise InputError(f"unknown spatial model '{model}'; expected lag or error")
    betas = np.asarray(fit.betas).ravel()
    z = [pair for pair in fit.z_stat]
    speed, half = _speed(float(betas[1]), span)
    return pd.DataFrame(
        [
            {"model": f"spatial-{model}", "group": "all", "term": t, "coef": betas[k], "se": float(np.sqrt(fit.vm[k, k])),
             "stat": z[k][0], "p": z[k][1], "n": int(fit.n), "r2": float(fit.pr2), "speed": speed, "half_life": half}
            for k, t in enumerate(names)
        ]
    )  # fmt: skip


def convergence(
    panel: pd.DataFrame,
    kind: str,
    controls: pd.DataFrame | None = None,
    model: str = "lag",
    weights: str = "contiguity",
    notes: list[str] | None = None,
) -> pd.DataFrame:
    """The ``regions convergence`` table for ``kind`` sigma, beta or spatial-beta."""
    if kind == "sigma":
        return sigma_table(panel)
    names = [] if controls is None else list(controls.columns)
    frame, span = growth_frame(panel, controls, notes)
    if kind == "beta":
        return beta_table(frame, span, names)
    if kind == "spatial-beta":
        return spatial_beta_table(frame, span, model, weights, names)
    raise InputError(f"unknown --kind '{kind}'; expected sigma, beta or spatial-beta")


def initial_controls(frame: pd.DataFrame, names: list[str], year: int) -> pd.DataFrame:
    """The controls' values in the initial ``year``, indexed by unit (missing ones named)."""
    from silkscope.regions.panel import to_wide

    wide = to_wide(frame)
    missing = [c for c in names if c not in wide.columns]
    if missing:
        raise InputError(f"control(s) {', '.join(missing)} not in the data")
    block = wide[wide["year"].astype(int) == year].copy()
    block["unit_id"] = block["unit_id"].astype(str)
    return block.set_index("unit_id")[names].dropna()
