"""How far raters agree on 1-5 levels: the AI against a person (quadratic weighted kappa, exact
and adjacent agreement, mean difference) and people among themselves (Krippendorff's alpha,
which allows any number of raters and missing ratings). Every figure comes with a warning when
it rests on too few ratings to mean much."""

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import permutations
from typing import Literal

# Below TOO_FEW paired ratings agreement is not worth reading; below FEW it is a rough sign.
# Kappa's standard error at n=30 is still about 0.1-0.15, so even 30 is only indicative.
TOO_FEW = 10
FEW = 30

Metric = Literal["ordinal", "interval"]
Unit = Sequence[float | None]  # one rated thing: each rater's value, None where a rater gave none


def sample_warning(n: int) -> str | None:
    """What a reader must know about a figure computed from `n` answers rated twice or more, or None."""
    if n < TOO_FEW:
        return f"Only {n} answers rated twice: too few to judge agreement; read the ratings themselves."
    if n < FEW:
        return f"Only {n} answers rated twice: a rough indication, not a measurement."
    return None


def _paired(first: Sequence[float], second: Sequence[float]) -> int:
    if len(first) != len(second):
        raise ValueError(f"paired ratings differ in length: {len(first)} and {len(second)}")
    if not first:
        raise ValueError("no paired ratings")
    return len(first)


def exact_agreement(first: Sequence[float], second: Sequence[float]) -> float:
    """The share of pairs with the same level."""
    n = _paired(first, second)
    return sum(a == b for a, b in zip(first, second, strict=True)) / n


def adjacent_agreement(first: Sequence[float], second: Sequence[float]) -> float:
    """The share of pairs at most one level apart (exact agreement included)."""
    n = _paired(first, second)
    return sum(abs(a - b) <= 1 for a, b in zip(first, second, strict=True)) / n


def mean_difference(first: Sequence[float], second: Sequence[float]) -> float:
    """How much higher `first` rates on average (AI minus person: positive means the AI is kinder)."""
    n = _paired(first, second)
    return sum(a - b for a, b in zip(first, second, strict=True)) / n


def quadratic_weighted_kappa(first: Sequence[float], second: Sequence[float]) -> float | None:
    """Cohen's kappa with quadratic weights: 1 - observed / chance-expected squared disagreement,
    chance being each rater's own distribution of levels. None when chance disagreement is zero
    (both raters gave one and the same level throughout), where kappa is undefined."""
    n = _paired(first, second)
    observed = sum((a - b) ** 2 for a, b in zip(first, second, strict=True))
    first_counts, second_counts = Counter(first), Counter(second)
    expected = (
        sum(ca * cb * (a - b) ** 2 for a, ca in first_counts.items() for b, cb in second_counts.items()) / n
    )
    if expected == 0:
        return None
    return 1 - observed / expected


@dataclass(frozen=True)
class PairedAgreement:
    """AI against a person (or any two raters) over the same answers."""

    pairs: int
    weighted_kappa: float | None
    exact: float
    adjacent: float
    mean_difference: float
    warning: str | None


def compare_pairs(first: Sequence[float], second: Sequence[float]) -> PairedAgreement:
    return PairedAgreement(
        pairs=_paired(first, second),
        weighted_kappa=quadratic_weighted_kappa(first, second),
        exact=exact_agreement(first, second),
        adjacent=adjacent_agreement(first, second),
        mean_difference=mean_difference(first, second),
        warning=sample_warning(len(first)),
    )


def _coincidences(units: Sequence[Unit]) -> dict[tuple[float, float], float]:
    """Krippendorff's coincidence matrix: every ordered pair of values two different raters gave
    one unit, weighted 1/(m-1) for a unit with m values. Units with fewer than two are unpairable."""
    matrix: defaultdict[tuple[float, float], float] = defaultdict(float)
    for unit in units:
        values = [v for v in unit if v is not None]
        if len(values) < 2:
            continue
        for pair in permutations(values, 2):
            matrix[pair] += 1 / (len(values) - 1)
    return matrix


def _distance(metric: Metric, totals: dict[float, float]) -> dict[tuple[float, float], float]:
    """Squared distance between two values: (c-k)^2 for intervals; for ranks, the squared count
    of values from c to k, with c and k themselves counted half (Krippendorff 2011, p. 6)."""
    values = sorted(totals)
    distance = {}
    for i, c in enumerate(values):
        for k in values[i:]:
            if metric == "interval":
                d = (c - k) ** 2
            else:
                between = sum(totals[g] for g in values if c <= g <= k)
                d = (between - (totals[c] + totals[k]) / 2) ** 2
            distance[c, k] = distance[k, c] = d
    return distance


def krippendorff_alpha(units: Sequence[Unit], metric: Metric = "ordinal") -> float | None:
    """Krippendorff's alpha, 1 - observed / expected disagreement, over units rated by any number
    of raters with any ratings missing. None when no unit has two ratings or every value is the same."""
    matrix = _coincidences(units)
    totals: defaultdict[float, float] = defaultdict(float)
    for (c, _k), weight in matrix.items():
        totals[c] += weight
    n = sum(totals.values())
    if n == 0:
        return None
    distance = _distance(metric, totals)
    observed = sum(weight * distance[pair] for pair, weight in matrix.items())
    expected = sum(totals[c] * totals[k] * distance[c, k] for c in totals for k in totals) / (n - 1)
    if expected == 0:
        return None
    return 1 - observed / expected


@dataclass(frozen=True)
class GroupAgreement:
    """People among themselves: alpha over the units (answers and competencies) at least two rated."""

    units: int
    alpha: float | None
    warning: str | None


def compare_raters(units: Sequence[Unit], metric: Metric = "ordinal") -> GroupAgreement:
    rated_twice = sum(sum(v is not None for v in unit) >= 2 for unit in units)
    return GroupAgreement(rated_twice, krippendorff_alpha(units, metric), sample_warning(rated_twice))
