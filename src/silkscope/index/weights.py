"""Weighting schemes: each returns weights over a set of sibling columns that sum to 1.

Data-driven schemes (entropy, CRITIC, PCA) are computed on the values after imputation,
treatment and normalisation; observations with a missing value among the siblings are left out
(listwise), and at least three complete observations are required.
"""

from __future__ import annotations

import numpy as np

from silkscope.errors import MethodError

# Saaty's random consistency index by matrix order (Saaty 1980, Table 1.1 as commonly reproduced).
RANDOM_INDEX = {1: 0.0, 2: 0.0, 3: 0.58, 4: 0.90, 5: 1.12, 6: 1.24, 7: 1.32, 8: 1.41, 9: 1.45, 10: 1.49}


def _complete(x: np.ndarray, what: str) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    rows = ~np.isnan(x).any(axis=1)
    if rows.sum() < 3:
        raise MethodError(
            f"{what} weights need at least 3 observations without missing values; got {rows.sum()}"
        )
    return x[rows]


def entropy_weights(x: np.ndarray) -> np.ndarray:
    """Shannon entropy weights (Shannon 1948; Zeleny 1982): p_ij = x_ij / sum_i x_ij,
    e_j = -sum_i p_ij ln p_ij / ln n (with 0 ln 0 = 0), w_j = (1 - e_j) / sum_k (1 - e_k).

    Needs values >= 0 (use min-max normalisation, or raw positive values).
    """
    x = _complete(x, "entropy")
    if (x < 0).any():
        raise MethodError(
            "entropy weights need non-negative values; normalise with minmax (or none for positive raw data)"
        )
    n = x.shape[0]
    total = x.sum(axis=0)
    if (total == 0).any():
        raise MethodError("entropy weights are undefined for a column that is 0 everywhere")
    p = x / total
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log(p), 0.0)
    e = -plogp.sum(axis=0) / np.log(n)
    d = 1.0 - e
    if d.sum() <= 0:
        return np.full(x.shape[1], 1.0 / x.shape[1])
    return d / d.sum()


def critic_weights(x: np.ndarray) -> np.ndarray:
    """CRITIC (Diakoulaki, Mavrotas & Papayannakis 1995): c_j = s_j * sum_k (1 - r_jk),
    w_j = c_j / sum c; s_j the sample standard deviation, r the Pearson correlation."""
    x = _complete(x, "CRITIC")
    if x.shape[1] == 1:
        return np.ones(1)
    sd = x.std(axis=0, ddof=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.corrcoef(x, rowvar=False)
    r = np.nan_to_num(r, nan=0.0)  # a constant column is uncorrelated with everything
    c = sd * (1.0 - r).sum(axis=0)
    if c.sum() <= 0:
        raise MethodError("CRITIC weights are undefined: every column is constant")
    return c / c.sum()


def pca_weights(x: np.ndarray) -> np.ndarray:
    """First principal component of the correlation matrix (OECD/JRC Handbook 2008, 6.1):
    w_j = v_1j^2, the squared loadings of the first eigenvector, which sum to 1."""
    x = _complete(x, "PCA")
    if x.shape[1] == 1:
        return np.ones(1)
    sd = x.std(axis=0, ddof=1)
    if (sd == 0).any():
        raise MethodError("PCA weights are undefined when an indicator has zero variance")
    z = (x - x.mean(axis=0)) / sd
    corr = z.T @ z / (len(z) - 1)
    _, vectors = np.linalg.eigh(corr)
    v1 = vectors[:, -1]
    return v1**2


def ahp_weights(matrix: np.ndarray, *, force: bool = False, node: str = "") -> tuple[np.ndarray, float]:
    """Analytic Hierarchy Process (Saaty 1980): the principal eigenvector of the pairwise matrix,
    with consistency ratio CR = ((lambda_max - n) / (n - 1)) / RI(n). Refuses CR > 0.1 unless forced."""
    a = np.asarray(matrix, dtype=float)
    n = a.shape[0]
    if a.shape != (n, n) or (a <= 0).any():
        raise MethodError(f"AHP matrix of '{node}' must be square with positive entries")
    if not np.allclose(a * a.T, 1.0, rtol=1e-3):
        raise MethodError(f"AHP matrix of '{node}' must be reciprocal: a[j, i] = 1 / a[i, j]")
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    w = np.abs(vectors[:, k].real)
    w = w / w.sum()
    lam = float(values[k].real)
    ri = RANDOM_INDEX.get(n, 1.49)
    cr = 0.0 if n <= 2 or ri == 0 else ((lam - n) / (n - 1)) / ri
    if cr > 0.1 and not force:
        raise MethodError(
            f"AHP matrix of '{node}' is inconsistent: consistency ratio {cr:.3f} > 0.10; "
            "revise the judgements or force it (--force-ahp)"
        )
    return w, cr


DATA_DRIVEN = {"entropy": entropy_weights, "critic": critic_weights, "pca": pca_weights}
