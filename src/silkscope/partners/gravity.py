"""Gravity models by Poisson pseudo-maximum likelihood with high-dimensional fixed effects.

Estimation is pyfixest's ``fepois`` (Santos Silva & Tenreyro 2006 PPML; Bergé 2018 fixed-effect
algorithm, as R fixest); this module only validates the input, maps the vcov names, and reports
what pyfixest dropped. Specifications use pyfixest's formula syntax ``Y ~ X1 + log(X2) | FE1 + FE2``
(``FE1^FE2`` interacts fixed effects, e.g. ``exporter^year``).

``vcov`` names and what pyfixest computes for each (pyfixest 0.60 semantics):

==================  ================================  =============================================
vcov                pyfixest call                     meaning
==================  ================================  =============================================
``iid``             ``vcov="iid"``                    model-based (Poisson variance) standard errors
``hetero``          ``vcov="hetero"``                 HC1: sandwich x (N-1)/(N-K), K = slopes plus
                                                      non-nested fixed effects (fixest "hetero")
``hc0``             ``vcov="hetero"``,                HC0: the plain sandwich, no small-sample factor
                    ``ssc=ssc(k_adj=False)``
``cluster:V``       ``vcov={"CRV1": "V"}``            one-way cluster-robust (CRV1), factor
                                                      G/(G-1) x (N-1)/(N-K) as fixest
``cluster:V1+V2``   ``vcov={"CRV1": "V1+V2"}``        two-way cluster-robust (Cameron, Gelbach &
                                                      Miller 2011), min(G)/(min(G)-1) as fixest
==================  ================================  =============================================

Default vcov (:func:`default_vcov`): R fixest clusters by the first fixed effect when no vcov is
given; here that is ``cluster:<first FE>`` when the first fixed effect is a single column, and
``hetero`` (HC1) when it is an interaction such as ``exporter^year`` (pyfixest clusters by columns
only) or when the spec has no fixed effects. The summary names the vcov applied and why.

The sample can be narrowed first (:func:`gravity_sample`): a ``--where`` row filter
(:mod:`silkscope.io.row_filter`) and ``international_only``, which drops domestic flows (exporter
== importer), as the structural-gravity benchmarks of Yotov et al. (2016, ch. 1) do.

Dropped observations are reported by cause: missing values, singletons (alone in a fixed-effect
group; pyfixest ``fixef_rm="singleton"``) and separated observations (pyfixest's ``fe`` and ``ir``
separation checks, after Correia, Guimarães & Zylkin 2019). pyfixest's checks are not complete: on
the ppmlhdfe separation test suite (../shared/data/trade_validation/ppmlhdfe_separation) they find
the separated observations of examples 01, 07 and 08 but not those of 05, 06, 10 or 16-18, so a
zero count is "none found by pyfixest", not a proof of no separation.

``separation`` chooses the checks (:data:`SEPARATION`). The default ``auto`` fits with pyfixest's
``fe`` check and then asks whether an observation left can be separated by the regressors (only a
zero outcome can be). With no zero left, none can. Otherwise the fit itself is read first
(:func:`separation_ruled_out`, no extra pass over the data): by a theorem of the alternative
(Stiemke's lemma; the direction used here takes one line), no zero outcome is separated if some
vector ``w`` with ``w > 0`` on every zero outcome is orthogonal to every regressor and fixed-effect
dummy (Correia, Guimarães & Zylkin 2019, "Verifying the existence of maximum likelihood estimates
for generalized linear models", sections 2-3: separation is a direction ``z = X gamma`` with
``z = 0`` where y > 0 and ``z >= 0``, not all 0, where y = 0; then ``w'z > 0`` contradicts
``X'w = 0``). pyfixest's last IRLS step supplies such a ``w``:
its weighted least-squares residual ``e`` (working scale, IRLS weights ``v``) satisfies
``X'(v e) = 0`` by the normal equations, and on a zero outcome ``e = (eta_before - eta_after) - 1``,
so ``w = -v e`` is positive there exactly when that step lowered no zero outcome's linear
predictor by 1 or more. Under separation no such ``w`` exists, so at every IRLS step some zero
outcome's residual is >= 0 (its predictor falls by at least 1; as mu -> 0 the Newton step on a
separated observation tends to -1, the borderline). The rule keeps a margin for the demeaning's
finite tolerance: every zero outcome's working residual at most -0.1 (:data:`SEPARATION_MARGIN`).
Measured: on every separated case tested (the ppmlhdfe suite's examples 01, 05, 06, 08, 10, 16-18,
a regressor separating zeros, an embargo dummy in a three-FE panel) the largest residual is
>= -2e-5, and on the published panels without separation it is -0.17 to -1 (-1 at a converged fit;
zero flows in pairs with one tiny positive flow are still moving). When the fit passes, it
stands, with no further computation; when it does not, the ``ir`` check (the iterative rectifier of
Correia, Guimarães & Zylkin 2019, section 4.2) runs on the fitted sample (:func:`iterative_rectifier`,
arrays demeaned once), and if it finds separated observations (or cannot run) the model is refitted
with pyfixest's ``fe`` and ``ir`` checks, so what is dropped and reported is what pyfixest's checks
drop. pyfixest's own ``ir`` check refits a whole model at each step (formula, a copy of the data,
fixed effects recovered): +16-31 % time and +25-29 % memory on 447k rows with three
high-dimensional fixed effects (``benchmarks/bench_gravity.py``, ``benchmarks/RESULTS.md``).
``fe+ir`` always runs pyfixest's two checks (the behaviour before ``auto``); ``fe`` runs only the
``fe`` check (pyfixest's default), and the summary then says separation by the regressors was not
checked when zeros remain.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from silkscope.errors import InputError, MethodError

TIDY_COLUMNS = ("term", "estimate", "std_error", "statistic", "p_value", "nobs")
#: Separation checks: ``auto`` (default: ``fe``, then the ``ir`` check on the fitted sample unless
#: the fit rules separation out), ``fe``, ``fe+ir``.
SEPARATION = ("auto", "fe", "fe+ir")
#: The largest working residual of a zero outcome at pyfixest's last IRLS step for which
#: :func:`separation_ruled_out` accepts the fit as free of separation (separation forces >= 0).
SEPARATION_MARGIN = -0.1
_IDENT = re.compile(r"(?<![\w.])([A-Za-z_][A-Za-z0-9_.]*)\b(?!\s*[(=])")
_QUOTED = re.compile(r"(\"[^\"]*\"|'[^']*')")
_FORMULA_WORDS = {"True", "False", "None"}


@dataclass(frozen=True)
class GravitySpec:
    """A parsed specification: outcome, regressors (as written), fixed effects, and the data columns used."""

    formula: str
    outcome: str
    regressors: tuple[str, ...]
    fixed_effects: tuple[str, ...]
    variables: tuple[str, ...]  # data columns referenced anywhere in the formula


@dataclass(frozen=True)
class GravityResult:
    """A fitted PPML gravity model: coefficients, the vcov used, and the observations dropped."""

    spec: GravitySpec
    vcov: str  # as given, e.g. 'cluster:Origin'
    vcov_label: str  # what it means, e.g. 'clustered by Origin (CRV1)'
    nobs: int
    n_input: int
    dropped: dict[str, int]  # missing, singletons, separated, other
    coefficients: pd.DataFrame  # tidy table
    fit: object = field(repr=False, compare=False)  # the pyfixest Fepois object
    vcov_note: str = ""  # why this vcov, when it is the default
    sample_notes: tuple[str, ...] = ()  # how the rows were selected before the fit
    separation_note: str = ""  # which separation checks ran, and why

    def tidy(self) -> pd.DataFrame:
        """``term, estimate, std_error, statistic, p_value, nobs`` (plus ``conf_low, conf_high``)."""
        return self.coefficients.copy()

    def to_frame(self) -> pd.DataFrame:
        """Same as :meth:`tidy`."""
        return self.tidy()

    def summary(self) -> str:
        """The model, the vcov used, the sample and what was dropped, in a few lines."""
        fe = " + ".join(self.spec.fixed_effects) or "none"
        note = f"; {self.vcov_note}" if self.vcov_note else ""
        lines = [
            f"PPML gravity (pyfixest fepois): {self.spec.formula}",
            *(f"sample: {n}" for n in self.sample_notes),
            f"fixed effects: {fe}; standard errors: {self.vcov_label} [vcov={self.vcov}{note}]",
            f"observations: {self.nobs:,} used of {self.n_input:,}; dropped: "
            + ", ".join(f"{v:,} {k}" for k, v in self.dropped.items()),
            *([f"separation: {self.separation_note}"] if self.separation_note else []),
        ]
        for row in self.coefficients.itertuples(index=False):
            lines.append(
                f"  {row.term}: {row.estimate:.6g} (se {row.std_error:.6g}, z {row.statistic:.4g}, "
                f"p {row.p_value:.3g})"
            )
        return "\n".join(lines)


def parse_spec(spec: str, columns: Sequence[str] | None = None) -> GravitySpec:
    """Split ``Y ~ X1 + X2 | FE1 + FE2`` and check every variable it names is a column of the data."""
    text = " ".join(str(spec).split())
    if text.count("~") != 1:
        raise InputError(
            f"the spec '{text}' must have one '~' between the outcome and the regressors",
            hint='e.g. --spec "trade ~ log(dist) + contig | exporter^year + importer^year"',
        )
    left, right = (part.strip() for part in text.split("~"))
    parts = [p.strip() for p in right.split("|")]
    if len(parts) > 2:
        raise InputError(f"the spec '{text}' has more than one '|' (IV formulas are not supported here)")
    rhs, fe = parts[0], parts[1] if len(parts) == 2 else ""
    if not left or not rhs:
        raise InputError(f"the spec '{text}' needs an outcome left of '~' and regressors right of it")
    regressors = tuple(t.strip() for t in _split_plus(rhs) if t.strip())
    fixed = tuple(t.strip() for t in fe.split("+") if t.strip())
    if fe and not fixed:
        raise InputError(f"the spec '{text}' has '|' but no fixed effects after it")
    outcome_vars = _identifiers(left)
    if len(outcome_vars) != 1:
        raise InputError(f"the outcome '{left}' must name one column")
    variables = tuple(dict.fromkeys(outcome_vars + _identifiers(rhs) + _identifiers(fe.replace("^", "+"))))
    if columns is not None:
        unknown = [v for v in variables if v not in set(columns)]
        if unknown:
            raise InputError(
                f"the spec names variable(s) not in the data: {', '.join(unknown)}; "
                f"columns are {_listing(columns)}",
                hint="spell variables exactly as the column headers (case matters)",
            )
    return GravitySpec(text, outcome_vars[0], regressors, fixed, variables)


def _listing(columns: Sequence[str], limit: int = 30) -> str:
    shown = ", ".join(map(str, list(columns)[:limit]))
    return shown + (f" ... ({len(columns)} columns)" if len(columns) > limit else "")


def _split_plus(text: str) -> list[str]:
    """Split on '+' outside parentheses."""
    terms, depth, start = [], 0, 0
    for k, ch in enumerate(text):
        depth += ch == "("
        depth -= ch == ")"
        if ch == "+" and depth == 0:
            terms.append(text[start:k])
            start = k + 1
    terms.append(text[start:])
    return terms


def _identifiers(text: str) -> list[str]:
    """Names of data columns in a formula part: words not followed by '(' (a function) or '=' (a keyword)."""
    text = _QUOTED.sub(" ", text)
    names = [m.group(1) for m in _IDENT.finditer(text)]
    return [n for n in dict.fromkeys(names) if n not in _FORMULA_WORDS and not _is_number(n)]


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def vcov_argument(vcov: str, columns: Sequence[str] | None = None) -> tuple[object, dict | None, str]:
    """pyfixest's ``vcov`` and ``ssc`` arguments for a silkscope vcov name, and a readable label."""
    import pyfixest as pf

    name = str(vcov).strip()
    low = name.lower()
    if low == "iid":
        return "iid", None, "iid (model-based)"
    if low == "hetero":
        return "hetero", None, "heteroskedasticity-robust HC1"
    if low == "hc0":
        return "hetero", pf.ssc(k_adj=False), "heteroskedasticity-robust HC0 (no small-sample factor)"
    if low.startswith("cluster:"):
        names = [v.strip() for v in name.split(":", 1)[1].split("+")]
        if not names or not all(names) or len(names) > 2:
            raise MethodError(f"vcov '{name}' must be cluster:VAR or cluster:VAR1+VAR2")
        if columns is not None:
            unknown = [v for v in names if v not in set(columns)]
            if unknown:
                raise InputError(
                    f"cluster variable(s) {', '.join(unknown)} not in the data; "
                    f"columns are {_listing(columns)}"
                )
        kind = "one-way" if len(names) == 1 else "two-way"
        return {"CRV1": "+".join(names)}, None, f"clustered by {' and '.join(names)} ({kind} CRV1)"
    raise MethodError(f"unknown vcov '{name}'; use iid, hetero, hc0, cluster:VAR or cluster:VAR1+VAR2")


