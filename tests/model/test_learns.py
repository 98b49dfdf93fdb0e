"""Slow: fine-tune the real base model briefly and check that it learns."""

import pytest

from data import LABELS, load_corpus


@pytest.mark.slow
def test_real_base_model_learns(tmp_path):
    from model import Classifier
    from training import TrainConfig, train

    config = TrainConfig(output_dir=str(tmp_path / "ckpt"), method="full", learning_rate=1e-4, epochs=6,
                         max_train_samples=240, batch_size=16, factual_prior=None)
    train_set = load_corpus()["train"].shuffle(seed=config.seed).select(range(240))
    before = Classifier.new()
    chance = max(train_set["label"].count(i) for i in range(len(LABELS))) / len(train_set)
    record = train(config)
    after = Classifier.from_pretrained(config.output_dir, device="cpu")
    predicted = after.predict_proba(train_set["text"]).argmax(-1).tolist()
    accuracy = sum(p == g for p, g in zip(predicted, train_set["label"])) / len(train_set)
    untrained = before.predict_proba(train_set["text"]).argmax(-1).tolist()
    accuracy_before = sum(p == g for p, g in zip(untrained, train_set["label"])) / len(train_set)
    assert accuracy >= 0.7 and accuracy > chance + 0.2, (accuracy, chance, accuracy_before)
    assert accuracy > accuracy_before + 0.3
    assert record["dev"]["macro_f1"] > 0.3
