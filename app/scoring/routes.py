"""Reports a candidate reads: the list of sessions, one answer, one session, progress over time.
Thin: call, render."""

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from app.accounts.deps import CurrentUser
from app.db import DbDep
from app.interviews import service as interviews
from app.interviews.processing import measured_speeds, processing
from app.markdown import render_markdown
from app.models.base import utcnow
from app.scoring import reports
from app.scoring.charts import line_chart, radar_chart
from app.scoring.confidence import LOW_CONFIDENCE
from app.scoring.schemas import FLAG_TEXT
from app.web import RowId, render

router = APIRouter()


@router.get("/sessions", response_class=HTMLResponse)
def sessions_page(request: Request, db: DbDep, user: CurrentUser) -> Response:
    """My sessions: each with its score, question count and status (a report, so it lives here)."""
    summaries = reports.session_summaries(db, user, utcnow())
    return render(request, "interviews/sessions.html", {"summaries": summaries})


@router.get("/sessions/{session_id}/answers/{take_id}", response_class=HTMLResponse)
def answer_report(
    request: Request, db: DbDep, user: CurrentUser, session_id: RowId, take_id: RowId
) -> Response:
    view = reports.answer_view(db, user, session_id, take_id)
    context = {
        "view": view,
        "prompt_html": render_markdown(view.content.prompt),
        "flag_text": FLAG_TEXT,
        "processing": processing(view.take, utcnow(), measured_speeds(db)),
        "low_confidence": LOW_CONFIDENCE,  # the words marked unsure are the ones findings rest on
    }
    return render(request, "scoring/answer_report.html", context)


@router.get("/sessions/{session_id}/report", response_class=HTMLResponse)
def session_report(request: Request, db: DbDep, user: CurrentUser, session_id: RowId) -> Response:
    report = reports.session_report(db, user, session_id, utcnow())
    radar = radar_chart([(c.name, c.score) for c in report.competencies], title="Score per competency")
    return render(request, "scoring/session_report.html", {"report": report, "radar": radar})


@router.get("/progress", response_class=HTMLResponse)
def progress(request: Request, db: DbDep, user: CurrentUser) -> Response:
    view = reports.progress(db, user, utcnow())
    chart = line_chart(view.trends, title="Competency scores over time")
    return render(request, "scoring/progress.html", {"progress": view, "chart": chart})


@router.get("/api/sessions/{session_id}/status")
def session_status(db: DbDep, user: CurrentUser, session_id: RowId) -> dict[str, object]:
    """What the session page polls while answers are processed: states only, no report."""
    interview = interviews.get_session(db, user, session_id)
    chosen = interviews.chosen_takes(interview)
    takes = [{"take_id": t.id, "state": t.state.value} for t in chosen if t is not None]
    return {"pending": reports.pending(chosen), "takes": takes}
