"""decode_audio: what the pipeline gets from a real upload, however it arrives."""

from pathlib import Path

import av
import pytest

from app.media.audio import SAMPLE_RATE, decode_audio
from app.media.errors import MediaError
from tests.media.media_files import encode_audio, face_frame, looped_opus, wav_seconds, write_video

MATROSKA_CLUSTER = bytes.fromhex("1f43b675")  # the element that holds the recorded media


def test_chrome_style_webm_has_no_header_duration_but_the_measured_one_matches_the_speech(
    speech_wav: Path, speech_webm: Path
) -> None:
    with av.open(str(speech_webm)) as container:
        assert container.duration is None  # like MediaRecorder's files: nothing to trust in the header
    clip = decode_audio(speech_webm)
    assert clip.duration_seconds == pytest.approx(wav_seconds(speech_wav), abs=0.1)
    assert clip.samples.dtype.name == "float32"
    assert clip.samples.ndim == 1
    assert len(clip.samples) == round(clip.duration_seconds * SAMPLE_RATE)
    assert 0.1 < abs(clip.samples).max() <= 1.0


def test_mp4_aac_decodes_to_the_same_length(speech_wav: Path, media_dir: Path) -> None:
    clip = decode_audio(encode_audio(speech_wav, media_dir / "speech.mp4"))
    assert clip.duration_seconds == pytest.approx(wav_seconds(speech_wav), abs=0.1)


def test_wav_decodes_too(speech_wav: Path) -> None:
    assert decode_audio(speech_wav).duration_seconds == pytest.approx(wav_seconds(speech_wav), abs=0.01)


def test_bytes_that_are_not_media_are_refused_with_a_clear_422(tmp_path: Path) -> None:
    fake = tmp_path / "answer.webm"
    fake.write_text("this is a text file, not a recording")
    with pytest.raises(MediaError) as raised:
        decode_audio(fake)
    assert raised.value.status_code == 422
    assert "answer.webm could not be read as audio or video" in raised.value.message


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    with pytest.raises(MediaError, match="does not exist"):
        decode_audio(tmp_path / "nowhere.webm")


def test_a_webm_cut_in_half_still_gives_its_first_half(speech_webm: Path, tmp_path: Path) -> None:
    """An upload interrupted half way keeps what arrived rather than losing the whole answer."""
    data = speech_webm.read_bytes()
    half = tmp_path / "half.webm"
    half.write_bytes(data[: len(data) // 2])
    whole = decode_audio(speech_webm).duration_seconds
    assert 0.35 * whole < decode_audio(half).duration_seconds < 0.65 * whole


def test_a_recording_whose_chunks_never_arrived_is_refused(speech_webm: Path, tmp_path: Path) -> None:
    """The header and the start of the first chunk made it: an audio track, and no sound in it."""
    data = speech_webm.read_bytes()
    empty = tmp_path / "empty.webm"
    empty.write_bytes(data[: data.index(MATROSKA_CLUSTER) + 8])
    with pytest.raises(MediaError, match=r"No audio could be decoded from empty\.webm"):
        decode_audio(empty)


def test_a_video_without_a_sound_track_says_there_is_no_audio(tmp_path: Path) -> None:
    silent = write_video(tmp_path / "silent.webm", [face_frame()] * 5)
    with pytest.raises(MediaError, match=r"silent\.webm has no audio"):
        decode_audio(silent)


def test_decoding_stops_at_the_limit_of_a_file_far_longer_than_its_size_suggests(tmp_path: Path) -> None:
    long = looped_opus(tmp_path / "forty-minutes.webm", 40 * 60)
    clip = decode_audio(long, max_seconds=40)
    assert clip.duration_seconds == 40
    assert clip.ran_over is True


def test_a_recording_within_the_limit_is_decoded_whole_and_not_marked(
    speech_wav: Path, speech_webm: Path
) -> None:
    clip = decode_audio(speech_webm, max_seconds=wav_seconds(speech_wav) + 1)
    assert clip.duration_seconds == pytest.approx(wav_seconds(speech_wav), abs=0.1)
    assert clip.ran_over is False
