"""What every part of the bot shares: the answer's data types, errors, settings, thresholds, logs, metrics."""
