"""Transcription: audio extraction, Whisper engines, model management, subtitle writers."""
