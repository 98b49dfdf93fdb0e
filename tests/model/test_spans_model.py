"""The span head on a tiny BERT: save/load through the lean encoder, classify() and
classify_document() carry speakers, targets and actors, and the HTML report renders them."""

import re

import pytest
import torch

from data import LABELS, id2label, label2id
from model import Classifier, classify, classify_document
from model.spans import SPAN_TAGS, Span

TEXTS = ["Baku accused Yerevan of shelling the town.", "Talks resume on Monday."]


@pytest.fixture(scope="module")
def tiny_joint(tiny_model_dir, tmp_path_factory):
    from transformers import AutoTokenizer, BertConfig

    from model.stance_bert import BertForStanceAndSpans

    torch.manual_seed(0)
    config = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=37,
                        max_position_embeddings=128, num_labels=len(LABELS), id2label=dict(id2label), label2id=dict(label2id))
    reference = BertForStanceAndSpans(config).eval()
    with torch.no_grad():
        reference.classifier.bias.copy_(torch.tensor([3.0, 0, 0, 0, 0]))  # every sentence an allegation: spans are read
    classifier = Classifier(reference, AutoTokenizer.from_pretrained(tiny_model_dir))
    path = classifier.save_pretrained(tmp_path_factory.mktemp("joint"))
    return reference, classifier.tokenizer, path


def test_lean_span_head_equals_transformers(tiny_joint):
    reference, tokenizer, path = tiny_joint
    loaded = Classifier.from_pretrained(path)
    assert type(loaded.model).__name__ == "LeanBertClassifier" and loaded.has_spans
    batch = tokenizer(TEXTS, padding=True, return_tensors="pt")
    with torch.no_grad():
        expected = reference(**batch)
        got = loaded.model(**batch)
    assert torch.allclose(got.logits, expected.logits, atol=1e-5)
    assert torch.allclose(got.span_logits, expected.span_logits, atol=1e-5)
    assert got.span_logits.shape[-1] == len(SPAN_TAGS)


def test_classify_carries_spans_and_actors(tiny_joint):
    loaded = Classifier.from_pretrained(tiny_joint[2])
    for text, result in zip(TEXTS, classify(TEXTS, model=loaded)):
        assert result.top_label == "allegation"
        for role in ("speaker", "target"):
            span = getattr(result, role)
            assert span is None or (isinstance(span, Span) and text[span.start:span.end] == span.text)
            assert (getattr(result, f"{role}_actor") is None) == (span is None)


def test_a_model_without_span_head_gives_none(tiny):
    assert not tiny.has_spans
    result = classify(TEXTS[0], model=tiny)
    assert result.speaker is None and result.target is None and result.speaker_actor is None


def test_document_offsets_and_the_speaker_of_the_act_before(monkeypatch):
    """'He said ...' takes the speaker of the act just before, with document offsets."""
    from model import api

    def fake(texts, **kwargs):
        out = []
        for text in texts:
            if text.startswith("Baku"):
                out.append(api.Prediction("allegation", 0.9, {}, speaker=Span("Baku", 0, 4, 0.9), speaker_actor="Azerbaijan",
                                          target=Span("Yerevan", 13, 20, 0.8), target_actor="Armenia"))
            elif text.startswith("He"):
                out.append(api.Prediction("allegation", 0.9, {}))
            else:
                out.append(api.Prediction("factual_report", 0.9, {}))
        return out

    monkeypatch.setattr(api, "classify", fake)
    document = "Schools reopened. Baku accused Yerevan of shelling. He said three died. Rain fell. Rain fell again. He said more."
    results = classify_document(document)
    baku, he = results[1], results[2]
    assert document[baku.speaker.start:baku.speaker.end] == "Baku" and document[baku.target.start:baku.target.end] == "Yerevan"
    assert he.speaker == baku.speaker and he.speaker_actor == "Azerbaijan"
    assert results[5].speaker is None  # three segments later: too far to be "he"


