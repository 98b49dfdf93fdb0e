"""The model package's error, kept apart from torch so that every engine can raise it."""


class CheckpointError(RuntimeError):
    """A checkpoint is missing, unreadable, damaged, or does not match the label set."""
