"""Inspection of untrusted images and video, shared by every app (no models, no Django state)."""
