class DomainError(Exception):
    """A business rule refused an operation; the message is Chinese and shown to the user."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
