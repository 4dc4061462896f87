"""A ScoreReport as plain text for the terminal."""

from app.scoring.schemas import FLAG_TEXT, ScoreReport


def report_as_text(report: ScoreReport) -> str:
    lines = [
        f"{report.question}: overall {report.overall:.1f} / 5  ({report.scorer} {report.scorer_version})"
    ]
    if report.fallback:
        lines.append(f"FALLBACK: {report.fallback_reason}")
    lines += [f"flag: {flag}: {FLAG_TEXT[flag]}" for flag in report.flags]
    lines.append("")
    for criterion in report.criteria:
        score = "not assessed" if criterion.score is None else f"{criterion.score}/5"
        lines.append(f"{criterion.competency}: {score}. {criterion.rationale}")
        lines += [f'    "{quote}"' for quote in criterion.evidence]
    lines.append("")
    lines += [f"covered: {p.id}: {p.point}" for p in report.key_points_covered]
    lines += [f"missed:  {p.id}: {p.point}" for p in report.key_points_missed]
    for flag in report.red_flags:
        unsure = (
            f" (rests on words to check: {', '.join(flag.uncertain_words)})" if flag.uncertain_words else ""
        )
        lines.append(f"red flag{unsure}: {flag.misconception} {flag.why_wrong}")
        lines += [f'    "{quote}"' for quote in flag.evidence]
    d = report.delivery
    pace = (
        f", {d.words_per_minute} words/min, {d.fillers_per_minute} fillers/min" if d.words_per_minute else ""
    )
    lines.append(f"delivery: {d.words} words, {d.fillers} fillers{pace}")
    return "\n".join(lines)
