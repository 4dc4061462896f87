"""What the camera showed during an answer: whether a face was visible, how it was framed and lit,
whether more than one face appeared, and a poster frame for reviewers.

This describes the picture and nothing else. It NEVER infers emotion, personality, attention,
confidence or honesty from a face: such inferences are unreliable, unfair to candidates and have
no place in an assessment. The notes it writes are about the camera set-up, which a candidate can fix.

Frames are sampled by their timestamps (Chrome's webm files carry no duration), faces are found
with OpenCV's frontal-face Haar cascade, and every share is a share of the sampled frames, which
is to say of the answer's length. Like the audio, only the allowed part of an answer is looked at."""

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

import cv2
import numpy as np
from cv2.data import haarcascades
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

from app.media.audio import decoded_frames, open_media
from app.media.errors import MediaError

Image = NDArray[np.uint8]

# Tuned by a grid search on skimage's astronaut photo (found from 7% of the frame width up, once per
# face when two sit side by side) against random and blurred noise and nine non-face skimage photos
# (nothing found). No histogram equalisation: it hid small faces on plain backgrounds.
DETECTION_WIDTH = 480  # frames are scaled down to this width first: faster, and no worse at finding faces
SCALE_FACTOR = 1.15
MIN_NEIGHBOURS = 5
MIN_FACE_PIXELS = 20

DARK_LUMINANCE = 50.0  # mean luma (0-255) below this: features are hard to make out on a webcam
SMALL_FACE_SHARE = 0.10  # a face narrower than a tenth of the frame: the candidate sits far away
CENTRE_BOX_X = (0.25, 0.75)  # a face centre outside this box is "far from the centre"; the box
CENTRE_BOX_Y = (0.15, 0.70)  # reaches higher than lower because faces usually sit above the middle
NOTE_MIN_SHARE = 0.10  # a problem seen in under a tenth of the answer is not worth a note
POSTER_MAX_WIDTH = 640
FALLBACK_FPS = 30.0  # for the rare frame without a timestamp

FACE_CASCADE = Path(haarcascades) / "haarcascade_frontalface_default.xml"
_per_thread = threading.local()


def _face_cascade() -> cv2.CascadeClassifier:
    """One classifier per thread: OpenCV does not promise that detectMultiScale is thread-safe."""
    if not hasattr(_per_thread, "cascade"):
        _per_thread.cascade = cv2.CascadeClassifier(str(FACE_CASCADE))
    cascade: cv2.CascadeClassifier = _per_thread.cascade
    return cascade


class VideoAnalysis(BaseModel):
    model_config = ConfigDict(extra="forbid")

    frames_sampled: int
    face_visible_share: float = Field(ge=0, le=1)
    multiple_faces_share: float = Field(ge=0, le=1)
    too_dark_share: float = Field(ge=0, le=1)
    off_centre_share: float = Field(ge=0, le=1)
    too_small_share: float = Field(ge=0, le=1)
    poster_jpeg: bytes | None = None
    notes: list[str]


@dataclass(frozen=True)
class FrameLook:
    """What one sampled frame showed; framing is judged on the largest face."""

    faces: int
    dark: bool
    face_width_share: float = 0.0
    off_centre: bool = False

    @property
    def too_small(self) -> bool:
        return self.faces > 0 and self.face_width_share < SMALL_FACE_SHARE


def look_at(frame: Image) -> FrameLook:
    """Faces, framing and lighting of one BGR frame."""
    height, width = frame.shape[:2]
    scale = min(1.0, DETECTION_WIDTH / width)
    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY)
    if scale < 1.0:
        gray = cv2.resize(gray, (DETECTION_WIDTH, round(height * scale)), interpolation=cv2.INTER_AREA)
    dark = float(gray.mean()) < DARK_LUMINANCE
    faces = _face_cascade().detectMultiScale(
        gray,
        scaleFactor=SCALE_FACTOR,
        minNeighbors=MIN_NEIGHBOURS,
        minSize=(MIN_FACE_PIXELS, MIN_FACE_PIXELS),
    )
    if len(faces) == 0:
        return FrameLook(faces=0, dark=dark)
    x, y, w, h = max(faces, key=lambda face: int(face[2]))
    small_height, small_width = gray.shape
    centre_x, centre_y = (x + w / 2) / small_width, (y + h / 2) / small_height
    off_centre = not (
        CENTRE_BOX_X[0] <= centre_x <= CENTRE_BOX_X[1] and CENTRE_BOX_Y[0] <= centre_y <= CENTRE_BOX_Y[1]
    )
    return FrameLook(faces=len(faces), dark=dark, face_width_share=w / small_width, off_centre=off_centre)


