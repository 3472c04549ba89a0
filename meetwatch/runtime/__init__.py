"""Threads, queues, events, metrics and time shared by every stage.

clock (Clock, SystemClock, ManualClock), latest_queue (LatestQueue), stage (StageThread,
SourceThread), metrics (Metrics), events (EventBus).
"""
