"""Synthetic population generator: registry-format households and persons with ground truth.

population = generate(SynthConfig(persons=100_000, seed=1))
counts = write(population, Path("out"))
"""

from sejahtera.synth.config import DEFAULT_REGENCIES, SynthConfig
from sejahtera.synth.generator import generate
from sejahtera.synth.output import Population, write

__all__ = ["DEFAULT_REGENCIES", "Population", "SynthConfig", "generate", "write"]
