"""Agreement figures against published worked examples and hand derivations."""

import random

import pytest

from app.hiring.agreement import (
    adjacent_agreement,
    compare_pairs,
    compare_raters,
    exact_agreement,
    krippendorff_alpha,
    mean_difference,
    quadratic_weighted_kappa,
    sample_warning,
)

# Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability, section E: four observers,
# twelve units, values 1-5, with missing values. Published: ordinal .815, interval .849
# (nominal .743, ratio .797). Unit 12 has a single value and so is unpairable.
_: None = None
KRIPPENDORFF_2011: list[tuple[int | None, ...]] = list(
    zip(
        [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],  # observer A
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],  # observer B
        [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],  # observer C
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],  # observer D
        strict=True,
    )
)

# Wikipedia's "Krippendorff's alpha", a computational example: three coders, fifteen units,
# many missing. Interval alpha 0.810845 (also the fast-krippendorff package's test value).
WIKIPEDIA = list(
    zip(
        [_, _, _, _, _, 3, 4, 1, 2, 1, 1, 3, 3, _, 3],
        [1, _, 2, 1, 3, 3, 4, 3, _, _, _, _, _, _, _],
        [_, _, 2, 1, 3, 4, 4, _, 2, 1, 1, 3, 3, _, 4],
        strict=True,
    )
)


def test_alpha_matches_krippendorffs_own_example_on_ordinal_and_interval_scales() -> None:
    assert krippendorff_alpha(KRIPPENDORFF_2011, "ordinal") == pytest.approx(0.815, abs=5e-4)
    assert krippendorff_alpha(KRIPPENDORFF_2011, "interval") == pytest.approx(0.849, abs=5e-4)


def test_alpha_matches_the_wikipedia_example_with_many_missing_ratings() -> None:
    assert krippendorff_alpha(WIKIPEDIA, "interval") == pytest.approx(0.810845, abs=5e-7)


def test_alpha_ignores_units_only_one_rater_rated() -> None:
    lone: list[tuple[int | None, ...]] = [(5, None, None), (None, 1, None)]
    assert krippendorff_alpha(KRIPPENDORFF_2011 + lone, "ordinal") == krippendorff_alpha(
        KRIPPENDORFF_2011, "ordinal"
    )


def test_alpha_is_one_for_perfect_agreement_and_undefined_without_variation_or_pairs() -> None:
    assert krippendorff_alpha([(1, 1), (3, 3), (5, 5)], "interval") == pytest.approx(1.0)
    assert krippendorff_alpha([(4, 4), (4, 4, None)], "ordinal") is None
    assert krippendorff_alpha([(4, None), (None, 2)], "ordinal") is None
    assert krippendorff_alpha([], "ordinal") is None


def test_alpha_is_negative_when_raters_systematically_disagree() -> None:
    """Two raters who swap 1 and 5 on every unit disagree more than chance would."""
    alpha = krippendorff_alpha([(1, 5), (5, 1), (1, 5), (5, 1)], "interval")
    assert alpha is not None
    assert alpha < 0


def test_quadratic_weighted_kappa_by_hand() -> None:
    """AI 1,2,3,4 against a person 1,2,4,4. Observed squared disagreement: (3-4)^2 = 1.
    Chance: the AI gives each level 1/4; the person 1 and 2 a quarter each, 4 half. The mean
    squared distance for an AI level a is, for a = 1..4: 4.75, 2.25, 1.75, 3.25; their mean is 3,
    times 4 pairs is 12. Kappa = 1 - 1/12 = 11/12."""
    assert quadratic_weighted_kappa([1, 2, 3, 4], [1, 2, 4, 4]) == pytest.approx(11 / 12)


def test_quadratic_weighted_kappa_equals_the_concordance_form_on_random_ratings() -> None:
    """For two raters QWK = 2 cov / (var_a + var_b + (mean_a - mean_b)^2), population moments
    (Lin's concordance correlation). An independent formula, checked on random 1-5 ratings."""
    rng = random.Random(14)
    for _ in range(50):
        n = rng.randint(2, 40)
        a = [rng.randint(1, 5) for _ in range(n)]
        b = [min(5, max(1, x + rng.choice([-2, -1, 0, 0, 1]))) for x in a]
        ma, mb = sum(a) / n, sum(b) / n
        va = sum((x - ma) ** 2 for x in a) / n
        vb = sum((x - mb) ** 2 for x in b) / n
        cov = sum((x - ma) * (y - mb) for x, y in zip(a, b, strict=True)) / n
        denominator = va + vb + (ma - mb) ** 2
        expected = 2 * cov / denominator if denominator else None
        got = quadratic_weighted_kappa(a, b)
        assert (got is None) == (expected is None)
        if got is not None:
            assert got == pytest.approx(expected)


def test_quadratic_weighted_kappa_is_one_for_identical_and_undefined_for_one_constant_level() -> None:
    assert quadratic_weighted_kappa([1, 3, 5, 2], [1, 3, 5, 2]) == pytest.approx(1.0)
    assert quadratic_weighted_kappa([3, 3, 3], [3, 3, 3]) is None


def test_exact_adjacent_and_mean_difference() -> None:
    ai, person = [3, 4, 2, 5, 1], [3, 3, 4, 5, 2]
    assert exact_agreement(ai, person) == pytest.approx(2 / 5)
    assert adjacent_agreement(ai, person) == pytest.approx(4 / 5)  # only 2 vs 4 is two apart
    assert mean_difference(ai, person) == pytest.approx((0 + 1 - 2 + 0 - 1) / 5)


def test_paired_figures_refuse_unpaired_or_empty_input() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        exact_agreement([1, 2], [1])
    with pytest.raises(ValueError, match="no paired ratings"):
        quadratic_weighted_kappa([], [])


def test_small_samples_carry_a_warning_that_fades_with_more_ratings() -> None:
    assert "too few" in (sample_warning(9) or "")
    assert "rough indication" in (sample_warning(10) or "")
    assert "rough indication" in (sample_warning(29) or "")
    assert sample_warning(30) is None


def test_compare_pairs_reports_every_figure_with_its_warning() -> None:
    report = compare_pairs([1, 2, 3, 4], [1, 2, 4, 4])
    assert report.pairs == 4
    assert report.weighted_kappa == pytest.approx(11 / 12)
    assert (report.exact, report.adjacent, report.mean_difference) == (0.75, 1.0, -0.25)
    assert report.warning is not None
    assert "Only 4" in report.warning


def test_compare_raters_counts_only_units_rated_twice() -> None:
    report = compare_raters(KRIPPENDORFF_2011, "ordinal")
    assert report.units == 11
    assert report.alpha == pytest.approx(0.815, abs=5e-4)
    assert report.warning is not None
    assert "Only 11" in report.warning
