"""The adverse-impact report: how candidates fare by sex, race/ethnicity and both, from their
voluntary self-identification. Numbers per group only, never a person.

Three rates per group, as NYC Local Law 144 bias audits and the four-fifths rule (29 CFR 1607.4)
use them:
- selection rate: the share of submitted candidates a person moved to `advance`;
- scoring rate (people): the share scoring above the assessment's median, on people's mean level;
- scoring rate (AI): the same on the AI's mean level, counting only candidates who allowed it.
Each group's impact ratio is its rate over the highest rate among the known groups large enough to
conclude anything; "unknown or declined" is shown but is never that reference. A ratio under
0.8 is flagged. A group under MIN_GROUP gets its count but no rate: too few to conclude anything
(1607.4(D): differences based on small numbers may not be adverse impact), and a rate of two or
three people would single them out.

Medians are per assessment: different assessments ask different questions, so a pooled median
would mix up the assessment with the group. The installation-wide report adds up, per group,
who was above their own assessment's median. Everything is built from counts per (sex, race)
cell, which is also all that is kept of an assessment past its retention period."""

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.hiring import service
from app.hiring.access import Action
from app.hiring.answers import ai_levels
from app.hiring.export import spreadsheet_safe
from app.hiring.results import human_ratings, mean_level
from app.hiring.self_id import DECLINED, RACE, SEX
from app.models import (
    Assessment,
    Invitation,
    InvitationStatus,
    RetainedImpact,
    SelfIdentification,
    Stage,
    User,
)

UNKNOWN = "unknown"  # not answered, "I prefer not to say", or never asked
UNKNOWN_LABEL = "Unknown or declined"
MIN_GROUP = 5
FOUR_FIFTHS = 0.8


@dataclass(frozen=True)
class Outcome:
    """One candidate, only ever on the way into a cell."""

    sex: str
    race: str
    selected: bool
    human: float | None  # people's mean level; None: nobody has submitted a review
    ai: float | None  # the AI's mean level; None: not scored, or the candidate declined it


@dataclass(frozen=True)
class Cell:
    """Counts for one (sex, race) combination."""

    sex: str
    race: str
    candidates: int = 0
    selected: int = 0
    human_scored: int = 0
    human_above: int = 0
    ai_scored: int = 0
    ai_above: int = 0

    def plus(self, other: "Cell") -> "Cell":
        return Cell(self.sex, self.race, **{n: getattr(self, n) + getattr(other, n) for n in COUNTS})


COUNTS = [f.name for f in fields(Cell)[2:]]  # candidates, selected, ...: what a cell adds up


def _above(score: float | None, middle: float | None) -> int:
    return int(score is not None and middle is not None and score > middle)


def cells_of(outcomes: Sequence[Outcome]) -> list[Cell]:
    """One assessment's candidates as counts per cell, "above" meaning above that assessment's median."""
    human = [o.human for o in outcomes if o.human is not None]
    ai = [o.ai for o in outcomes if o.ai is not None]
    human_median, ai_median = (median(s) if s else None for s in (human, ai))
    cells = [
        Cell(
            o.sex,
            o.race,
            1,
            int(o.selected),
            int(o.human is not None),
            _above(o.human, human_median),
            int(o.ai is not None),
            _above(o.ai, ai_median),
        )
        for o in outcomes
    ]
    return pooled(cells)


def pooled(cells: Iterable[Cell]) -> list[Cell]:
    merged: dict[tuple[str, str], Cell] = {}
    for cell in cells:
        key = (cell.sex, cell.race)
        merged[key] = merged[key].plus(cell) if key in merged else cell
    return [merged[key] for key in sorted(merged)]


# --- rates and ratios ---------------------------------------------------------------------------


@dataclass(frozen=True)
class GroupLine:
    label: str
    count: int  # candidates the rate is over
    hits: int
    unknown: bool
    rate: float | None = None  # None: too few to show
    impact_ratio: float | None = None
    reference: bool = False
    one_person_decides: bool = False  # one more hit would take the group past four-fifths

    @property
    def too_few(self) -> bool:
        return self.count < MIN_GROUP

    @property
    def below_four_fifths(self) -> bool:
        return self.impact_ratio is not None and self.impact_ratio < FOUR_FIFTHS