DEFAULT_VCOV_HELP = (
    "default: cluster:<first fixed effect> when that is a single column; hetero (HC1) when it "
    "is an interaction such as exporter^year, or when the spec has no fixed effects"
)
EXPORTER_COLUMNS = ("exporter", "origin", "iso_o", "reporter", "exp")
IMPORTER_COLUMNS = ("importer", "destination", "iso_d", "partner", "imp")


def default_vcov(spec: GravitySpec) -> tuple[str, str]:
    """The vcov applied when none is given, and the reason, as :data:`DEFAULT_VCOV_HELP` states."""
    if not spec.fixed_effects:
        return "hetero", "the default: the spec has no fixed effects"
    first = spec.fixed_effects[0]
    if "^" in first:
        return (
            "hetero",
            f"the default: the first fixed effect {first} is an interaction, not a column to cluster by",
        )
    return f"cluster:{first}", "the default: clustered by the first fixed effect"


def gravity_sample(
    data: pd.DataFrame,
    where: str | None = None,
    international_only: bool = False,
    exporter: str | None = None,
    importer: str | None = None,
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The rows to fit, and what selected them: the ``--where`` filter, then (``international_only``)
    the domestic flows dropped, naming the exporter and importer columns compared."""
    from silkscope.io.row_filter import apply_where

    notes = [f"{len(data):,} rows read"]
    frame = data
    if where:
        frame = apply_where(frame, where)
        notes.append(f'--where "{where}" kept {len(frame):,}')
        if frame.empty:
            raise InputError(f'--where "{where}" keeps no row of the {len(data):,}')
    if international_only:
        columns = list(map(str, frame.columns))
        exp = exporter or _pick(columns, EXPORTER_COLUMNS)
        imp = importer or _pick(columns, IMPORTER_COLUMNS)
        for given, option in ((exp, "--exporter-column"), (imp, "--importer-column")):
            if given is None or given not in columns:
                what = "no exporter or importer column found" if given is None else f"no column '{given}'"
                raise InputError(
                    f"--international-only: {what}; columns are {_listing(columns)}",
                    hint=f"name the columns with {option} (domestic flows are rows where exporter == importer)"
                    + (
                        "; a file already limited to international pairs needs no --international-only"
                        if given is None
                        else ""
                    ),
                )
        same = _domestic(frame, exp, imp)
        frame = frame[~same]
        notes.append(
            f"international only: dropped {int(same.sum()):,} domestic rows ({exp} == {imp}), kept {len(frame):,}"
        )
    else:
        columns = list(map(str, frame.columns))
        exp = exporter if exporter in columns else _pick(columns, EXPORTER_COLUMNS)
        imp = importer if importer in columns else _pick(columns, IMPORTER_COLUMNS)
        if exp and imp and (count := int(_domestic(frame, exp, imp).sum())):
            notes.append(
                f"{count:,} domestic rows ({exp} == {imp}) included; --international-only drops them"
            )
    return frame, tuple(notes) if len(notes) > 1 else ()


def _domestic(frame: pd.DataFrame, exporter: str, importer: str) -> np.ndarray:
    """Rows whose exporter and importer are the same (both present)."""
    a, b = frame[exporter], frame[importer]
    same = a.astype(str).str.strip() == b.astype(str).str.strip()
    return (same & a.notna() & b.notna()).to_numpy()


def _pick(columns: Sequence[str], names: Sequence[str]) -> str | None:
    lower = {c.lower(): c for c in columns}
    return next((lower[n] for n in names if n in lower), None)


def gravity(
    data: pd.DataFrame,
    spec: str,
    vcov: str | None = None,
    where: str | None = None,
    international_only: bool = False,
    exporter: str | None = None,
    importer: str | None = None,
    separation: str = "auto",
) -> GravityResult:
    """PPML gravity model via pyfixest ``fepois`` (Santos Silva & Tenreyro 2006; Bergé 2018), on
    the rows :func:`gravity_sample` selects; ``separation`` as the module docstring explains."""
    if separation not in SEPARATION:
        raise MethodError(f"unknown separation check '{separation}'; use {'|'.join(SEPARATION)}")
    parsed = parse_spec(spec, list(map(str, data.columns)))
    data, sample_notes = gravity_sample(data, where, international_only, exporter, importer)
    vcov_note = ""
    if vcov is None:
        vcov, vcov_note = default_vcov(parsed)
    vcov_arg, ssc, label = vcov_argument(vcov, list(map(str, data.columns)))
    cluster_vars = list(vcov_arg.values())[0].split("+") if isinstance(vcov_arg, dict) else []
    frame = _numeric_frame(data, parsed, cluster_vars)
    incomplete = frame[list(parsed.variables)].isna().any(axis=1).to_numpy()
    missing = int(incomplete.sum())
    if (frame[parsed.outcome] < 0).any():
        raise InputError(
            f"the outcome '{parsed.outcome}' has {int((frame[parsed.outcome] < 0).sum())} negative "
            "value(s); PPML needs flows >= 0",
            column=parsed.outcome,
        )
    fit, note = _fit(parsed, separation, data=frame, vcov=vcov_arg, ssc=ssc)
    nobs = int(fit._N)
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        coefficients = _tidy(fit, nobs)
    separated = int(getattr(fit, "n_separation_na", 0) or 0)
    unexplained = len(frame) - nobs - missing - separated
    # singletons are among the rows not explained by missing values and separation: none to count
    # when there are no such rows (the usual case), which saves a pass over the fixed effects
    singletons = _count_singletons(frame, parsed, ~incomplete) if unexplained > 0 else 0
    other = max(unexplained - singletons, 0)
    dropped = {"missing": missing, "singletons": singletons, "separated": separated}
    if other:
        dropped["other (non-finite transformed values)"] = other
    return GravityResult(
        parsed, vcov, label, nobs, len(frame), dropped, coefficients, fit, vcov_note, sample_notes, note
    )


def _fit(spec: GravitySpec, separation: str, **kwargs) -> tuple[object, str]:
    """The pyfixest fit with the separation checks ``separation`` asks for, and a note saying which
    ran and how (see the module docstring for ``auto``)."""
    formula = spec.formula
    if separation == "fe+ir":
        return _fepois(formula, ["fe", "ir"], **kwargs), "fe and ir checks"
    fit = _fepois(formula, ["fe"], quiet=separation == "auto", **kwargs)
    if separation == "fe":
        if _has_zero_outcome(fit, spec.outcome):
            return (
                fit,
                "fe check only (separation 'fe'): zero outcomes remain, separation by the regressors was not checked",
            )
        return fit, "fe check only (separation 'fe'); no zero outcome is left after it"
    if isinstance(fit, Exception):
        return _fepois(
            formula, ["fe", "ir"], **kwargs
        ), "fe and ir checks (the fit with the fe check alone failed)"
    y = _fitted_outcome(fit, spec.outcome)
    if y is not None and not (y == 0).any():
        return fit, "fe check; no zero outcome is left after it, so none can be separated by the regressors"
    if y is not None and separation_ruled_out(fit, y):
        return (
            fit,
            "fe check; the fit rules out separation by the regressors (the last IRLS step lowered "
            "no zero outcome's linear predictor by 0.9 or more), so the ir check was not needed",
        )
    separated = iterative_rectifier(fit, y=y)
    if separated is not None and not separated.any():
        return (
            fit,
            "fe check, then the ir check on the fitted sample: no observation separated by the regressors",
        )
    why = "did not converge" if separated is None else f"found {int(separated.sum()):,} separated"
    return _fepois(
        formula, ["fe", "ir"], **kwargs
    ), f"fe and ir checks (the ir check on the fitted sample {why})"


def separation_ruled_out(fit, y: np.ndarray | None = None, margin: float = SEPARATION_MARGIN) -> bool:
    """Whether a fitted pyfixest Poisson model shows that none of its observations is separated by
    the regressors and fixed effects: every zero outcome's working residual at the last IRLS step
    is at most ``margin`` (-0.1), i.e. that step lowered no zero outcome's linear predictor by
    ``1 + margin`` (0.9) or more. Then ``w = -v e`` (IRLS weights times residuals) is positive on the zero
    outcomes and orthogonal to the design, a certificate that no separating direction exists
    (Stiemke's alternative; Correia, Guimarães & Zylkin 2019); the module docstring gives the
    argument. False means "not shown", not "separated": the ``ir`` check then decides. Costs one
    comparison per observation: the residuals are pyfixest's own (``_u_hat_working``)."""
    y = _fitted_outcome(fit) if y is None else y
    resid = getattr(fit, "_u_hat_working", None)
    if y is None or resid is None or getattr(fit, "_has_weights", False):
        return False
    resid = np.asarray(resid, dtype=float).ravel()
    if resid.shape != y.shape:
        return False
    zero = y == 0
    return bool(np.all(resid[zero] <= margin))  # NaN residuals fail the comparison: not shown


def iterative_rectifier(
    fit, tol: float = 1e-4, maxiter: int = 100, y: np.ndarray | None = None
) -> np.ndarray | None:
    """Observations of a fitted pyfixest Poisson sample separated by the regressors and fixed
    effects: the iterative rectifier of Correia, Guimarães & Zylkin (2019, section 4.2) with the
    tolerances of pyfixest's ``ir`` check. Each step is the weighted regression of ``U`` (1 on zero
    outcomes, rectified after) on the regressors and fixed effects, weight ``N0 / tol^2`` on the
    positive outcomes; the regressors are demeaned once for all steps and the fitted values are
    ``U`` minus the within residual, where pyfixest refits a whole model (formula, data copy, fixed
    effects recovered) at each step. ``None`` when it cannot run here or does not converge; ``y``
    is the fitted sample's outcome when already known (:func:`_fitted_outcome`)."""
    from pyfixest.core.demean import demean

    y = _fitted_outcome(fit) if y is None else y
    if y is None:
        return None
    interior = y > 0
    if interior.all():
        return np.zeros(len(y), dtype=bool)
    if fit._fe is None or getattr(fit, "_icovars", None) is not None:
        return None
    flist = np.asarray(fit._fe).astype(np.uint64)
    omega = np.where(interior, interior.sum() / tol**2, 1.0)
    if fit._X_is_empty:
        x_within = np.empty((len(y), 0))
    else:
        try:
            rhs = fit._model_spec.second_stage.rhs.get_model_matrix(fit._data)
            x = rhs[list(fit._coefnames)].to_numpy(dtype=float)
        except Exception:  # a formula the model spec cannot rebuild: leave it to pyfixest
            return None
        if x.shape[0] != len(y):
            return None
        x_within, ok = demean(x, flist, omega)
        if not ok:
            return None
    root = np.sqrt(omega)[:, None]
    u = (~interior).astype(float)
    for _ in range(maxiter):
        u_within, ok = demean(u[:, None], flist, omega)
        if not ok:
            return None
        resid = u_within[:, 0]
        if x_within.shape[1]:
            beta = np.linalg.lstsq(x_within * root, u_within * root, rcond=None)[0]
            resid = resid - (x_within @ beta)[:, 0]
        fitted = u - resid
        fitted[interior | ((fitted > -0.1 * tol) & (fitted < tol))] = 0.0
        if (fitted >= 0).all():
            return fitted > 0
        u[~interior] = np.fmax(fitted[~interior], 0.0)
    return None


def _fepois(formula: str, checks: list[str], *, quiet: bool = False, **kwargs):
    """pyfixest ``fepois`` with these separation checks; a failure is a MethodError, or with
    ``quiet`` returned (to be retried with more checks)."""
    import pyfixest as pf

    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        try:
            return pf.fepois(formula, separation_check=checks, **kwargs)
        except Exception as exc:  # pyfixest raises many types (formula, collinearity, convergence)
            if quiet:
                return exc
            raise MethodError(f"pyfixest could not fit '{formula}': {exc}") from exc


def _fitted_outcome(fit, outcome: str | None = None) -> np.ndarray | None:
    """The outcome of the sample pyfixest fitted, or None when the rows cannot be matched: the
    ``outcome`` column of the fitted data when the formula's outcome is that bare column, otherwise
    ``_Y_untransformed`` (which keeps the rows dropped as separated) at the fitted rows."""
    data = getattr(fit, "_data", None)
    if outcome is not None and data is not None and outcome in data.columns and len(data) == fit._N:
        left = fit._fml.split("~")[0].strip() if isinstance(getattr(fit, "_fml", None), str) else None
        if left == outcome:
            return np.asarray(data[outcome], dtype=float)
    y = fit._Y_untransformed
    if len(y) == fit._N:
        return np.asarray(y, dtype=float).ravel()
    if not (y.index.is_unique and fit._data.index.is_unique):
        return None
    return y.loc[fit._data.index].to_numpy(dtype=float).ravel()


def _has_zero_outcome(fit, outcome: str | None = None) -> bool:
    """Whether the sample pyfixest fitted holds a zero outcome (only those can be separated)."""
    y = _fitted_outcome(fit, outcome)
    return y is None or bool((y == 0).any())


def _numeric_frame(data: pd.DataFrame, spec: GravitySpec, cluster_vars: list[str]) -> pd.DataFrame:
    """The columns the model uses; regressors and outcome as float, fixed effects and clusters as given."""
    keep = list(dict.fromkeys([*spec.variables, *cluster_vars]))
    frame = data[keep].copy()
    fe_vars = set(_identifiers(" + ".join(spec.fixed_effects).replace("^", "+"))) | set(cluster_vars)
    for column in keep:
        series = frame[column]
        if column in fe_vars:
            if isinstance(series.dtype, pd.CategoricalDtype) or pd.api.types.is_extension_array_dtype(series):
                frame[column] = series.astype(object).where(series.notna(), None)
            continue
        if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_extension_array_dtype(series):
            converted = pd.to_numeric(series, errors="coerce")
            bad = series.notna() & converted.isna()
            if bad.any():
                raise InputError(
                    f"'{series[bad].iloc[0]}' is not a number ({int(bad.sum())} such cell(s))",
                    column=column,
                    hint="a regressor or outcome must be numeric; categorical variables go after '|' "
                    "or in C(...)",
                )
            series = converted
        frame[column] = series.astype(float)
    return frame


def _count_singletons(frame: pd.DataFrame, spec: GravitySpec, complete: np.ndarray) -> int:
    """Observations pyfixest drops as singletons (alone in a fixed-effect group, iterated as
    fixest), among the ``complete`` rows (no missing value in the model's variables)."""
    if not spec.fixed_effects or not complete.any():
        return 0
    from pyfixest.core.detect_singletons import detect_singletons

    codes = []
    for term in spec.fixed_effects:
        # one code per combination, from the codes of its columns (no row-wise join, no groupby)
        combined = np.zeros(int(complete.sum()), dtype=np.int64)
        for part in (p.strip() for p in term.split("^")):
            part_codes, distinct = pd.factorize(frame[part].to_numpy()[complete], use_na_sentinel=False)
            combined = combined * len(distinct) + part_codes
            combined = pd.factorize(combined)[0]  # dense again: the product stays small
        codes.append(combined)
    return int(detect_singletons(np.column_stack(codes).astype(np.uint32)).sum())


def _tidy(fit, nobs: int) -> pd.DataFrame:
    raw = fit.tidy().reset_index()
    table = pd.DataFrame(
        {
            "term": raw.iloc[:, 0].astype(str),
            "estimate": raw["Estimate"].astype(float),
            "std_error": raw["Std. Error"].astype(float),
            "statistic": raw["t value"].astype(float),
            "p_value": raw["Pr(>|t|)"].astype(float),
            "nobs": nobs,
            "conf_low": raw["2.5%"].astype(float),
            "conf_high": raw["97.5%"].astype(float),
        }
    )
    return table


# -- event study of joining the Belt and Road ----------------------------------------------------------
EVENT_STUDY_CAVEATS = (
    "Two-way fixed-effects event studies with staggered adoption (countries joined the BRI in "
    "different years) compare late joiners with early joiners that are already treated; with "
    "effects that vary by cohort or over time the lead/lag coefficients mix effects of other periods "
    "and can even take the wrong sign (Sun & Abraham 2021; de Chaisemartin & D'Haultfœuille 2020; "
    "Goodman-Bacon 2021).",
    "Use a never-joined control group, check the leads (pre-trends) are near zero, and compare with a "
    "heterogeneity-robust estimator (e.g. Sun & Abraham interaction-weighted, or Callaway & Sant'Anna "
    "2021) before reading the lags as causal.",
    "The end points are binned: event times at or beyond the window's edges share the edge dummy.",
)


@dataclass(frozen=True)
class EventStudyResult:
    """Lead/lag coefficients relative to the join year (period -1 is the reference) and the caveats."""

    gravity: GravityResult
    window: tuple[int, int]
    coefficients: pd.DataFrame  # event_time, term, estimate, std_error, statistic, p_value, nobs
    caveats: tuple[str, ...] = EVENT_STUDY_CAVEATS

    def to_frame(self) -> pd.DataFrame:
        """The event-time coefficients, with the reference period -1 as a row of zeros."""
        return self.coefficients.copy()

    def summary(self) -> str:
        """The fitted model's summary followed by the caveats on staggered adoption."""
        return self.gravity.summary() + "\nCaveats:\n" + "\n".join(f"  - {c}" for c in self.caveats)


def event_term(k: int) -> str:
    """Column name of the dummy for event time k: rel_m3 (3 years before), rel_p0 (join year)."""
    return f"rel_m{-k}" if k < 0 else f"rel_p{k}"


def bri_event_study(
    data: pd.DataFrame,
    outcome: str,
    time: str,
    join_year: str,
    fixed_effects: Sequence[str],
    window: tuple[int, int] = (-4, 4),
    controls: Sequence[str] = (),
    vcov: str | None = None,
) -> EventStudyResult:
    """PPML event study of joining the Belt and Road: dummies for years since joining, -1 omitted (Sun & Abraham 2021)."""
    lo, hi = (int(w) for w in window)
    if lo > -2 or hi < 0:
        raise MethodError(
            f"window {window} must run from a lead below -1 to a lag of 0 or more, e.g. (-4, 4)"
        )
    for column in (outcome, time, join_year):
        if column not in data.columns:
            raise InputError(f"no column '{column}'; columns are {', '.join(map(str, data.columns))}")
    frame = data.copy()
    joined = pd.to_numeric(frame[join_year], errors="coerce")
    relative = (pd.to_numeric(frame[time], errors="coerce") - joined).clip(lower=lo, upper=hi)
    terms = []
    for k in range(lo, hi + 1):
        if k == -1:
            continue
        name = event_term(k)
        if name in frame.columns:
            raise InputError(f"the data already has a column '{name}'; rename it")
        frame[name] = (relative == k).astype(float)  # never-joined (NaN join year): all zero
        if frame[name].any():
            terms.append(name)
    if not terms:
        raise InputError(f"no observation falls in the event window {window} around '{join_year}'")
    rhs = " + ".join([*terms, *controls])
    spec = f"{outcome} ~ {rhs} | {' + '.join(fixed_effects)}"
    result = gravity(frame, spec, vcov)
    coefs = result.tidy()
    coefs = coefs[coefs["term"].isin(terms)].copy()
    coefs.insert(0, "event_time", [int(t[5:]) * (-1 if t.startswith("rel_m") else 1) for t in coefs["term"]])
    reference = pd.DataFrame(
        {
            "event_time": [-1],
            "term": ["reference"],
            "estimate": [0.0],
            "std_error": [0.0],
            "nobs": [result.nobs],
        }
    )
    coefs = pd.concat([coefs, reference], ignore_index=True).sort_values("event_time", ignore_index=True)
    return EventStudyResult(result, (lo, hi), coefs)
