"""Rasa input/output channels of this project, named in credentials.yml by their module path."""
