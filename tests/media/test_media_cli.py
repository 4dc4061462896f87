"""`gitops-coach transcribe` and `gitops-coach analyse-video` as an operator runs them."""

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from app.media.cli import register
from tests.media.media_files import face_frame, write_video

runner = CliRunner()


@pytest.fixture(scope="module")
def cli() -> typer.Typer:
    """app.cli's commands plus the media ones, as `register` adds them to the real CLI."""
    app = typer.Typer()
    register(app)
    return app


def _named(text: str) -> int:
    """How many of the sentence's tool names a transcript spells, however it spaces them
    ("SealedSecrets" is the glossary's own spelling of "Sealed Secrets")."""
    squeezed = text.replace(" ", "").lower()
    named = ["Sealed Secrets", "kubeseal", "SOPS", "HashiCorp Vault", "External Secrets Operator"]
    return sum(term.replace(" ", "").lower() in squeezed for term in named)


@pytest.mark.usefixtures("whisper")
def test_transcribe_as_json_with_a_questions_glossary(cli: typer.Typer, speech_webm: Path) -> None:
    result = runner.invoke(
        cli, ["transcribe", str(speech_webm), "--question", "secrets-in-git", "--format", "json"]
    )
    assert result.exit_code == 0, result.output
    transcript = json.loads(result.stdout)
    assert set(transcript) == {"text", "words", "language", "duration_seconds", "model", "ran_over"}
    # without the glossary tiny.en hears none of these ("cube is ill", "Hashek"); with it, three to
    # all five, depending on the CPU's arithmetic ("SOPS" as "what we saw" on AVX-512; on an AMD EPYC
    # the int8 model stops after "SOPS" in the Opus recording and the words after it are lost)
    plain = json.loads(runner.invoke(cli, ["transcribe", str(speech_webm), "--format", "json"]).stdout)
    assert _named(transcript["text"]) >= 3, transcript["text"]
    assert _named(transcript["text"]) > _named(plain["text"]), (transcript["text"], plain["text"])
    assert transcript["model"] == "tiny.en"
    assert set(transcript["words"][0]) == {"word", "start", "end", "probability", "heard"}
    assert 0 < transcript["words"][0]["probability"] <= 1
    assert transcript["words"][-1]["end"] <= transcript["duration_seconds"]


@pytest.mark.usefixtures("whisper")
def test_transcribe_as_text_prints_the_transcript(cli: typer.Typer, speech_webm: Path) -> None:
    result = runner.invoke(cli, ["transcribe", str(speech_webm)])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith(("Never commit", "and never commit", "And never commit"))


def test_transcribe_explains_what_is_wrong(cli: typer.Typer, speech_webm: Path, tmp_path: Path) -> None:
    unknown = runner.invoke(cli, ["transcribe", str(speech_webm), "--question", "no-such-question"])
    assert unknown.exit_code == 1
    assert unknown.stderr.startswith("error: There is no question 'no-such-question'")
    junk = tmp_path / "answer.webm"
    junk.write_text("not a recording")
    broken = runner.invoke(cli, ["transcribe", str(junk)])
    assert broken.exit_code == 1
    assert broken.stderr.startswith("error: answer.webm could not be read")


def test_analyse_video_as_json_leaves_out_the_poster(cli: typer.Typer, tmp_path: Path) -> None:
    video = write_video(tmp_path / "answer.webm", [face_frame()] * 30)
    result = runner.invoke(cli, ["analyse-video", str(video), "--format", "json"])
    assert result.exit_code == 0, result.output
    analysis = json.loads(result.stdout)
    assert "poster_jpeg" not in analysis
    assert analysis["frames_sampled"] == 3
    assert analysis["face_visible_share"] == 1.0
    assert analysis["notes"] == ["Your face was visible in 100% of the answer."]


def test_analyse_video_as_text_prints_the_notes(cli: typer.Typer, speech_webm: Path, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["analyse-video", str(speech_webm)])
    assert result.exit_code == 0
    assert result.stdout == "There was no video in this answer, so the picture was not checked.\n"
    missing = runner.invoke(cli, ["analyse-video", str(tmp_path / "gone.webm")])
    assert missing.exit_code == 1
    assert missing.stderr.startswith("error: ")
    assert "does not exist" in missing.stderr
