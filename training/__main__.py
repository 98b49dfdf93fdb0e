"""Fine-tune stanceframe: python -m training [--epochs N] [--output-dir DIR] [...]."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys

from training.config import TrainConfig


def _boolean(text: str) -> bool:
    if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
        raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")
    return text.lower() in ("true", "1", "yes")


def _optional(kind):
    """A flag type that also takes "none" (for fields whose default may be None)."""

    def parse(text: str):
        return None if text.lower() == "none" else kind(text)

    parse.__name__ = kind.__name__
    return parse


def parse_config(argv: list[str] | None = None) -> TrainConfig:
    """Build a TrainConfig from flags named after its fields (--learning-rate 5e-5)."""
    parser = argparse.ArgumentParser(prog="python -m training", description="Fine-tune the classifier on the corpus.")
    parser.add_argument("--config", default=None, help="a JSON file of TrainConfig fields (flags override it)")
    defaults = TrainConfig()
    for f in dataclasses.fields(TrainConfig):
        # the annotation, a string here ("float | None"), names the flag's type
        first, *rest = [part.strip() for part in str(f.type).split("|")]
        kind = {"int": int, "float": float, "bool": _boolean}.get(first, str)
        if "None" in rest:
            kind = _optional(kind)
        parser.add_argument("--" + f.name.replace("_", "-"), type=kind, default=argparse.SUPPRESS, help=f"(default: {getattr(defaults, f.name)})")
    args = vars(parser.parse_args(argv))
    base = TrainConfig.from_json(args.pop("config")) if args.get("config") else defaults
    args.pop("config", None)
    return dataclasses.replace(base, **args)  # only the flags given: SUPPRESS leaves the rest out


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        config = parse_config(argv)
        from training.fine_tune import train

        record = train(config)
    except (ValueError, RuntimeError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    dev = record["dev"]
    print(
        f"trained on {record['train_sentences']} sentences in {record['train_seconds']} s "
        f"({record['train_sentences_per_second']} sentences/s, {record['device']}); "
        f"dev macro-F1 {dev['macro_f1']:.3f}, accuracy {dev['accuracy']:.3f} "
        f"on {dev['sentences']} sentences; saved to {config.output_dir}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
