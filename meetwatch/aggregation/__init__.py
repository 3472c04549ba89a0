"""Participants -> engagement per participant and for the room, 1 Hz samples and alerts.

aggregator (Aggregator), engagement (the formula), alerts, seconds (SecondSampler),
config (AggregationConfig), models (the persisted and wire models).
"""
