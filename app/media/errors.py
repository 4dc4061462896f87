"""The errors the media package raises, each with the reason: a recording that cannot be used,
and a recording store that cannot be reached."""

from app.errors import AppError


class MediaError(AppError):
    """A file that is not usable media, or a transcription that failed; the message says why."""

    status_code = 422
    title = "The recording could not be used"


class StorageUnavailable(AppError):
    """The recording store (a folder, an object store) failed; nothing was stored by the request
    that met it, so sending it again later is safe (the recorder retries on 5xx by itself)."""

    status_code = 503
    title = "Recordings cannot be stored right now"
