"""Statistical audit of a built index, as the JRC audits of composite indicators report it
(Saisana, Saltelli & Tarantola 2005; OECD/JRC Handbook 2008, step 4 and 9).

Checks, each a table: correlations within and across levels (Pearson and Spearman), flags for
negatively correlated indicators inside a pillar and for indicators that barely correlate with
their own pillar, Cronbach's alpha per pillar, PCA per pillar, and each indicator's effective
weight (squared correlation with the index, normalised; Paruolo, Saisana & Saltelli 2013) next to
its nominal weight.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from silkscope.index.result import IndexResult

NEGATIVE_R = -0.4  # within-pillar pairs below this are flagged (JRC audit practice)
WEAK_R = 0.3  # indicators correlating less than this with their pillar are flagged


def cronbach_alpha(x: np.ndarray) -> float:
    """Cronbach (1951): alpha = k / (k - 1) * (1 - sum var(x_i) / var(sum x_i)), complete rows."""
    x = x[~np.isnan(x).any(axis=1)]
    k = x.shape[1]
    if k < 2 or len(x) < 3:
        return float("nan")
    total = x.sum(axis=1).var(ddof=1)
    return float(k / (k - 1) * (1 - x.var(axis=0, ddof=1).sum() / total)) if total > 0 else float("nan")


@dataclass(frozen=True)
class Audit:
    """The audit tables of one build and year."""

    year: int
    correlations: pd.DataFrame
    level_correlations: pd.DataFrame
    flags: pd.DataFrame
    alpha: pd.DataFrame
    pca: pd.DataFrame
    effective_weights: pd.DataFrame

    def sheets(self) -> dict[str, pd.DataFrame]:
        """One sheet per check, for ``write_workbook``."""
        return {
            "correlations": self.correlations,
            "level_correlations": self.level_correlations,
            "flags": self.flags,
            "cronbach_alpha": self.alpha,
            "pca": self.pca,
            "effective_weights": self.effective_weights,
        }

    def summary(self) -> str:
        return f"audit {self.year}: {len(self.flags)} flag(s); alpha " + ", ".join(
            f"{r.pillar} {r.alpha:.2f}" for r in self.alpha.itertuples()
        )


def audit(result: IndexResult, year: int | None = None) -> Audit:
    """Audit the build on one year's cross-section (the headline year by default: the latest
    whose coverage passes); unit-years below the coverage threshold are left out."""
    from silkscope.errors import InputError

    fw = result.framework
    year = result.headline_year() if year is None else int(year)
    if year not in set(result.years.tolist()):
        raise InputError(f"no data for year {year}; years present: {sorted(set(result.years.tolist()))}")
    rows = (result.years == year) & ~np.isnan(result.scores[:, 0])
    if rows.sum() < 3:
        raise InputError(
            f"year {year}: only {int(rows.sum())} unit(s) have an index score (coverage below "
            f"{result.choices.min_coverage:.0%} for the others); an audit needs at least 3",
            hint="audit another year (--year) or import the missing indicators",
        )
    scores = pd.DataFrame(result.scores[rows], columns=result.node_ids)
    indicators = list(fw.indicators)
    leaf = scores[indicators]

    corr_rows = []
    for method in ("pearson", "spearman"):
        c = leaf.corr(method=method)
        for i, a in enumerate(indicators):
            for b in indicators[i + 1 :]:
                corr_rows.append(
                    {
                        "method": method,
                        "a": a,
                        "b": b,
                        "r": c.loc[a, b],
                        "same_pillar": fw.pillar_of(a) == fw.pillar_of(b),
                    }
                )
    correlations = pd.DataFrame(corr_rows)

    level_rows = []
    for node in fw.nodes:
        if node.parent is None:
            continue
        for method in ("pearson", "spearman"):
            level_rows.append(
                {
                    "node": node.id,
                    "level": node.level,
                    "method": method,
                    "r_parent": scores[node.id].corr(scores[node.parent], method=method),
                    "r_pillar": scores[node.id].corr(scores[fw.pillar_of(node.id)], method=method)
                    if node.level != "pillar"
                    else np.nan,
                    "r_index": scores[node.id].corr(scores[fw.root.id], method=method),
                }
            )
    level_correlations = pd.DataFrame(level_rows)

    flags = []
    pearson = correlations[(correlations.method == "pearson") & correlations.same_pillar]
    for r in pearson[pearson.r < NEGATIVE_R].itertuples():
        flags.append(
            {
                "check": "negative_within_pillar",
                "node": f"{r.a} / {r.b}",
                "pillar": fw.pillar_of(r.a),
                "value": r.r,
                "threshold": NEGATIVE_R,
            }
        )
    weak = level_correlations[
        (level_correlations.method == "pearson") & (level_correlations.level == "indicator")
    ]
    for r in weak[weak.r_pillar < WEAK_R].itertuples():
        flags.append(
            {
                "check": "weak_with_own_pillar",
                "node": r.node,
                "pillar": fw.pillar_of(r.node),
                "value": r.r_pillar,
                "threshold": WEAK_R,
            }
        )
    flags_frame = pd.DataFrame(flags, columns=["check", "node", "pillar", "value", "threshold"])

    alpha_rows, pca_rows = [], []
    for pillar in fw.pillars:
        members = [i for i in indicators if fw.pillar_of(i) == pillar]
        x = leaf[members].to_numpy()
        alpha_rows.append({"pillar": pillar, "indicators": len(members), "alpha": cronbach_alpha(x)})
        complete = x[~np.isnan(x).any(axis=1)]
        if len(members) < 2 or len(complete) < 3:
            continue
        sd = complete.std(axis=0, ddof=1)
        z = (complete - complete.mean(axis=0)) / np.where(sd > 0, sd, 1)
        values, vectors = np.linalg.eigh(np.corrcoef(z, rowvar=False))
        order = np.argsort(values)[::-1]
        values, vectors = values[order], vectors[:, order]
        for c in range(min(3, len(members))):
            v = vectors[:, c] * (np.sign(vectors[:, c].sum()) or 1)
            for m, loading in zip(members, v, strict=True):
                pca_rows.append(
                    {
                        "pillar": pillar,
                        "component": c + 1,
                        "eigenvalue": values[c],
                        "variance_explained": values[c] / values.sum(),
                        "indicator": m,
                        "loading": loading,
                    }
                )
    weights = result.weights_frame().set_index("node")
    r2 = np.array([leaf[i].corr(scores[fw.root.id]) ** 2 for i in indicators])
    effective = pd.DataFrame(
        {
            "indicator": indicators,
            "nominal_weight": [weights.loc[i, "effective"] for i in indicators],
            "r2_with_index": r2,
            "effective_weight": r2 / np.nansum(r2),
        }
    )
    effective["ratio"] = effective.effective_weight / effective.nominal_weight
    return Audit(
        year,
        correlations,
        level_correlations,
        flags_frame,
        pd.DataFrame(alpha_rows),
        pd.DataFrame(pca_rows),
        effective,
    )
