"""Market segments of partner countries (paper 003: "subdivide the market … regional environment
variables, demographic variables, behavioral variables, purchasing mode variables … indexing the
subdividing variables").

Steps, each a small function below:

1. the variables, each in a group (``group:variable`` or a groups YAML; without a group a variable
   takes its group from :data:`DEFAULT_GROUPS` by its name's prefix, else ``other``);
2. countries without a value for every variable are left out (listed, not imputed);
3. optionally the natural log of skewed variables (``log``: population, arrivals; values must
   be positive), then standardisation to z-scores (mean 0, population standard deviation 1), so a variable's unit
   changes nothing: rescaling a column by a positive factor gives the same segments;
4. clustering: k-means (``n_init=10``), Ward's hierarchical clustering or a Gaussian mixture
   (diagonal covariances: few countries per segment), all scikit-learn, seeded;
5. the number of segments with ``k="auto"`` (k from 1 to 8, at most n - 1): the mean silhouette (Rousseeuw 1987) and the gap
   statistic (Tibshirani, Walther & Hastie 2001, uniform reference over the data's bounding box,
   the smallest k with Gap(k) >= Gap(k+1) - s(k+1)). The gap statistic decides; when it finds no
   structure (k = 1) the silhouette's k is used and the summary says so;
6. segments numbered 1, 2, ... by their mean z-score over all variables, highest first (so labels
   do not depend on the algorithm's arbitrary numbering), one score per group and country (the mean
   z-score of the group's variables) and a profile per segment (size, mean of every variable in
   its own unit, mean group scores, member names in Chinese and English).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from silkscope.errors import InputError, MethodError

METHODS = ("kmeans", "ward", "gmm")
#: Paper 003's four groups of segmentation variables.
GROUPS = ("regional_environment", "demographic", "behavioural", "purchasing")
#: Group of a variable given without one, by the start of its name (WDI codes, partner-table columns).
DEFAULT_GROUPS: tuple[tuple[str, str], ...] = (
    ("NY.GDP.PCAP", "purchasing"),
    ("NY.GNP.PCAP", "purchasing"),
    ("NE.CON", "purchasing"),
    ("unit_value", "purchasing"),
    ("SP.", "demographic"),
    ("SE.", "demographic"),
    ("IT.NET", "behavioural"),
    ("ST.INT", "behavioural"),
    ("import_share", "behavioural"),
    ("confucius", "behavioural"),
    ("dist", "regional_environment"),
    ("contig", "regional_environment"),
    ("comlang", "regional_environment"),
    ("colony", "regional_environment"),
    ("kogut_singh", "regional_environment"),
    ("bri_member", "regional_environment"),
    ("NY.GDP.MKTP", "regional_environment"),
    ("BX.KLT", "regional_environment"),
    ("world_heritage", "regional_environment"),
)
MAX_AUTO_K = 8


def default_group(variable: str) -> str:
    """The group of a variable named without one (:data:`DEFAULT_GROUPS`), else ``other``."""
    return next((g for prefix, g in DEFAULT_GROUPS if variable.startswith(prefix)), "other")


def parse_variables(text: str, groups_file: str | Path | None = None) -> dict[str, str]:
    """``{variable: group}`` from ``a,b`` / ``group:a,group:b`` and an optional groups YAML
    (``group: [var, ...]``), the YAML naming the groups of variables given without one."""
    from_file: dict[str, str] = {}
    if groups_file is not None:
        import yaml

        path = Path(groups_file)
        if not path.is_file():
            raise InputError(f"groups file not found: {path}", file=path)
        spec = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(spec, dict) or not all(isinstance(v, list) for v in spec.values()):
            raise InputError(
                "expected a mapping of group names to lists of variables, e.g. purchasing: [NY.GDP.PCAP.CD]",
                file=path,
            )
        from_file = {str(v): str(g) for g, names in spec.items() for v in names}
    chosen: dict[str, str] = {}
    # a WDI code holds dots, not colons: the first colon separates group and variable
    for item in (p.strip() for p in text.split(",")):
        if not item:
            continue
        group, _, name = item.rpartition(":")
        name = name.strip()
        chosen[name] = group.strip() or from_file.get(name) or default_group(name)
    if not chosen:
        chosen = dict(from_file)
    if len(chosen) < 2:
        raise MethodError("--variables: give at least two variables, e.g. NY.GDP.PCAP.CD,SP.URB.TOTL.IN.ZS")
    return chosen


def standardise(values: pd.DataFrame) -> pd.DataFrame:
    """z-scores per column (population standard deviation); a constant column is an error."""
    sd = values.std(ddof=0)
    constant = [c for c in values.columns if not sd[c] > 0]
    if constant:
        raise InputError(
            f"variable(s) {', '.join(constant)} take one value for every country: they cannot separate segments",
            hint="leave them out of --variables",
        )
    return (values - values.mean()) / sd


def cluster(x: np.ndarray, k: int, method: str, seed: int = 0) -> np.ndarray:
    """Labels 0..k-1 of the rows of ``x`` by k-means, Ward or a Gaussian mixture."""
    if k == 1:
        return np.zeros(len(x), dtype=int)
    if method == "kmeans":
        from sklearn.cluster import KMeans

        return KMeans(n_clusters=k, n_init=10, random_state=seed).fit_predict(x)
    if method == "ward":
        from sklearn.cluster import AgglomerativeClustering

        return AgglomerativeClustering(n_clusters=k, linkage="ward").fit_predict(x)
    if method == "gmm":
        from sklearn.mixture import GaussianMixture

        model = GaussianMixture(n_components=k, covariance_type="diag", n_init=5, random_state=seed)
        return model.fit(x).predict(x)
    raise MethodError(f"unknown --method '{method}'; expected one of {', '.join(METHODS)}")


def within_dispersion(x: np.ndarray, labels: np.ndarray) -> float:
    """W_k = sum over clusters r of D_r / (2 n_r), D_r the sum of squared Euclidean distances
    between all pairs in r (Tibshirani et al. 2001, eq. 1-2) = the pooled within-cluster sum of
    squares around the cluster means."""
    total = 0.0
    for label in np.unique(labels):
        members = x[labels == label]
        total += float(((members - members.mean(axis=0)) ** 2).sum())
    return total


@dataclass
class Gap:
    """Gap statistic per k: ``gap``, ``s`` (sd_k * sqrt(1 + 1/B)), log W_k, and the chosen k."""

    table: pd.DataFrame
    k: int


def gap_statistic(
    x: np.ndarray,
    ks: Sequence[int],
    labels_for: Callable[[np.ndarray, int], np.ndarray],
    n_refs: int = 20,
    seed: int = 0,
    references: Sequence[np.ndarray] | None = None,
) -> Gap:
    """Tibshirani, Walther & Hastie (2001): Gap(k) = mean_b log W*_kb - log W_k over ``n_refs``
    uniform samples over the bounding box of ``x`` (or the given ``references``); the chosen k is
    the smallest with Gap(k) >= Gap(k+1) - s_(k+1), else the largest k tried."""
    if references is None:
        rng = np.random.default_rng(seed)
        lo, hi = x.min(axis=0), x.max(axis=0)
        references = [rng.uniform(lo, hi, size=x.shape) for _ in range(n_refs)]
    rows = []
    for k in ks:
        log_w = np.log(within_dispersion(x, labels_for(x, k)))
        log_ref = np.array([np.log(within_dispersion(r, labels_for(r, k))) for r in references])
        sd = log_ref.std(ddof=0)
        rows.append(
            {"k": k, "log_w": log_w, "log_w_ref": log_ref.mean(), "gap": log_ref.mean() - log_w,
             "s": sd * np.sqrt(1 + 1 / len(references))}
        )  # fmt: skip
    table = pd.DataFrame(rows)
    chosen = int(table.k.iloc[-1])
    for i in range(len(table) - 1):
        if table.gap.iloc[i] >= table.gap.iloc[i + 1] - table.s.iloc[i + 1]:
            chosen = int(table.k.iloc[i])
            break
    return Gap(table, chosen)


def silhouettes(x: np.ndarray, ks: Sequence[int], labels_for: Callable) -> pd.Series:
    """Mean silhouette width per k (k >= 2; scikit-learn's silhouette_score)."""
    from sklearn.metrics import silhouette_score

    return pd.Series(
        {k: float(silhouette_score(x, labels_for(x, k))) for k in ks if k >= 2}, name="silhouette"
    )


@dataclass
class Segments:
    """``table`` (country, segment, score_<group>...), ``profiles`` (one row per segment) and how
    k was chosen (``choice``: silhouette and gap per k, empty with a fixed k)."""

    table: pd.DataFrame
    profiles: pd.DataFrame
    groups: dict[str, str]
    method: str
    k: int
    excluded: list[str] = field(default_factory=list)
    choice: pd.DataFrame = field(default_factory=pd.DataFrame)
    note: str | None = None
    logged: list[str] = field(default_factory=list)

    def summary(self, lang: str | None = None) -> str:
        from silkscope.i18n import translator

        t = translator(lang)
        text = t(
            "segments.summary",
            countries=len(self.table),
            k=self.k,
            method=t(f"segments.method.{self.method}"),
            variables=len(self.groups),
        )
        for group in dict.fromkeys(self.groups.values()):
            names = ", ".join(v for v, g in self.groups.items() if g == group)
            label = t(f"segments.group.{group}") if t.has(f"segments.group.{group}") else group
            text += "\n  " + t("segments.group", group=label, variables=names)
        if len(self.choice):
            for row in self.choice.itertuples():
                sil = "—" if pd.isna(row.silhouette) else f"{row.silhouette:.3f}"
                text += "\n  " + t("segments.choice", k=row.k, silhouette=sil, gap=row.gap, s=row.s)
        if self.logged:
            text += "\n  " + t("segments.logged", variables=", ".join(self.logged))
        if self.note:
            text += "\n  " + t(self.note)
        if self.excluded:
            text += "\n  " + t(
                "segments.excluded", n=len(self.excluded), countries=", ".join(self.excluded[:30])
            )
        name_col = "names_zh" if t.lang == "zh" else "names_en"
        for row in self.profiles.itertuples():
            text += "\n  " + t(
                "segments.profile", segment=row.segment, size=row.size, names=getattr(row, name_col)
            )
        return text


def _score_column(group: str) -> str:
    return f"score_{group}"


def segment_markets(
    data: pd.DataFrame,
    groups: dict[str, str],
    method: str = "kmeans",
    k: int | str = "auto",
    seed: int = 0,
    n_refs: int = 20,
    source: str = "data",
    log: Sequence[str] = (),
) -> Segments:
    """Segments of the countries (rows, column ``country``) of ``data`` on the variables of
    ``groups`` ({variable: group}); see the module docstring for the steps."""
    from silkscope.reference import country_name

    if method not in METHODS:
        raise MethodError(f"unknown --method '{method}'; expected one of {', '.join(METHODS)}")
    if "country" not in data.columns:
        raise InputError(
            "no 'country' column (ISO3 codes)", file=source, hint="name the country column 'country'"
        )
    missing = [v for v in groups if v not in data.columns]
    if missing:
        raise InputError(
            f"variable(s) not in the table: {', '.join(missing)}",
            file=source,
            hint=f"choose among: {', '.join(c for c in data.columns if c != 'country')[:400]}",
        )
    variables = list(groups)
    frame = data[["country", *variables]].copy()
    frame["country"] = frame["country"].astype(str).str.strip().str.upper()
    if frame.country.duplicated().any():
        raise InputError(
            f"country {frame.country[frame.country.duplicated()].iloc[0]} appears twice",
            file=source,
            column="country",
        )
    for v in variables:
        numbers = pd.to_numeric(frame[v], errors="coerce")
        bad = numbers.isna() & frame[v].notna()
        if bad.any():
            raise InputError(
                f"not a number: {frame[v][bad].iloc[0]!r}",
                file=source,
                row=int(bad.to_numpy().argmax()) + 2,
                column=v,
            )
        frame[v] = numbers
    complete = frame[variables].notna().all(axis=1) & np.isfinite(frame[variables]).all(axis=1)
    excluded = sorted(frame.country[~complete])
    frame = frame[complete].sort_values("country").reset_index(drop=True)
    unknown = [v for v in log if v not in groups]
    if unknown:
        raise MethodError(f"--log {', '.join(unknown)}: not among --variables")
    model = frame[variables].copy()
    for v in log:
        if (model[v] <= 0).any():
            first = frame.country[model[v] <= 0].iloc[0]
            raise InputError(
                f"--log needs positive values; {first} has {model[v][model[v] <= 0].iloc[0]}",
                file=source,
                column=v,
            )
        model[v] = np.log(model[v])
    n = len(frame)
    if n < 3:
        raise InputError(f"only {n} countries have every variable; segments need at least 3", file=source)
    z = standardise(model)
    x = z.to_numpy()

    own: dict[int, np.ndarray] = {}

    def labels_for(values: np.ndarray, kk: int) -> np.ndarray:
        if values is not x:
            return cluster(values, kk, method, seed)
        if kk not in own:  # the data's labels serve the gap statistic, the silhouettes and the result
            own[kk] = cluster(x, kk, method, seed)
        return own[kk]

    import sklearn.cluster  # noqa: F401  (loaded before the limit: threadpoolctl limits loaded libraries)
    import sklearn.mixture  # noqa: F401
    from threadpoolctl import threadpool_limits

    # one thread: on data this small, OpenMP start-up costs ~10x the clustering itself
    with threadpool_limits(1):
        chosen, choice, note = _choose_k(x, k, n, labels_for, n_refs, seed)
        raw_labels = labels_for(x, chosen)
    # number the segments by their mean z-score, highest first
    means = pd.Series(x.mean(axis=1)).groupby(raw_labels).mean().sort_values(ascending=False)
    order = {label: i + 1 for i, label in enumerate(means.index)}
    table = pd.DataFrame({"country": frame.country, "segment": [order[label] for label in raw_labels]})
    for group in dict.fromkeys(groups.values()):
        table[_score_column(group)] = z[[v for v in variables if groups[v] == group]].mean(axis=1)
    profiles = _profiles(table, frame, variables, country_name)
    return Segments(table, profiles, groups, method, chosen, excluded, choice, note, list(log))


def _choose_k(x, k, n, labels_for, n_refs, seed) -> tuple[int, pd.DataFrame, str | None]:
    """(k, the gap and silhouette table, a note key or None): a given k checked, or ``auto``."""
    if isinstance(k, str):
        if k != "auto":
            raise MethodError(f"--k must be a number or auto; got '{k}'")
        ks = list(range(1, min(MAX_AUTO_K, n - 1) + 1))
        gap = gap_statistic(x, ks, labels_for, n_refs=n_refs, seed=seed)
        sil = silhouettes(x, ks, labels_for)
        choice = gap.table.merge(sil.rename_axis("k").reset_index(), on="k", how="left")
        if gap.k >= 2:
            return gap.k, choice, None
        return int(sil.idxmax()), choice, "segments.gap_found_none"
    if not 1 <= int(k) < n:
        raise MethodError(f"--k {k}: choose between 1 and {n - 1} for {n} countries")
    return int(k), pd.DataFrame(), None


def _profiles(table: pd.DataFrame, frame: pd.DataFrame, variables: list[str], country_name) -> pd.DataFrame:
    """One row per segment: size, members (ISO3, zh and en names), mean group scores and the mean
    of every variable in its own unit."""
    joined = table.join(frame[variables])
    scores = [c for c in table.columns if c.startswith("score_")]
    rows = []
    for segment, part in joined.groupby("segment"):
        row = {
            "segment": int(segment),
            "size": len(part),
            "countries": ", ".join(part.country),
            "names_zh": "、".join(country_name(c, "zh") for c in part.country),
            "names_en": ", ".join(country_name(c, "en") for c in part.country),
        }
        row.update({c: part[c].mean() for c in scores})
        row.update({f"mean_{v}": part[v].mean() for v in variables})
        rows.append(row)
    return pd.DataFrame(rows)


def write_segments(result: Segments, out: str | Path) -> list[Path]:
    """The segments table at ``out`` and the profiles: a second sheet ``profiles`` in an .xlsx,
    else a file ``<stem>_profiles<suffix>`` beside it."""
    from silkscope.io.writers import check_output_path, write_table

    out = check_output_path(out)
    if out.suffix.lower() == ".xlsx":
        from silkscope.io.writers import write_workbook

        return [write_workbook({"segments": result.table, "profiles": result.profiles}, out)]
    profiles = out.with_name(f"{out.stem}_profiles{out.suffix}")
    return [write_table(result.table, out), write_table(result.profiles, profiles)]
