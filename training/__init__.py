"""stanceframe training: TrainConfig and train(); python -m training."""

from training.config import TrainConfig


def train(config: TrainConfig) -> dict:
    """Fine-tune and save a checkpoint; see training.fine_tune.train (imported on first use)."""
    from training.fine_tune import train as _train

    return _train(config)


__all__ = ["TrainConfig", "train"]
