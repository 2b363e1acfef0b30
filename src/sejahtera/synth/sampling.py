"""Small vectorised building blocks: logit draws, categorical choices, ranks and string columns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

Features = Mapping[str, np.ndarray]


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


@dataclass(frozen=True)
class LogitModel:
    """P(yes) = sigmoid(intercept + Σ coefficient × feature)."""

    intercept: float
    effects: Mapping[str, float] = field(default_factory=dict)

    def probability(self, features: Features, size: int) -> np.ndarray:
        score = np.full(size, self.intercept)
        for name, coefficient in self.effects.items():
            score += coefficient * features[name]
        return sigmoid(score)

    def draw(self, rng: np.random.Generator, features: Features, size: int) -> np.ndarray:
        return rng.random(size) < self.probability(features, size)


@dataclass(frozen=True)
class ChoiceModel:
    """A multinomial logit over ``categories``: one score per category, linear in the features.

    ``effects`` maps a feature to one coefficient per category. A draw takes the category with
    the highest score plus Gumbel noise, which samples exactly the softmax probabilities.
    """

    categories: tuple[str, ...]
    intercept: tuple[float, ...]
    effects: Mapping[str, tuple[float, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        width = len(self.categories)
        if len(self.intercept) != width or any(len(c) != width for c in self.effects.values()):
            raise ValueError("every coefficient row needs one value per category")

    def scores(self, features: Features, size: int) -> np.ndarray:
        scores = np.tile(np.asarray(self.intercept, dtype=np.float64), (size, 1))
        for name, coefficients in self.effects.items():
            scores += np.outer(features[name], coefficients)
        return scores

    def draw(
        self,
        rng: np.random.Generator,
        features: Features,
        size: int,
        *,
        forbidden: Mapping[str, np.ndarray] | None = None,
    ) -> np.ndarray:
        """Index into ``categories`` per row; ``forbidden`` masks categories out row by row."""
        scores = self.scores(features, size)
        for category, mask in (forbidden or {}).items():
            scores[mask, self.categories.index(category)] = -np.inf
        return np.argmax(scores + rng.gumbel(size=scores.shape), axis=1).astype(np.int8)


def ranks_within_groups(keys: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """0-based rank of each row among the rows with the same key, in random order."""
    n = len(keys)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    shuffled = rng.permutation(n)
    order = shuffled[np.argsort(keys[shuffled], kind="stable")]
    sorted_keys = keys[order]
    position = np.arange(n)
    starts = np.r_[True, sorted_keys[1:] != sorted_keys[:-1]]
    group_start = np.maximum.accumulate(np.where(starts, position, 0))
    ranks = np.empty(n, dtype=np.int64)
    ranks[order] = position - group_start
    return ranks


def labels(vocabulary: Sequence[str], index: np.ndarray) -> pa.Array:
    """The string column whose row i is ``vocabulary[index[i]]``."""
    return pc.take(pa.array(list(vocabulary), type=pa.string()), pa.array(index))


def with_unknown(
    rng: np.random.Generator, index: np.ndarray, vocabulary_size: int, rate: float
) -> np.ndarray:
    """Replace a share of indices by ``vocabulary_size``: the slot of '' (unknown) in a
    vocabulary extended by one empty string."""
    unknown = rng.random(len(index)) < rate
    return np.where(unknown, vocabulary_size, index)


def digits(values: np.ndarray, width: int = 0) -> pa.Array:
    """Non-negative integers as decimal strings, left-padded with zeros to ``width``."""
    text = pa.array(np.asarray(values, dtype=np.int64)).cast(pa.string())
    return pc.utf8_lpad(text, width, "0") if width else text


def concat(*parts: pa.Array | str) -> pa.Array:
    """Row-wise string concatenation of arrays and constant strings."""
    return pc.binary_join_element_wise(*parts, "")


def fixed_point(values: np.ndarray, decimals: int) -> pa.Array:
    """Numbers as plain decimal text with a fixed number of decimals (never exponent form)."""
    scale = 10**decimals
    scaled = np.rint(np.asarray(values) * scale).astype(np.int64)
    sign = labels(("", "-"), (scaled < 0).astype(np.int8))
    magnitude = np.abs(scaled)
    return concat(sign, digits(magnitude // scale), ".", digits(magnitude % scale, decimals))


def segment_any(flags: np.ndarray, group: np.ndarray, groups: int) -> np.ndarray:
    """Per group: does any row of the group have the flag?"""
    return np.bincount(group, weights=flags.astype(np.float64), minlength=groups) > 0


def segment_sum(values: np.ndarray, group: np.ndarray, groups: int) -> np.ndarray:
    return np.bincount(group, weights=np.asarray(values, dtype=np.float64), minlength=groups)
