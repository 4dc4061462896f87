"""Serving a stored recording over HTTP with single byte ranges, so players can seek in it
without downloading it first. The bytes come from the storage by key, never from a path."""

import re

from fastapi.responses import Response, StreamingResponse

from app.media.storage import MediaStorage

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
PRIVATE = {"Cache-Control": "private, no-store", "Accept-Ranges": "bytes"}


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive range a Range header asks for; None for the whole file (no header, or one
    this server ignores, such as several ranges). Raises ValueError when it cannot be served."""
    match = _RANGE.match(header.strip()) if header else None
    if match is None:
        return None
    first, last = match.groups()
    if not first and not last:
        raise ValueError("empty range")
    if not first:  # the last N bytes
        return max(0, size - int(last)), size - 1
    start, end = int(first), min(int(last), size - 1) if last else size - 1
    if start >= size or start > end:
        raise ValueError("range outside the recording")
    return start, end


def recording_response(
    storage: MediaStorage, key: str, media_type: str, size: int, range_header: str | None
) -> Response:
    """The recording, or the part of it the Range header asks for (206), or 416."""
    try:
        wanted = byte_range(range_header, size)
    except ValueError:
        return Response(status_code=416, headers={**PRIVATE, "Content-Range": f"bytes */{size}"})
    if wanted is None:
        body = storage.stream_recording(key, media_type)
        return StreamingResponse(
            body, media_type=media_type, headers={**PRIVATE, "Content-Length": str(size)}
        )
    start, end = wanted
    headers = {
        **PRIVATE,
        "Content-Range": f"bytes {start}-{end}/{size}",
        "Content-Length": str(end - start + 1),
    }
    body = storage.stream_recording(key, media_type, start, end)
    return StreamingResponse(body, status_code=206, media_type=media_type, headers=headers)
