"""glassml: machine learning glassy dynamics.

Simulate glass-forming liquids, measure their dynamic heterogeneity, learn from static
structure which particles will move, and benchmark the learners fairly (GlassBench).
"""

__version__ = "0.1.0"

from glassml.errors import GlassmlError

__all__ = ["GlassmlError", "__version__"]
