"""analyse_video on Chrome-like webm/VP8 recordings built from a real photo of a face."""

from pathlib import Path

import cv2
import numpy as np
import pytest

from app.media.errors import MediaError
from app.media.video import VideoAnalysis, analyse_video
from tests.media.media_files import (
    dark_frame,
    face_frame,
    noise_frames,
    small_corner_face_frame,
    two_faces_frame,
    write_video,
)

SECONDS, FPS = 6, 10
FRAMES = SECONDS * FPS
NEVER_INFERRED = (
    "emotion",
    "confiden",
    "nervous",
    "attent",
    "engag",
    "honest",
    "personality",
    "smil",
    "happy",
)

pytestmark = pytest.mark.slow  # face detection over decoded video frames


def _analysed(tmp_path: Path, frames: list[np.ndarray]) -> VideoAnalysis:
    analysis = analyse_video(write_video(tmp_path / "answer.webm", frames, fps=FPS))
    for note in analysis.notes:  # the notes describe the picture, never the person
        assert not any(word in note.lower() for word in NEVER_INFERRED), note
    return analysis


def test_a_well_framed_face_is_seen_throughout_with_nothing_to_fix(tmp_path: Path) -> None:
    analysis = _analysed(tmp_path, [face_frame()] * FRAMES)
    assert analysis.frames_sampled == SECONDS  # one a second, found by timestamps (no duration in the file)
    assert analysis.face_visible_share >= 0.9
    assert analysis.multiple_faces_share == analysis.too_dark_share == 0
    assert analysis.off_centre_share == analysis.too_small_share == 0
    assert analysis.notes == ["Your face was visible in 100% of the answer."]


def test_the_poster_is_a_jpeg_of_the_face(tmp_path: Path) -> None:
    frames = [dark_frame()] * 30 + [face_frame()] * 30
    poster = _analysed(tmp_path, frames).poster_jpeg
    assert poster is not None
    assert poster.startswith(b"\xff\xd8")
    image = cv2.imdecode(np.frombuffer(poster, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None
    assert image.shape == (480, 640, 3)
    assert image.mean() > 70  # the well-lit half was chosen, not the dark one


def test_a_dark_room_is_reported(tmp_path: Path) -> None:
    analysis = _analysed(tmp_path, [dark_frame()] * FRAMES)
    assert analysis.too_dark_share >= 0.9
    assert "The picture was too dark for 100% of the answer." in analysis.notes


def test_two_people_in_the_picture_are_reported(tmp_path: Path) -> None:
    analysis = _analysed(tmp_path, [two_faces_frame()] * FRAMES)
    assert analysis.multiple_faces_share > 0.5
    assert "More than one face was visible for 100% of the answer." in analysis.notes


def test_noise_is_not_mistaken_for_a_face(tmp_path: Path) -> None:
    analysis = _analysed(tmp_path, noise_frames(FRAMES))
    assert analysis.face_visible_share == 0
    assert analysis.multiple_faces_share == 0
    assert analysis.notes == ["No face could be seen in the picture during the answer."]
    assert analysis.poster_jpeg is not None  # the middle frame stands in


def test_a_small_face_in_a_corner_is_reported_as_both(tmp_path: Path) -> None:
    analysis = _analysed(tmp_path, [small_corner_face_frame()] * FRAMES)
    assert analysis.face_visible_share >= 0.9
    assert analysis.too_small_share >= 0.9
    assert analysis.off_centre_share >= 0.9
    assert any(note.startswith("Your face was small in the picture") for note in analysis.notes)
    assert any(note.startswith("Your face was far from the centre") for note in analysis.notes)


def test_a_face_seen_half_the_time_is_reported_as_half(tmp_path: Path) -> None:
    analysis = _analysed(tmp_path, noise_frames(FRAMES // 2) + [face_frame()] * (FRAMES // 2))
    assert analysis.face_visible_share == pytest.approx(0.5)
    assert analysis.notes == ["Your face was visible in 50% of the answer."]


def test_sampling_follows_every_seconds(tmp_path: Path) -> None:
    video = write_video(tmp_path / "answer.webm", [face_frame()] * FRAMES, fps=FPS)
    assert analyse_video(video, every_seconds=2.0).frames_sampled == SECONDS // 2


def test_an_audio_only_answer_gets_a_note_not_an_error(speech_webm: Path) -> None:
    analysis = analyse_video(speech_webm)
    assert analysis.frames_sampled == 0
    assert analysis.poster_jpeg is None
    assert analysis.notes == ["There was no video in this answer, so the picture was not checked."]


def test_a_corrupt_file_is_a_media_error(tmp_path: Path) -> None:
    junk = tmp_path / "answer.webm"
    junk.write_bytes(b"RIFF" + bytes(range(256)) * 8)
    with pytest.raises(MediaError, match=r"answer\.webm could not be read"):
        analyse_video(junk)