def test_report_is_self_contained_and_marks_every_sentence(monkeypatch, tmp_path):
    from model import api
    from model.report import COLOURS, _tint, render

    document = "Schools reopened. Baku accused Yerevan of shelling. He said three died."
    monkeypatch.setattr(api, "classify", lambda texts, **kw: [
        api.Prediction("factual_report", 0.97, {}), api.Prediction("allegation", 0.88, {}, speaker=Span("Baku", 0, 4, 0.9),
                                                                    speaker_actor="Azerbaijan", target=Span("Yerevan", 13, 20, 0.8), target_actor="Armenia"),
        api.Prediction("allegation", 0.7, {})][: len(texts)])
    page = render([("doc", document, classify_document(document)), ("again", document, classify_document(document))])
    assert page.count('class="sentence label-') == 6 and '<mark class="speaker">Baku</mark>' in page
    assert f'style="background:{_tint(COLOURS["allegation"])}"' in page and "<svg" in page
    assert "Azerbaijan</td><td>allegation</td><td>Armenia</td><td>2</td>" in page  # one sentence in each document
    assert "Azerbaijan</td><td>allegation</td><td>-</td><td>2</td>" in page  # "He said": the speaker, no target
    assert not re.search(r"<script|\bsrc=|<link|https?://(?!www\.w3\.org)", page), "the page must need no network"


def test_a_pronoun_speaker_takes_the_named_speaker_of_the_act_before(monkeypatch):
    from model import api

    def fake(texts, **kwargs):
        out = []
        for text in texts:
            if text.startswith("Baku"):
                out.append(api.Prediction("allegation", 0.9, {}, speaker=Span("Baku", 0, 4, 0.9), speaker_actor="Azerbaijan"))
            elif text.startswith("He"):
                out.append(api.Prediction("threat", 0.9, {}, speaker=Span("He", 0, 2, 0.8), speaker_actor="He"))
            else:
                out.append(api.Prediction("allegation", 0.9, {}, speaker=Span("It", 0, 2, 0.8), speaker_actor="It"))
        return out

    monkeypatch.setattr(api, "classify", fake)
    document = "Baku accused Yerevan of shelling. He vowed to respond. It said more."
    baku, he, it = classify_document(document)
    assert he.speaker == baku.speaker and he.speaker_actor == "Azerbaijan"
    assert it.speaker == baku.speaker  # the chain goes on: "he" was Baku
    alone = classify_document("He vowed to respond.")
    assert alone[0].speaker.text == "He"  # no named speaker before: the pronoun stays


def test_an_unnamed_act_takes_the_speaker_the_tagger_reads_in_the_factual_sentence_before(monkeypatch):
    """Spans are read for acts only; an act saying only "He" right after a factual_report sentence
    gets the speaker the tagger finds there, in a second pass over that sentence alone."""
    from model import api

    def fake(texts, **kwargs):
        return [api.Prediction("allegation", 0.9, {}, speaker=Span("He", 0, 2, 0.8), speaker_actor="He")
                if text.startswith("He") else api.Prediction("factual_report", 0.9, {}) for text in texts]

    class Tagger:  # what classify_document asks of the model: spans of every sentence it is given
        asked = []

        def analyse(self, texts, every_sentence=False):
            self.asked.append((list(texts), every_sentence))
            return None, [{"speaker": Span("Kavan's defence minister", 0, 24, 0.9), "target": None} for _ in texts], None

    monkeypatch.setattr(api, "classify", fake)
    document = "Kavan's defence minister said the bridge was retaken. He added that rebels shelled the depot. Rain fell."
    minister, he, rain = classify_document(document, model=Tagger())
    assert Tagger.asked == [(["Kavan's defence minister said the bridge was retaken."], True)]  # that sentence alone
    assert (he.speaker.start, he.speaker.end, he.speaker.text) == (0, 24, "Kavan's defence minister")
    assert minister.speaker is None and rain.speaker is None  # a factual sentence keeps no speaker of its own


def test_an_unresolved_pronoun_is_not_handed_on_to_the_next_act(monkeypatch):
    """"She warned ..." with no named speaker before stays "She"; the next act's "He" must not become "She"."""
    from model import api

    def fake(texts, **kwargs):
        return [api.Prediction("threat", 0.9, {}, speaker=Span(text[:text.index(" ")], 0, text.index(" "), 0.8))
                for text in texts]

    monkeypatch.setattr(api, "classify", fake)
    she, he = classify_document("She warned them. He accused the militia.")
    assert she.speaker.text == "She" and he.speaker.text == "He"
