"""Recordings with a duration: the WebM Chrome uploads has none, so players show no length and
seek poorly; the assembled recording is remuxed (packets copied, nothing re-encoded) to carry it."""

from pathlib import Path

import av

from app.media.audio import decode_audio
from app.media.recording import duration_seconds, write_duration
from tests.media.media_files import encode_audio, wav_seconds


def test_a_browser_webm_gets_its_duration_and_keeps_its_sound(speech_wav: Path, tmp_path: Path) -> None:
    webm = encode_audio(speech_wav, tmp_path / "answer.webm")
    before = decode_audio(webm).samples
    assert duration_seconds(webm) is None
    assert write_duration(webm)
    assert abs((duration_seconds(webm) or 0) - wav_seconds(speech_wav)) < 0.1
    after = decode_audio(webm).samples
    assert len(after) == len(before)
    assert (after == before).all()


def test_the_remuxed_recording_has_a_seek_index(speech_wav: Path, tmp_path: Path) -> None:
    """Players jump straight to a time through the Matroska Cues element, which a live WebM lacks."""
    cues = bytes.fromhex("1C53BB6B")
    webm = encode_audio(speech_wav, tmp_path / "answer.webm")
    assert cues not in webm.read_bytes()
    write_duration(webm)
    assert cues in webm.read_bytes()
    with av.open(str(webm)) as container:
        stream = container.streams.audio[0]
        assert stream.time_base is not None
        container.seek(int(5 / stream.time_base), stream=stream)
        frame = next(container.decode(stream))
    assert frame.time is not None
    assert 4.0 <= frame.time <= 5.1


def test_a_file_that_cannot_be_remuxed_is_left_exactly_as_it_was(tmp_path: Path) -> None:
    junk = tmp_path / "answer.webm"
    junk.write_bytes(b"\x1a\x45\xdf\xa3" + b"\x00" * 500)
    assert not write_duration(junk)
    assert junk.read_bytes() == b"\x1a\x45\xdf\xa3" + b"\x00" * 500
    assert sorted(p.name for p in tmp_path.iterdir()) == ["answer.webm"]