def group_lines(groups: Sequence[tuple[str, int, int, bool]]) -> list[GroupLine]:
    """(label, count, hits, unknown) per group -> rates, impact ratios against the highest rate of
    a known group of at least MIN_GROUP, and the four-fifths flags."""
    lines = [GroupLine(label, count, hits, unknown) for label, count, hits, unknown in groups]
    shown = [line for line in lines if not line.too_few]
    rates = {line.label: line.hits / line.count for line in shown}
    references = [line for line in shown if not line.unknown]
    best = max((rates[line.label] for line in references), default=0.0)
    result = []
    for line in lines:
        if line.too_few:
            result.append(line)
            continue
        rate = rates[line.label]
        ratio = rate / best if best else None
        nudged = (line.hits + 1) / line.count / best if best else None
        result.append(
            GroupLine(
                line.label,
                line.count,
                line.hits,
                line.unknown,
                round(rate, 4),
                None if ratio is None else round(ratio, 4),
                reference=not line.unknown and bool(best) and rate == best,
                one_person_decides=ratio is not None
                and ratio < FOUR_FIFTHS
                and nudged is not None
                and nudged >= FOUR_FIFTHS,
            )
        )
    return result


Grouping = Callable[[Cell], str]
MEASURES: dict[str, tuple[str, Callable[[Cell], tuple[int, int]]]] = {
    "selection": ("Selection rate (advanced by a person)", lambda c: (c.candidates, c.selected)),
    "people": ("Scoring rate, people's levels", lambda c: (c.human_scored, c.human_above)),
    "ai": ("Scoring rate, the AI's levels", lambda c: (c.ai_scored, c.ai_above)),
}


def _sex(cell: Cell) -> str:
    return UNKNOWN_LABEL if cell.sex == UNKNOWN else SEX[cell.sex]


def _race(cell: Cell) -> str:
    return UNKNOWN_LABEL if cell.race == UNKNOWN else RACE[cell.race]


def _both(cell: Cell) -> str:
    return UNKNOWN_LABEL if UNKNOWN in (cell.sex, cell.race) else f"{_sex(cell)}, {_race(cell)}"


def _known(labels: dict[str, str]) -> list[str]:
    return [label for key, label in labels.items() if key != DECLINED]


DIMENSIONS: dict[str, tuple[Grouping, list[str]]] = {
    "Sex": (_sex, _known(SEX)),
    "Race/ethnicity": (_race, _known(RACE)),
    "Sex and race/ethnicity": (_both, [f"{s}, {r}" for s in _known(SEX) for r in _known(RACE)]),
}


@dataclass(frozen=True)
class Table:
    dimension: str
    measure: str
    lines: list[GroupLine]


def tables(cells: Sequence[Cell]) -> list[Table]:
    """Every dimension x measure, each listing every category (empty ones too) and the unknowns."""
    found = []
    for dimension, (group_of, labels) in DIMENSIONS.items():
        for title, counts in MEASURES.values():
            totals = {label: [0, 0] for label in [*labels, UNKNOWN_LABEL]}
            for cell in cells:
                count, hits = counts(cell)
                totals[group_of(cell)][0] += count
                totals[group_of(cell)][1] += hits
            rows = [(label, n, hits, label == UNKNOWN_LABEL) for label, (n, hits) in totals.items()]
            found.append(Table(dimension, title, group_lines(rows)))
    return found


# --- from the database --------------------------------------------------------------------------


def _category(value: str | None, allowed: dict[str, str]) -> str:
    return value if value in allowed and value != DECLINED else UNKNOWN


