"""Invitation tokens and candidate lists, as plain functions."""

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from app.errors import Forbidden, Gone, InvalidInput, NotFound
from app.hiring.invitations import (
    MAX_CANDIDATES,
    MAX_LIST_BYTES,
    Candidate,
    CandidateListError,
    candidate,
    check_link,
    hash_token,
    issue_token,
    parse_candidate_list,
)
from app.models import Invitation, InvitationStatus

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _invitation(token: str, **changes: object) -> Invitation:
    fields: dict[str, object] = {
        "token_hash": hash_token(token),
        "email": "ana@example.com",
        "name": "Ana",
        "status": InvitationStatus.invited,
        "expires_at": NOW + timedelta(days=3),
        "used_by_id": None,
        **changes,
    }
    return Invitation(**fields)


def test_a_token_is_32_random_bytes_and_only_its_sha256_is_kept() -> None:
    issued = issue_token()
    assert len(issued.token) == 43  # 32 bytes, URL-safe base64 without padding
    assert issued.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    assert issued.token not in issued.token_hash
    assert issue_token().token != issued.token


def test_the_right_token_opens_the_invitation_for_a_new_or_the_same_account() -> None:
    issued = issue_token()
    invitation = _invitation(issued.token)
    assert check_link(invitation, issued.token, account_id=7, now=NOW) is invitation
    invitation.used_by_id = 7
    assert check_link(invitation, issued.token, account_id=7, now=NOW) is invitation


def test_a_wrong_or_truncated_token_or_no_invitation_is_not_found() -> None:
    issued = issue_token()
    invitation = _invitation(issued.token)
    for wrong in ("", issued.token[:-1], issue_token().token, issued.token_hash):
        with pytest.raises(NotFound, match="not valid"):
            check_link(invitation, wrong, account_id=7, now=NOW)
    with pytest.raises(NotFound):
        check_link(None, issued.token, account_id=7, now=NOW)


def test_an_expired_invitation_is_gone_at_its_deadline_and_when_marked_expired() -> None:
    issued = issue_token()
    invitation = _invitation(issued.token, expires_at=NOW)
    with pytest.raises(Gone, match="expired"):
        check_link(invitation, issued.token, account_id=7, now=NOW)
    marked = _invitation(issued.token, status=InvitationStatus.expired)
    with pytest.raises(Gone):
        check_link(marked, issued.token, account_id=7, now=NOW)


def test_a_link_used_by_one_account_refuses_every_other_account() -> None:
    issued = issue_token()
    invitation = _invitation(issued.token, used_by_id=7)
    with pytest.raises(Forbidden, match="another account"):
        check_link(invitation, issued.token, account_id=8, now=NOW)


# --- candidate lists ---------------------------------------------------------------------------


def test_a_list_without_header_is_name_then_email() -> None:
    parsed = parse_candidate_list("Ana Lima,ana@example.com\nBo Chen, BO@Example.com \n")
    assert parsed.candidates == (
        Candidate("Ana Lima", "ana@example.com"),
        Candidate("Bo Chen", "bo@example.com"),
    )
    assert parsed.repeated_lines == ()


def test_a_header_is_optional_and_sets_the_column_order() -> None:
    assert parse_candidate_list("name,email\nAna,ana@example.com").candidates == (
        Candidate("Ana", "ana@example.com"),
    )
    assert parse_candidate_list("Email,Name\nana@example.com,Ana").candidates == (
        Candidate("Ana", "ana@example.com"),
    )


def test_an_uploaded_spreadsheet_export_with_bom_quotes_crlf_and_empty_columns_reads_cleanly() -> None:
    data = '\ufeffname,email\r\n"Lima, Ana",ana@example.com,,\r\n\r\n"Chen  Bo",bo@example.com\r\n'.encode()
    parsed = parse_candidate_list(data)
    assert parsed.candidates == (
        Candidate("Lima, Ana", "ana@example.com"),
        Candidate("Chen Bo", "bo@example.com"),
    )


def test_a_repeated_email_is_kept_once_and_its_lines_reported() -> None:
    parsed = parse_candidate_list("Ana,ana@example.com\nBo,bo@example.com\nAna L,ANA@example.com\n")
    assert [c.email for c in parsed.candidates] == ["ana@example.com", "bo@example.com"]
    assert parsed.candidates[0].name == "Ana"
    assert parsed.repeated_lines == (3,)


def test_every_bad_line_is_reported_and_nothing_is_returned() -> None:
    data = "\n".join(
        [
            "Ana,ana@example.com",
            "Bo,not-an-email",  # line 2
            "just-one-value",  # line 3
            ",cy@example.com",  # line 4: no name
            "Di,di@example.com,extra",  # line 5
            "Ed\x07,ed@example.com",  # line 6: a control character
            f"{'x' * 101},fx@example.com",  # line 7
        ]
    )
    with pytest.raises(CandidateListError) as caught:
        parse_candidate_list(data)
    errors = {e.line: e.message for e in caught.value.errors}
    assert set(errors) == {2, 3, 4, 5, 6, 7}
    assert "'not-an-email' is not an email address" in errors[2]
    assert "found 1" in errors[3]
    assert "found 3" in errors[5]
    assert "name is empty" in errors[4]
    assert "control characters" in errors[6]
    assert "longer than 100" in errors[7]
    assert caught.value.message.startswith("Nothing was imported.")
    assert caught.value.status_code == 422


def test_an_empty_or_blank_list_is_refused() -> None:
    for data in ("", "\n \n", "name,email\n"):
        with pytest.raises(CandidateListError, match="empty"):
            parse_candidate_list(data)


def test_a_list_over_the_size_or_count_limit_is_refused_before_it_is_read_in_full() -> None:
    with pytest.raises(CandidateListError, match="larger than 100 kB"):
        parse_candidate_list(b"a" * (MAX_LIST_BYTES + 1))
    many = "\n".join(f"P{i},p{i}@example.com" for i in range(MAX_CANDIDATES + 1))
    with pytest.raises(CandidateListError, match=f"at most {MAX_CANDIDATES}"):
        parse_candidate_list(many)


def test_a_file_that_is_not_utf8_is_refused_with_a_hint() -> None:
    with pytest.raises(CandidateListError, match="CSV UTF-8"):
        parse_candidate_list("Zoë,zoe@example.com".encode("latin-1"))


def test_an_unclosed_quote_is_reported_instead_of_swallowing_the_lines_after_it() -> None:
    with pytest.raises(CandidateListError, match="line 2: unreadable CSV from here on") as caught:
        parse_candidate_list('Ana,ana@example.com\n"Bo,bo@example.com\nCy,cy@example.com\n')
    assert [e.line for e in caught.value.errors] == [2]


def test_one_candidate_typed_into_the_form_is_tidied_and_checked() -> None:
    assert candidate("  Ana   Lima ", " Ana@Example.COM ") == Candidate("Ana Lima", "ana@example.com")
    with pytest.raises(InvalidInput, match="not an email address"):
        candidate("Ana", "ana@")
    with pytest.raises(InvalidInput, match="name is empty"):
        candidate("  ", "ana@example.com")
