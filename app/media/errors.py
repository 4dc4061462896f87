"""The one error the media package raises: a recording that cannot be used, with the reason."""

from app.errors import AppError


class MediaError(AppError):
    """A file that is not usable media, or a transcription that failed; the message says why."""

    status_code = 422
    title = "The recording could not be used"
