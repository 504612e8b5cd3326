"""The bars of docs/cache-labels.md (issue 16), shared by the table and its page."""

CHECK_RANGE = (0.75, 0.95)  # thresholds the worst error is taken over
INTENT_LABELS = 100  # labels on intent streams (and the first QQP row)
INTENT_TARGET = 0.03  # worst error bar with 100 labels on intent streams
QQP_LABELS = 400
QQP_TARGET = 0.035  # median worst error bar on QQP at 400 labels
FACTOR = 1.5  # the stated "labels needed" must be right within this factor
