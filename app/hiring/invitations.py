"""Invitation links and candidate lists: a link's token (only its SHA-256 is kept), the checks a
link must pass before it lets anyone in, and the name,email lists reviewers paste or upload."""

import csv
import hashlib
import hmac
import io
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from app.accounts.service import normalize_email
from app.errors import AppError, Forbidden, Gone, InvalidInput, NotFound
from app.models import Assessment, Invitation, InvitationStatus
from app.notify.mail import Mail

TOKEN_BYTES = 32
MAX_LIST_BYTES = 100_000
MAX_CANDIDATES = 500
MAX_NAME = 100


@dataclass(frozen=True)
class IssuedToken:
    token: str  # goes into the link once, and is never stored
    token_hash: str


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token() -> IssuedToken:
    token = secrets.token_urlsafe(TOKEN_BYTES)
    return IssuedToken(token, hash_token(token))


def check_link(invitation: Invitation | None, token: str, account_id: int, now: datetime) -> Invitation:
    """The invitation the token opens for this account, or why it does not: unknown (or not this
    invitation's token), expired, or already used by another account. The hashes are compared in
    constant time, so the comparison leaks nothing about how much of a guess was right."""
    if invitation is None or not hmac.compare_digest(invitation.token_hash, hash_token(token)):
        raise NotFound("This invitation link is not valid. Check that you copied all of it.")
    if invitation.used_by_id is not None and invitation.used_by_id != account_id:
        raise Forbidden("This invitation was already used by another account. Sign in with that one.")
    if invitation.status == InvitationStatus.expired or now >= invitation.expires_at:
        raise Gone("This invitation has expired. Ask the person who invited you for an extension.")
    return invitation


def invitation_mail(
    invitation: Invitation, assessment: Assessment, link: str, inviter: str, *, reminder: bool = False
) -> Mail:
    """The invitation email, or the reminder before the deadline: who invites, to what, the link,
    and until when (in the owner's zone)."""
    until = invitation.expires_at.astimezone(ZoneInfo(assessment.deadline_zone))
    opening = (
        f"A reminder: your recorded interview for the role {assessment.role} ({assessment.title}), "
        f"from {inviter}, closes soon.\n\n"
        "Here is a new link; the one you were sent before no longer works:\n"
        if reminder
        else f"{inviter} invites you to a recorded interview for the role {assessment.role}: "
        f"{assessment.title}.\n\nOpen this link to sign in or create an account and begin:\n"
    )
    body = (
        f"Hello {invitation.name},\n\n{opening}{link}\n\n"
        f"The link is for you alone and works until {until:%A %d %B %Y, %H:%M} "
        f"({assessment.deadline_zone}).\n"
        "Before the first question you will see who will watch your answers, how they are scored, "
        "and how long they are kept.\n"
    )
    subject = f"{'Reminder' if reminder else 'Interview invitation'}: {assessment.title}"
    return Mail(to=invitation.email, subject=subject, body=body)


# --- candidate lists ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    name: str
    email: str


@dataclass(frozen=True)
class LineError:
    line: int
    message: str


class CandidateListError(InvalidInput):
    """Every problem in a list, line by line; nothing of the list is imported."""

    def __init__(self, errors: list[LineError]) -> None:
        self.errors = errors
        lines = "; ".join(f"line {e.line}: {e.message}" if e.line else e.message for e in errors)
        super().__init__(f"Nothing was imported. Fix these and try again: {lines}")


@dataclass(frozen=True)
class CandidateList:
    candidates: tuple[Candidate, ...]
    repeated_lines: tuple[int, ...]  # lines whose email an earlier line already had: left out


def _decode(data: str | bytes) -> str:
    if len(data) > MAX_LIST_BYTES:
        raise CandidateListError([LineError(0, f"The list is larger than {MAX_LIST_BYTES // 1000} kB.")])
    if isinstance(data, str):
        return data
    try:
        return data.decode("utf-8-sig")  # spreadsheets often start UTF-8 files with a BOM
    except UnicodeDecodeError:
        raise CandidateListError(
            [LineError(0, "The file is not UTF-8 text; save it as CSV UTF-8.")]
        ) from None


def _is_header(cells: list[str]) -> bool:
    return sorted(c.strip().lower() for c in cells) == ["email", "name"]


def _name(raw: str) -> str:
    name = " ".join(raw.split())
    if not name:
        raise InvalidInput("the name is empty")
    if len(name) > MAX_NAME:
        raise InvalidInput(f"the name is longer than {MAX_NAME} characters")
    if any(unicodedata.category(ch).startswith("C") for ch in name):
        raise InvalidInput("the name contains control characters")
    return name


def candidate(raw_name: str, raw_email: str) -> Candidate:
    """One candidate as typed into the form or a list: the name tidied, the email normalised."""
    try:
        email = normalize_email(raw_email)
    except AppError:
        raise InvalidInput(f"{raw_email.strip()[:60]!r} is not an email address") from None
    return Candidate(_name(raw_name), email)


def _candidate(cells: list[str], email_first: bool) -> Candidate:
    cells = list(cells)
    while len(cells) > 2 and not cells[-1].strip():
        cells.pop()  # a spreadsheet's trailing empty columns
    if len(cells) != 2:
        raise InvalidInput(f"expected two values, name and email, found {len(cells)}")
    raw_name, raw_email = reversed(cells) if email_first else cells
    return candidate(raw_name, raw_email)


def parse_candidate_list(data: str | bytes) -> CandidateList:
    """Candidates from CSV lines `name,email` (a header line `name,email` or `email,name` is
    optional and sets the order). Blank lines are skipped and a repeated email is kept once. Any
    bad line makes the whole list fail, listing every bad line, so nothing is half-imported."""
    rows = csv.reader(io.StringIO(_decode(data), newline=""), strict=True)
    candidates: dict[str, Candidate] = {}
    errors: list[LineError] = []
    repeated: list[int] = []
    email_first, first, read = False, True, 0
    try:
        for cells in rows:
            read = rows.line_num  # where the last row read ends: a row that cannot be read starts after it
            if not any(c.strip() for c in cells):
                continue
            if first and _is_header(cells):
                email_first = cells[0].strip().lower() == "email"
                first = False
                continue
            first = False
            try:
                candidate = _candidate(cells, email_first)
            except InvalidInput as error:
                errors.append(LineError(rows.line_num, error.message))
                continue
            if candidate.email in candidates:
                repeated.append(rows.line_num)
            else:
                candidates[candidate.email] = candidate
    except csv.Error as error:
        errors.append(LineError(read + 1, f"unreadable CSV from here on ({error}); is a quote left open?"))
    if len(candidates) > MAX_CANDIDATES:
        errors.append(
            LineError(0, f"The list has {len(candidates)} people; invite at most {MAX_CANDIDATES} at once.")
        )
    if not errors and not candidates:
        errors.append(LineError(0, "The list is empty: give one name,email per line."))
    if errors:
        raise CandidateListError(errors)
    return CandidateList(tuple(candidates.values()), tuple(repeated))
