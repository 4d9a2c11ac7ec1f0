"""Hardening (issue 7): fuzzing, object-level authorization, resource limits, deployment."""
