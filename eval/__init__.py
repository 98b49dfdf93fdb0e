"""stanceframe evaluation: metrics, reports, baselines; python -m eval."""
