"""Domain errors carry their HTTP status; one handler in app.web renders them."""


class AppError(Exception):
    status_code = 400
    title = "That did not work"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(AppError):
    status_code = 422
    title = "Please check what you entered"


class NotAuthenticated(AppError):
    status_code = 401
    title = "Please sign in"


class Forbidden(AppError):
    status_code = 403
    title = "Not allowed"


class NotFound(AppError):
    status_code = 404
    title = "Not found"


class Conflict(AppError):
    status_code = 409
    title = "Conflict"


class Gone(AppError):
    status_code = 410
    title = "No longer available"


class PayloadTooLarge(AppError):
    status_code = 413
    title = "Too large"


class UnsupportedMedia(AppError):
    status_code = 415
    title = "Not a recording"


class TooManyRequests(AppError):
    status_code = 429
    title = "Too many attempts"
