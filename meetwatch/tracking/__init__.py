"""FaceSignals over time -> Participants: stable ids, smoothing, calibration, attention.

tracker (Tracker), participants (Participants, ParticipantState), config (TrackingConfig).
"""
