"""Out-of-domain statistics (model/ood.py): fitted, saved beside the weights, checked on load, and
turned into the "out_of_domain" warning by classify()."""

import json

import pytest
import torch

from model import CheckpointError, Classifier, classify
from model.checkpoint import write_ood
from model.ood import OOD_FILE, OUT_OF_DOMAIN, distance, fit

TEXTS = ["Rebels shelled the market at dawn.", "Talks resume on Monday.", "The minister vowed to strike back."]


def test_distance_is_mahalanobis_to_the_nearest_mean():
    stats = {"means": torch.tensor([[0.0, 0.0], [10.0, 0.0]]), "precision": torch.diag(torch.tensor([1.0, 4.0])),
             "threshold": torch.tensor([1.0])}
    assert distance(torch.tensor([[0.0, 1.0], [9.0, 0.0]]), stats).tolist() == pytest.approx([2.0, 1.0])


def test_fitted_statistics_flag_what_lies_far_from_the_training_data():
    generator = torch.Generator().manual_seed(0)
    train = torch.randn(600, 6, generator=generator)
    stats = fit(train, [i % 3 for i in range(600)], torch.randn(300, 6, generator=generator))
    near, far = distance(torch.randn(200, 6, generator=generator), stats), distance(torch.randn(50, 6) * 6 + 20, stats)
    assert (near > stats["threshold"]).float().mean() < 0.05 and bool((far > stats["threshold"]).all())


def test_statistics_round_trip_and_drive_the_warning(tiny, tiny_model_dir, tmp_path):
    path = tiny.save_pretrained(tmp_path / "ckpt")
    features = tiny.pooled(TEXTS * 20)
    stats = fit(features + 0.01 * torch.randn_like(features), [0, 1, 2] * 20, features)
    write_ood(path, {**stats, "threshold": torch.tensor([-1.0])})  # every sentence beyond it
    loaded = Classifier.from_pretrained(path)
    assert torch.equal(loaded.ood["means"], stats["means"]) and OOD_FILE in json.loads((path / "stanceframe.json").read_text())["files"]
    assert all(OUT_OF_DOMAIN in p.warnings for p in classify(TEXTS, model=loaded))
    write_ood(path, {**stats, "threshold": torch.tensor([1e9])})
    assert not any(OUT_OF_DOMAIN in p.warnings for p in classify(TEXTS, model=Classifier.from_pretrained(path)))
    (path / OOD_FILE).write_bytes((path / OOD_FILE).read_bytes()[:-8] + b"\0" * 8)
    with pytest.raises(CheckpointError, match=f"{OOD_FILE} has changed since it was saved"):
        Classifier.from_pretrained(path)


def test_a_checkpoint_without_statistics_gives_no_such_warning(tiny):
    assert tiny.ood is None and all(OUT_OF_DOMAIN not in p.warnings for p in classify(TEXTS, model=tiny))


@pytest.mark.slow
def test_the_shipped_flag_fires_more_on_errors_of_real_copy():
    """The measured property (python -m eval ood): AUROC of the distance for the model's errors."""
    from data.realdev import REAL_DEV_FILE, SourceMissing
    from eval.ood import flag_quality
    from model import load_classifier
    from data import read_labelled_file

    try:
        texts, gold = read_labelled_file(REAL_DEV_FILE)
    except SourceMissing:
        pytest.skip("the real-text dev set needs ../shared/benchmarks")
    result = flag_quality(load_classifier(), texts, gold)
    assert result["auroc"] >= 0.80 and result["flagged_when_wrong"] > 3 * result["flagged_when_right"]
