"""Recorded answers as media: decoding, transcription and a plain description of the video."""
