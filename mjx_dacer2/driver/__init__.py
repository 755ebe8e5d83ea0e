"""The host driver: one training loop for 1..N seeds, with logs, checkpoints and resume."""

from mjx_dacer2.driver.run import Stopped, TrainingError, train, train_seeds

__all__ = ["Stopped", "TrainingError", "train", "train_seeds"]
