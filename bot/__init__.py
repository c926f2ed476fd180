"""Draaiboek-assistent: answers case workers' questions from VDAB's draaiboeken, with citations."""

__version__ = "0.1.0"
