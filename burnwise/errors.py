"""Errors meant for the person at the terminal: printed as one message, no traceback."""


class UserError(Exception):
    """A mistake in input or environment that the user can fix; the message says what and where."""

    exit_code = 1

    def __init__(self, message: str, exit_code: int = 1) -> None:
        super().__init__(message)
        self.exit_code = exit_code
