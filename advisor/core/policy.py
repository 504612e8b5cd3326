"""Policy constants that more than one stage uses, named once.

Each is a product decision, not a tuning knob; settings that users change live in their
stage's settings dataclass.
"""

from __future__ import annotations

# Highest quality target or floor accepted, relative to today's quality (1.0). Above 1 lets a
# user ask for better than today; past 1.5 is almost surely a percentage typed as a fraction.
MAX_RELATIVE_QUALITY = 1.5

# Default highest acceptable share of wrong answers among cached answers.
DEFAULT_FALSE_HIT_BUDGET = 0.02

# A share at or above this is reported as "all" (solver tolerances leave 99.9 % for 100 %).
WHOLE_SHARE = 0.995

# Most bootstrap resamples a setting may ask for: past 100,000 the interval no longer moves
# (its Monte Carlo error is ~0.3 % of its width) while the run time grows linearly.
MAX_BOOTSTRAP = 100_000