def sampled_frames(path: Path, every_seconds: float, max_seconds: float | None = None) -> Iterator[Image]:
    """About one BGR frame per `every_seconds` of the first video stream, chosen by timestamp,
    up to `max_seconds` into the recording."""
    with open_media(path) as container:
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        next_time = 0.0
        for index, frame in enumerate(decoded_frames(container, stream)):
            seconds = frame.time if frame.time is not None else index / FALLBACK_FPS
            if max_seconds is not None and seconds > max_seconds:
                return
            if seconds + 1e-3 >= next_time:
                next_time = seconds + every_seconds
                yield _downscaled(np.asarray(frame.to_ndarray(format="bgr24"), dtype=np.uint8))


def _downscaled(frame: Image) -> Image:
    """Frames are kept at most POSTER_MAX_WIDTH wide, which bounds memory for long answers."""
    height, width = frame.shape[:2]
    if width <= POSTER_MAX_WIDTH:
        return frame
    size = (POSTER_MAX_WIDTH, round(height * POSTER_MAX_WIDTH / width))
    return cv2.resize(frame, size, interpolation=cv2.INTER_AREA).astype(np.uint8, copy=False)


def _jpeg(frame: Image) -> bytes:
    ok, jpeg = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, 85])
    if not ok:
        raise MediaError("The poster frame could not be encoded as JPEG.")
    return jpeg.tobytes()


_NOTES = (
    ("multiple_faces_share", "More than one face was visible for {share} of the answer."),
    ("too_dark_share", "The picture was too dark for {share} of the answer."),
    ("off_centre_share", "Your face was far from the centre of the picture for {share} of the answer."),
    (
        "too_small_share",
        "Your face was small in the picture (far from the camera) for {share} of the answer.",
    ),
)


def _notes(analysis: VideoAnalysis) -> list[str]:
    """Plain observations a candidate can act on; problems seen only briefly are left out."""
    if analysis.face_visible_share == 0:
        notes = ["No face could be seen in the picture during the answer."]
    else:
        notes = [f"Your face was visible in {analysis.face_visible_share:.0%} of the answer."]
    for field, text in _NOTES:
        share = getattr(analysis, field)
        if share >= NOTE_MIN_SHARE:
            notes.append(text.format(share=f"{share:.0%}"))
    return notes


def _share(looks: list[FrameLook], seen: list[bool]) -> float:
    return round(sum(seen) / len(looks), 3)


def _has_video(path: Path) -> bool:
    with open_media(path) as container:
        return bool(container.streams.video)


def _middle_frame(path: Path, every_seconds: float, count: int, max_seconds: float | None) -> Image:
    """Decoded a second time rather than keeping every frame of a long answer in memory."""
    return next(islice(sampled_frames(path, every_seconds, max_seconds), count // 2, None))


def analyse_video(path: Path, every_seconds: float = 1.0, max_seconds: float | None = None) -> VideoAnalysis:
    """Describe the picture of a recording; an audio-only recording gets a note, not an error.
    The poster is the well-lit frame with the largest face, else the middle frame."""
    if not _has_video(path):
        return VideoAnalysis(
            frames_sampled=0,
            face_visible_share=0,
            multiple_faces_share=0,
            too_dark_share=0,
            off_centre_share=0,
            too_small_share=0,
            notes=["There was no video in this answer, so the picture was not checked."],
        )
    looks: list[FrameLook] = []
    poster: tuple[float, Image] | None = None
    for frame in sampled_frames(path, every_seconds, max_seconds):
        look = look_at(frame)
        looks.append(look)
        if look.faces and not look.dark and (poster is None or look.face_width_share > poster[0]):
            poster = (look.face_width_share, frame)
    if not looks:
        raise MediaError(f"No video frames could be decoded from {path.name}: the recording is damaged.")
    analysis = VideoAnalysis(
        frames_sampled=len(looks),
        face_visible_share=_share(looks, [look.faces > 0 for look in looks]),
        multiple_faces_share=_share(looks, [look.faces > 1 for look in looks]),
        too_dark_share=_share(looks, [look.dark for look in looks]),
        off_centre_share=_share(looks, [look.off_centre for look in looks]),
        too_small_share=_share(looks, [look.too_small for look in looks]),
        poster_jpeg=_jpeg(
            poster[1] if poster else _middle_frame(path, every_seconds, len(looks), max_seconds)
        ),
        notes=[],
    )
    analysis.notes = _notes(analysis)
    return analysis
