"""`gitops-coach transcribe` and `gitops-coach analyse-video`: the media pipeline's steps on one file,
for operators checking a recording or a model choice."""

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from app.config import get_settings
from app.errors import AppError
from app.media.transcription import build_transcriber
from app.media.video import analyse_video
from app.questions.bank_files import load_bank

MediaFile = Annotated[Path, typer.Argument(help="A recording: webm, mp4, ogg or wav.")]


class Format(StrEnum):
    json = "json"
    text = "text"


FormatOption = Annotated[Format, typer.Option("--format", help="json or text.")]


def _fail(message: str) -> typer.Exit:
    typer.echo(f"error: {message}", err=True)
    return typer.Exit(code=1)


def _glossary(question: str) -> list[str]:
    """The question's glossary from the bank files, used as hotwords."""
    directory = get_settings().question_bank_dir
    for found in load_bank(directory).questions:
        if found.id == question:
            return list(found.glossary)
    raise _fail(f"There is no question {question!r} in the question bank at {directory}.")


def transcribe(
    file: MediaFile,
    question: Annotated[
        str | None, typer.Option(help="Question id: its glossary biases recognition.")
    ] = None,
    output: FormatOption = Format.text,
) -> None:
    """Transcribe a recording with word timings, using the configured transcriber."""
    hotwords = _glossary(question) if question else []
    try:
        transcript = build_transcriber(get_settings()).transcribe(file, hotwords)
    except AppError as error:
        raise _fail(error.message) from None
    typer.echo(transcript.model_dump_json(indent=2) if output == Format.json else transcript.text)


def analyse_video_command(file: MediaFile, output: FormatOption = Format.text) -> None:
    """Describe what the camera showed: face visible, framing, lighting, more than one face."""
    try:
        analysis = analyse_video(file)
    except AppError as error:
        raise _fail(error.message) from None
    if output == Format.json:
        typer.echo(json.dumps(analysis.model_dump(exclude={"poster_jpeg"}), indent=2))
    else:
        typer.echo("\n".join(analysis.notes))


def register(cli: typer.Typer) -> None:
    """Add the media commands to the main `gitops-coach` CLI."""
    cli.command("transcribe")(transcribe)
    cli.command("analyse-video")(analyse_video_command)
