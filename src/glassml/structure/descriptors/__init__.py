"""Descriptor compute objects (see glassml.structure)."""
