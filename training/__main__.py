"""Fine-tune stanceframe: python -m training [--epochs N] [--output-dir DIR] [...]; --help lists every flag."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
import typing

from training.config import TrainConfig


def _or_none(kind):
    """A flag type that also takes "none", for fields whose default may be None (--factual-prior None)."""

    def parse(text: str):
        return None if text.lower() == "none" else kind(text)

    parse.__name__ = getattr(kind, "__name__", "value")
    return parse


def build_parser():
    """transformers.HfArgumentParser over TrainConfig (flags, types and help from its fields), plus
    --config FILE (a JSON of fields that the flags given override) and "None" for optional fields."""
    from transformers import HfArgumentParser

    parser = HfArgumentParser(TrainConfig, prog="python -m training",
                              description="Fine-tune the classifier on the corpus; the checkpoint goes to --output-dir.")
    parser.add_argument("--config", default=None, help="a JSON file of TrainConfig fields (flags override it)")
    hints = typing.get_type_hints(TrainConfig)
    optional = {name for name, hint in hints.items() if type(None) in typing.get_args(hint)}
    for action in parser._actions:  # argparse keeps no public list of its actions
        if action.dest in optional and action.type is not None:
            action.type = _or_none(action.type)
    return parser


def parse_config(argv: list[str] | None = None) -> TrainConfig:
    """A TrainConfig from flags named after its fields (--learning-rate 5e-5 or --learning_rate 5e-5).

    Raises:
        SystemExit: a flag is unknown or its value has the wrong type (argparse's message).
        ValueError: a value is out of range (TrainConfig's message), or --config names a bad file.
    """
    parser = build_parser()
    config_file = _config_flag(argv)
    if config_file:
        parser.set_defaults(**dataclasses.asdict(TrainConfig.from_json(config_file)))
    args = vars(parser.parse_args(argv))
    args.pop("config", None)
    return TrainConfig(**args)


def _config_flag(argv: list[str] | None) -> str | None:
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--config", default=None)
    return pre.parse_known_args(argv)[0].config


def main(argv: list[str] | None = None) -> int:
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        config = parse_config(argv)
        from training.fine_tune import train

        record = train(config)
    except (ValueError, RuntimeError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: no checkpoint was saved", file=sys.stderr)
        return 130
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