def assessment_outcomes(db: Session, assessment: Assessment) -> list[Outcome]:
    """The submitted candidates of a live assessment, each reduced to what the cells count."""
    submitted = list(
        db.scalars(
            select(Invitation).where(
                Invitation.assessment_id == assessment.id, Invitation.status == InvitationStatus.submitted
            )
        )
    )
    ids = [i.id for i in submitted]
    told = {
        s.invitation_id: s
        for s in db.scalars(select(SelfIdentification).where(SelfIdentification.invitation_id.in_(ids)))
    }
    stages = service.current_stages(db, ids)
    people: dict[int, list[int]] = {i: [] for i in ids}
    for rating in human_ratings(db, ids)[1]:  # the current levels
        people[rating.unit[0]].append(rating.level)
    ai: dict[int, list[int]] = {i: [] for i in ids}
    for (invitation_id, _, _), level in ai_levels(db, assessment, submitted).items():  # allowed only
        ai[invitation_id].append(level)
    return [
        Outcome(
            _category(told[i].sex if i in told else None, SEX),
            _category(told[i].race if i in told else None, RACE),
            stages.get(i) == Stage.advance,
            mean_level(people[i]),
            mean_level(ai[i]),
        )
        for i in ids
    ]


def assessment_cells(db: Session, assessment: Assessment) -> list[Cell]:
    if assessment.purged_at is not None:
        kept = db.scalars(select(RetainedImpact).where(RetainedImpact.assessment_id == assessment.id))
        return [Cell(k.sex, k.race, **_counts(k)) for k in kept]
    return cells_of(assessment_outcomes(db, assessment))


def retained(db: Session, assessment: Assessment) -> list[RetainedImpact]:
    """The counts to keep when the assessment's candidates are erased at the end of retention."""
    return [
        RetainedImpact(assessment_id=assessment.id, sex=c.sex, race=c.race, **_counts(c))
        for c in assessment_cells(db, assessment)
    ]


def _counts(source: Cell | RetainedImpact) -> dict[str, int]:
    return {name: getattr(source, name) for name in COUNTS}


@dataclass(frozen=True)
class ImpactReport:
    scope: str  # the assessment's title, or "All assessments"
    assessment_id: int | None
    candidates: int
    identified: int  # candidates with a known sex or race/ethnicity
    tables: list[Table]


def _report(scope: str, assessment_id: int | None, cells: Sequence[Cell]) -> ImpactReport:
    candidates = sum(c.candidates for c in cells)
    unknown = sum(c.candidates for c in cells if c.sex == UNKNOWN and c.race == UNKNOWN)
    return ImpactReport(scope, assessment_id, candidates, candidates - unknown, tables(cells))


def assessment_report(
    db: Session, user: User, assessment_id: int, now: datetime, *, export: bool
) -> ImpactReport:
    """One assessment's report, for its owner and admins; the reading is recorded."""
    assessment = service.open_assessment(db, user, assessment_id, Action.impact, now)
    service.record(db, user, "impact.export" if export else "impact.view", "assessment", assessment.id, now)
    return _report(assessment.title, assessment.id, assessment_cells(db, assessment))


def installation_report(db: Session, admin: User, now: datetime, *, export: bool) -> ImpactReport:
    """Every assessment's counts added up (those past retention from what they kept); for admins,
    who the route checks. The reading is recorded."""
    service.record(db, admin, "impact.export" if export else "impact.view", "installation", 0, now)
    cells = pooled(c for a in db.scalars(select(Assessment)) for c in assessment_cells(db, a))
    return _report("All assessments", None, cells)


COLUMNS = [
    "scope",
    "dimension",
    "measure",
    "group",
    "count",
    "hits",
    "rate",
    "impact_ratio",
    "reference_group",
    "below_four_fifths",
    "too_few_to_conclude",
    "one_person_decides",
]


def _cell(value: float | None) -> str:
    return "" if value is None else str(value)


def report_csv(report: ImpactReport) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for table in report.tables:
        for line in table.lines:
            flags = (line.reference, line.below_four_fifths, line.too_few, line.one_person_decides)
            writer.writerow(
                [
                    spreadsheet_safe(report.scope),
                    table.dimension,
                    table.measure,
                    line.label,
                    line.count,
                    "" if line.too_few else line.hits,  # with the count, hits would give the rate away
                    _cell(line.rate),
                    _cell(line.impact_ratio),
                    *("yes" if flag else "no" for flag in flags),
                ]
            )
    return out.getvalue()
